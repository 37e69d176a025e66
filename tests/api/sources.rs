//! `GET /api/v1/sources` and `GET /api/v1/sources/{slug}`.

use serde_json::json;

use crate::support::{TestApp, slugs};

#[actix_web::test]
async fn sources_are_listed_alphabetically_and_paginated() {
    let app = TestApp::new();
    app.source("reuters", "Reuters", Some("https://www.reuters.com"));
    app.source("agencies", "Agencies", None);
    app.source("afp", "AFP", None);
    let all = app.get("/api/v1/sources").await.json(200);
    assert_eq!(slugs(&all), ["afp", "agencies", "reuters"]);
    let first = app.get("/api/v1/sources?per_page=1").await.json(200);
    assert_eq!(slugs(&first), ["afp"]);
    assert_eq!(first["meta"]["total"], 3);
}

#[actix_web::test]
async fn a_source_is_read_by_slug() {
    let app = TestApp::new();
    app.source("reuters", "Reuters", Some("https://www.reuters.com"));
    let source = app.get("/api/v1/sources/reuters").await.json(200);
    assert_eq!(
        source,
        json!({"slug": "reuters", "name": "Reuters", "url": "https://www.reuters.com",
            "seo_title": null, "meta_description": null,
            "page_url": "http://localhost:3000/source/reuters"})
    );
    app.get("/api/v1/sources/nobody").await.problem(404);
    assert_eq!(
        app.get("/api/v1/sources?page=x").await.error_fields(400),
        ["page"]
    );
}

#[actix_web::test]
async fn a_source_url_is_any_http_or_https_address_and_nothing_else() {
    let app = TestApp::new();
    let (_, token) = app.logged_in("editor").await;
    // The shortest address the spec's pattern allows is accepted as such.
    let created = app
        .post_json(
            "/api/v1/sources",
            Some(&token),
            json!({"name": "Zero", "url": "http://0"}),
        )
        .await
        .json(201);
    assert_eq!(created["url"], "http://0");
    for bad in [
        "http://",
        "ftp://example.com",
        "https://exa mple.com",
        "https://a\u{85}b",
    ] {
        let response = app
            .post_json(
                "/api/v1/sources",
                Some(&token),
                json!({"name": "Bad", "url": bad}),
            )
            .await;
        assert_eq!(response.error_fields(422), ["url"], "{bad:?} must be refused");
    }
}
