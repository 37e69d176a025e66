//! `GET /api/v1/tags` and `GET /api/v1/tags/{slug}`.

use serde_json::json;

use crate::support::{TestApp, slugs};

#[actix_web::test]
async fn tags_are_listed_alphabetically_and_paginated() {
    let app = TestApp::new();
    app.tag("pakistan", "Pakistan");
    app.tag("iran", "Iran");
    app.tag("diplomacy", "Diplomacy");
    let all = app.get("/api/v1/tags").await.json(200);
    assert_eq!(slugs(&all), ["diplomacy", "iran", "pakistan"]);
    let second = app.get("/api/v1/tags?per_page=2&page=2").await.json(200);
    assert_eq!(slugs(&second), ["pakistan"]);
    assert_eq!(
        second["meta"],
        json!({"page": 2, "per_page": 2, "total": 3, "has_more": false})
    );
}

#[actix_web::test]
async fn a_tag_is_read_by_slug() {
    let app = TestApp::new();
    app.tag("iran", "Iran");
    let tag = app.get("/api/v1/tags/iran").await.json(200);
    assert_eq!(
        tag,
        json!({"slug": "iran", "name": "Iran", "description": null, "seo_title": null,
            "meta_description": null, "url": "http://localhost:3000/tag/iran"})
    );
    app.get("/api/v1/tags/none").await.problem(404);
}

#[actix_web::test]
async fn tag_lists_reject_bad_paging() {
    let app = TestApp::new();
    assert_eq!(app.get("/api/v1/tags?page=0").await.error_fields(400), ["page"]);
    assert_eq!(
        app.get("/api/v1/tags?per_page=101").await.error_fields(400),
        ["per_page"]
    );
    assert_eq!(
        app.get("/api/v1/tags?sort=name").await.error_fields(400),
        ["sort"]
    );
}
