//! `dateline import`: the seed page fixture, idempotence, and refusals that name the field.

use dateline::content::import;
use serde_json::json;

use crate::support::TestApp;

const SEED_SLUG: &str = "pakistan-and-iran-announce-de-escalation-agreement-following-border-airstrikes";

fn seed_fixture() -> (String, serde_json::Value) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/seed-article.json"
    ))
    .expect("the seed fixture");
    let value = serde_json::from_str(&text).expect("fixture JSON");
    (text, value)
}

fn import_json(app: &TestApp, json: &str) -> Result<import::ImportReport, String> {
    let articles = import::parse(json).map_err(|e| e.to_string())?;
    let now = app.now();
    app.with_conn(|conn| import::import(conn, &app.state.media, &articles, now))
        .map_err(|e| e.to_string())
}

#[actix_web::test]
async fn the_seed_page_can_be_built_from_the_api_after_import() {
    let app = TestApp::new();
    let (text, fixture) = seed_fixture();
    let report = import_json(&app, &text).expect("the fixture imports as is");
    assert_eq!((report.created, report.updated), (1, 0));

    let article = app.get(&format!("/api/v1/articles/{SEED_SLUG}")).await.json(200);
    assert_eq!(article["headline"], fixture["headline"]);
    assert_eq!(article["alternative_headline"], fixture["alternative_headline"]);
    assert_eq!(
        article["section"]["breadcrumb"],
        json!([{"slug": "world-news", "name": "World News"}])
    );
    assert_eq!(
        article["sources"],
        json!([{"slug": "agencies", "name": "Agencies", "url": null}])
    );
    let tag_names: Vec<&str> = article["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        tag_names,
        [
            "Pakistan",
            "Iran",
            "Baluchistan",
            "Counter-terrorism",
            "Diplomacy"
        ]
    );
    assert_eq!(article["published_at"], "2024-07-14T00:00:00Z");
    assert_eq!(article["comments_enabled"], true);
    assert_eq!(article["comment_count"], 0);
    assert_eq!(
        article["byline"], "By Agencies",
        "the source's byline is the article's"
    );
    assert_eq!(article["authors"], json!([]), "agency copy credits no account");
    let words = fixture["body_paragraphs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().split_whitespace().count())
        .sum::<usize>();
    assert_eq!(article["word_count"], words);
    assert_eq!(article["reading_time_minutes"], words.div_ceil(230));

    let body = article["body"].as_str().unwrap();
    let paragraphs = fixture["body_paragraphs"].as_array().unwrap();
    assert_eq!(body.matches("<p>").count(), paragraphs.len());
    for paragraph in paragraphs {
        assert!(
            body.contains(paragraph.as_str().unwrap()),
            "missing paragraph: {paragraph}"
        );
    }

    // The page's other blocks come from the same API.
    let latest = app.get("/api/v1/articles?per_page=5").await.json(200);
    assert_eq!(latest["data"][0]["slug"], SEED_SLUG);
    app.get(&format!("/api/v1/articles/{SEED_SLUG}/related"))
        .await
        .json(200);
    app.get("/api/v1/sections/world-news").await.json(200);
    app.get("/api/v1/tags/counter-terrorism").await.json(200);
    app.get("/api/v1/sources/agencies").await.json(200);
}

#[actix_web::test]
async fn importing_twice_updates_instead_of_duplicating() {
    let app = TestApp::new();
    let (text, _) = seed_fixture();
    import_json(&app, &text).unwrap();
    let changed = text.replace("\"Diplomacy\"", "\"Mediation\"");
    let report = import_json(&app, &changed).unwrap();
    assert_eq!((report.created, report.updated), (0, 1));

    let list = app.get("/api/v1/articles?total=true").await.json(200);
    assert_eq!(list["meta"]["total"], 1);
    let article = app.get(&format!("/api/v1/articles/{SEED_SLUG}")).await.json(200);
    let last_tag = article["tags"].as_array().unwrap().last().unwrap()["slug"].clone();
    assert_eq!(last_tag, "mediation");
}

#[actix_web::test]
async fn import_accepts_arrays_and_html_bodies_and_sanitizes_them() {
    let app = TestApp::new();
    let json = json!({"articles": [{
        "slug": "html-story", "headline": "HTML story", "section": {"name": "Science"},
        "body": "<p onclick=\"steal()\">Text<script>alert(1)</script></p>",
        "tags": [{"name": "Space", "slug": "space"}], "sources": [{"name": "AFP", "url": "https://www.afp.com"}],
        "published_at": "2026-05-01T08:30:00Z"
    }]});
    import_json(&app, &json.to_string()).unwrap();
    let article = app.get("/api/v1/articles/html-story").await.json(200);
    assert_eq!(article["body"], "<p>Text</p>");
    assert_eq!(article["sources"][0]["url"], "https://www.afp.com");
    assert_eq!(article["published_at"], "2026-05-01T08:30:00Z");
}

#[actix_web::test]
async fn bad_import_records_are_refused_naming_the_record_and_field_and_nothing_is_written() {
    let app = TestApp::new();
    let cases = [
        (
            json!([{"headline": "ok", "section": {"name": "A"}}, {"section": {"name": "A"}}]),
            "articles[1]",
        ),
        (
            json!([{"headline": "x", "section": {"name": "A"}, "tagz": []}]),
            "tagz",
        ),
        (json!([{"headline": "  ", "section": {"name": "A"}}]), "headline"),
        (
            json!([{"headline": "x", "slug": "Bad Slug", "section": {"name": "A"}}]),
            "slug",
        ),
        (
            json!([{"headline": "x", "slug": "2024", "section": {"name": "A"}}]),
            "slug",
        ),
        (
            json!([{"headline": "x", "section": {"name": "A"}, "status": "live"}]),
            "status",
        ),
        (
            json!([{"headline": "x", "section": {"name": "A"}, "published_at": "yesterday"}]),
            "published_at",
        ),
        (
            json!([{"headline": "x", "section": {"name": "A"}}, {"headline": "x", "section": {"name": "B"}}]),
            "twice",
        ),
    ];
    for (json, expected) in cases {
        let err = import_json(&app, &json.to_string()).expect_err("refused");
        assert!(err.contains(expected), "`{err}` should mention `{expected}`");
    }
    assert_eq!(
        app.get("/api/v1/articles?total=true").await.json(200)["meta"]["total"],
        0
    );
    assert_eq!(app.get("/api/v1/sections").await.json(200)["meta"]["total"], 0);
}

#[actix_web::test]
async fn an_import_goes_through_the_save_path_audited_as_the_operators_change() {
    let app = TestApp::new();
    let (text, _) = seed_fixture();
    import_json(&app, &text).expect("created");
    import_json(&app, &text).expect("replaced");
    let (_, admin) = app.logged_in("admin").await;
    let log = app
        .get_as("/api/v1/audit?resource=article", &admin)
        .await
        .json(200);
    let actions: Vec<&str> = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.len(), 2, "{log}");
    assert!(actions.contains(&"article.create") && actions.contains(&"article.replace"));
    for entry in log["data"].as_array().unwrap() {
        assert_eq!(entry["user_id"], serde_json::Value::Null, "no user: the operator");
        assert!(entry["details"].as_str().unwrap().starts_with(SEED_SLUG));
    }
    // Each import is a revision too, as an editor's save is.
    let revisions = app
        .get_as(&format!("/api/v1/articles/{SEED_SLUG}/revisions"), &admin)
        .await
        .json(200);
    assert_eq!(revisions["data"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn an_import_cannot_take_a_slug_that_still_redirects_to_another_article() {
    let app = TestApp::new();
    app.section("world-news", "World News", None);
    let (_, editor) = app.logged_in("editor").await;
    let mut body = crate::support::auth::article_body("First");
    body["slug"] = json!("first");
    body["status"] = json!("published");
    app.post_json("/api/v1/articles", Some(&editor), body)
        .await
        .json(201);
    app.write_current(
        actix_web::http::Method::PATCH,
        "/api/v1/articles/first",
        &editor,
        Some(json!({"slug": "renamed"})),
    )
    .await
    .json(200);
    let file = json!({"slug": "first", "headline": "Another", "section": {"name": "World News"}});
    let err = import_json(&app, &file.to_string()).expect_err("the old slug redirects");
    assert!(err.contains("articles[0]") && err.contains("slug"), "{err}");
    // Nothing of the refused file was written, and the old slug still redirects.
    assert_eq!(app.get("/api/v1/articles/first").await.status.as_u16(), 301);
}

#[actix_web::test]
async fn a_date_without_a_time_is_midnight_in_the_sites_time_zone() {
    let app = TestApp::new();
    let article = |slug: &str, extra: serde_json::Value| {
        let mut a = json!({"headline": slug, "slug": slug, "section": {"name": "World News"}});
        a.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        a
    };
    // The default time zone is UTC.
    import_json(
        &app,
        &json!([article("in-utc", json!({"page_date": "2025-11-12"}))]).to_string(),
    )
    .expect("imports");
    let (_, admin) = app.logged_in("admin").await;
    app.patch_json("/api/v1/site", Some(&admin), json!({"time_zone": "Asia/Karachi"}))
        .await
        .json(200);
    import_json(
        &app,
        &json!([
            article("page-date", json!({"page_date": "2025-11-12"})),
            article("date-only", json!({"published_at": "2025-11-12"})),
            article("instant", json!({"published_at": "2025-11-12T08:30:00+05:00"})),
        ])
        .to_string(),
    )
    .expect("imports");
    let published = |slug: &'static str| {
        let app = &app;
        async move {
            app.get(&format!("/api/v1/articles/{slug}")).await.json(200)["published_at"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    assert_eq!(published("in-utc").await, "2025-11-12T00:00:00Z");
    // Karachi is UTC+5: its midnight is 19:00 UTC the day before.
    assert_eq!(published("page-date").await, "2025-11-11T19:00:00Z");
    assert_eq!(published("date-only").await, "2025-11-11T19:00:00Z");
    assert_eq!(
        published("instant").await,
        "2025-11-12T03:30:00Z",
        "an instant stays that instant"
    );

    let refused = import_json(
        &app,
        &json!([article("bad-date", json!({"published_at": "12/11/2025"}))]).to_string(),
    );
    assert!(refused.is_err(), "{refused:?}");
}
