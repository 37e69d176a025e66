//! The site settings: public reads, admin-only changes with field errors, If-Match, navigation
//! that follows its sections, and cached answers dropped by a change.

use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::support::{TestApp, cache_hits};

fn full_settings() -> Value {
    json!({
        "name": "The Daily Dateline",
        "description": "News from Pakistan and the world",
        "base_url": "https://news.example.com/",
        "language": "en-GB",
        "time_zone": "Asia/Karachi",
        "publisher_name": "Dateline Media Ltd",
        "social_links": [
            {"network": "facebook", "label": "Facebook", "url": "https://www.facebook.com/dateline"},
            {"network": "x", "label": "X", "url": "https://x.com/dateline"}
        ],
        "navigation": [
            {"label": "World News", "section": "world-news"},
            {"label": "About us", "url": "https://news.example.com/about"}
        ],
        "permalink": "/{yyyy}/{mm}/{slug}"
    })
}

#[actix_web::test]
async fn the_defaults_are_public_and_cacheable() {
    let app = TestApp::new();
    let response = app.get("/api/v1/site").await;
    let site = response.json(200);
    assert_eq!(site["name"], "Dateline");
    assert_eq!(
        site["publisher_name"], "Dateline",
        "the publisher defaults to the site's name"
    );
    assert_eq!(site["time_zone"], "UTC");
    assert_eq!(site["permalink"], "/{section}/{slug}");
    assert_eq!(site["navigation"], json!([]));
    assert!(response.header("cache-control").unwrap().starts_with("public"));
    let keys = response.header("surrogate-key").unwrap();
    assert!(keys.split(' ').any(|k| k == "site"), "{keys}");
    assert!(response.header("etag").is_some());
}

#[actix_web::test]
async fn an_admin_replaces_the_settings_and_everyone_reads_them() {
    let app = TestApp::new();
    app.section("world-news", "World News", None);
    let (_, admin) = app.logged_in("admin").await;
    let saved = app
        .put_json("/api/v1/site", Some(&admin), full_settings())
        .await
        .json(200);
    assert_eq!(
        saved["base_url"], "https://news.example.com",
        "stored without its trailing slash"
    );
    let site = app.get("/api/v1/site").await.json(200);
    assert_eq!(site, saved);
    assert_eq!(site["language"], "en-GB");
    assert_eq!(site["social_links"][1]["network"], "x", "links keep their order");
    assert_eq!(
        site["navigation"],
        json!([
            {"label": "World News", "section": "world-news", "url": "https://news.example.com/world-news"},
            {"label": "About us", "section": null, "url": "https://news.example.com/about"}
        ])
    );

    // A section renamed: its entry follows; deleted: its entry goes.
    app.patch_json(
        "/api/v1/sections/world-news",
        Some(&admin),
        json!({"slug": "world"}),
    )
    .await
    .json(200);
    let site = app.get("/api/v1/site").await.json(200);
    assert_eq!(site["navigation"][0]["section"], "world");
    assert_eq!(site["navigation"][0]["url"], "https://news.example.com/world");
    let deleted = app
        .send_json(
            Method::DELETE,
            "/api/v1/sections/world",
            Some(&admin),
            Value::Null,
        )
        .await;
    assert_eq!(deleted.status.as_u16(), 204, "{}", deleted.text());
    let site = app.get("/api/v1/site").await.json(200);
    assert_eq!(site["navigation"].as_array().unwrap().len(), 1);
    assert_eq!(site["navigation"][0]["label"], "About us");

    let audit = app.get_as("/api/v1/audit?resource=site", &admin).await.json(200);
    assert_eq!(audit["data"].as_array().unwrap().len(), 1, "{audit}");
}

#[actix_web::test]
async fn a_patch_changes_only_what_it_names_and_null_clears() {
    let app = TestApp::new();
    let (_, admin) = app.logged_in("admin").await;
    app.section("world-news", "World News", None);
    app.put_json("/api/v1/site", Some(&admin), full_settings())
        .await
        .json(200);
    let patched = app
        .patch_json(
            "/api/v1/site",
            Some(&admin),
            json!({"time_zone": "Europe/London", "publisher_name": null, "description": null}),
        )
        .await
        .json(200);
    assert_eq!(patched["time_zone"], "Europe/London");
    assert_eq!(
        patched["publisher_name"], "The Daily Dateline",
        "cleared: the site's name again"
    );
    assert_eq!(patched["description"], Value::Null);
    assert_eq!(patched["permalink"], "/{yyyy}/{mm}/{slug}", "unchanged");
    assert_eq!(patched["navigation"].as_array().unwrap().len(), 2, "unchanged");

    let refused = app
        .patch_json("/api/v1/site", Some(&admin), json!({"name": null}))
        .await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.text());
}

#[actix_web::test]
async fn every_field_at_fault_is_named_and_nothing_is_written() {
    let app = TestApp::new();
    let (_, admin) = app.logged_in("admin").await;
    let mut bad = full_settings();
    bad["time_zone"] = json!("Mars/Olympus_Mons");
    bad["language"] = json!("not a language");
    bad["permalink"] = json!("/{section}/{author}");
    bad["base_url"] = json!("ftp://news.example.com");
    bad["navigation"] = json!([
        {"label": "Nowhere", "section": "no-such-section"},
        {"label": "Both", "section": "world-news", "url": "https://example.com"},
        {"label": "Neither"}
    ]);
    let response = app.put_json("/api/v1/site", Some(&admin), bad).await;
    let mut fields = response.error_fields(422);
    fields.sort();
    assert_eq!(
        fields,
        [
            "base_url",
            "language",
            "navigation[0].section",
            "navigation[1]",
            "navigation[2]",
            "permalink",
            "time_zone"
        ]
    );
    assert_eq!(app.get("/api/v1/site").await.json(200)["name"], "Dateline");

    // Caught by the body's own rules before any of the above.
    let mut bad = full_settings();
    bad["social_links"][0]["url"] = json!("javascript:alert(1)");
    bad["name"] = json!("   ");
    let fields = app
        .put_json("/api/v1/site", Some(&admin), bad)
        .await
        .error_fields(422);
    assert!(fields.contains(&"social_links[0].url".to_owned()), "{fields:?}");
    assert!(fields.contains(&"name".to_owned()), "{fields:?}");

    let missing = app
        .put_json("/api/v1/site", Some(&admin), json!({"name": "Only a name"}))
        .await;
    assert_eq!(missing.status.as_u16(), 422, "{}", missing.text());
    let wrong_type = app
        .patch_json("/api/v1/site", Some(&admin), json!({"social_links": "facebook"}))
        .await;
    assert_eq!(wrong_type.status.as_u16(), 422, "{}", wrong_type.text());
    let unknown = app
        .patch_json("/api/v1/site", Some(&admin), json!({"logo": 3}))
        .await;
    assert!(unknown.status.is_client_error(), "{}", unknown.text());
}

#[actix_web::test]
async fn only_admins_change_the_settings() {
    let app = TestApp::new();
    for role in ["editor", "author"] {
        let (_, token) = app.logged_in(role).await;
        let response = app
            .patch_json("/api/v1/site", Some(&token), json!({"name": "Taken over"}))
            .await;
        response.problem(403);
    }
    app.patch_json("/api/v1/site", None, json!({"name": "Taken over"}))
        .await
        .problem(401);
    assert_eq!(app.get("/api/v1/site").await.json(200)["name"], "Dateline");
}

#[actix_web::test]
async fn a_stale_if_match_writes_nothing_and_shows_the_current_settings() {
    let app = TestApp::new();
    let (_, admin) = app.logged_in("admin").await;
    let etag = app.etag("/api/v1/site", &admin).await;
    app.patch_json("/api/v1/site", Some(&admin), json!({"name": "First"}))
        .await
        .json(200);
    let stale = app
        .send(
            TestRequest::patch()
                .uri("/api/v1/site")
                .insert_header(("Authorization", format!("Bearer {admin}")))
                .insert_header(("If-Match", etag.as_str()))
                .set_json(json!({"name": "Second"})),
        )
        .await;
    let problem = stale.problem(412);
    assert_eq!(problem["current"]["name"], "First");
    assert_eq!(app.get("/api/v1/site").await.json(200)["name"], "First");
}

#[actix_web::test]
async fn a_change_drops_the_cached_settings_and_nothing_else() {
    let app = TestApp::with_config(|c| c.response_cache_bytes = 8 * 1_048_576);
    app.article("unrelated").create();
    let (_, admin) = app.logged_in("admin").await;
    app.get("/api/v1/site").await.json(200);
    app.get("/api/v1/articles/unrelated").await.json(200);
    app.get("/api/v1/articles/unrelated/comments").await.json(200);
    let hits = cache_hits(&app.state);
    app.get("/api/v1/site").await.json(200);
    assert_eq!(cache_hits(&app.state), hits + 1, "the settings are cached");

    app.patch_json("/api/v1/site", Some(&admin), json!({"name": "Renamed"}))
        .await
        .json(200);
    let hits = cache_hits(&app.state);
    assert_eq!(app.get("/api/v1/site").await.json(200)["name"], "Renamed");
    assert_eq!(
        cache_hits(&app.state),
        hits,
        "the change dropped the cached settings"
    );
    app.get("/api/v1/articles/unrelated/comments").await.json(200);
    assert_eq!(
        cache_hits(&app.state),
        hits + 1,
        "an answer that does not embed them stays"
    );
    // An article embeds them (its URL, its structured data): dropped too.
    let article = app.get("/api/v1/articles/unrelated").await.json(200);
    assert_eq!(cache_hits(&app.state), hits + 1, "the article was read afresh");
    assert_eq!(article["structured_data"][0]["publisher"]["name"], "Renamed");
}

#[actix_web::test]
async fn the_seed_fills_the_settings_but_never_overwrites_an_admins() {
    use dateline::tools::seed::{SeedOptions, seed};
    let app = TestApp::new();
    let now = app.now();
    let options = || SeedOptions {
        articles: 3,
        seed: 7,
        batch_size: 3,
    };
    app.with_conn(|conn| seed(conn, options(), &Default::default(), now, |_| {}))
        .expect("seeded");
    let site = app.get("/api/v1/site").await.json(200);
    assert_eq!(site["name"], "The Dateline Daily");
    assert_eq!(site["time_zone"], "Asia/Karachi");
    assert_eq!(site["social_links"].as_array().unwrap().len(), 4);
    let navigation = site["navigation"].as_array().unwrap();
    assert!(navigation.len() >= 3, "{site}");
    assert!(
        navigation.iter().all(|entry| entry["section"].is_string()),
        "{site}"
    );

    let (_, admin) = app.logged_in("admin").await;
    app.patch_json("/api/v1/site", Some(&admin), json!({"name": "Ours"}))
        .await
        .json(200);
    app.with_conn(|conn| seed(conn, options(), &Default::default(), now, |_| {}))
        .expect("seeded again");
    assert_eq!(app.get("/api/v1/site").await.json(200)["name"], "Ours");
}
