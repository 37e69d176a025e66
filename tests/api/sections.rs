//! `GET /api/v1/sections` and `GET /api/v1/sections/{slug}`.

use serde_json::json;

use crate::support::{TestApp, slugs};

fn tree(app: &TestApp) {
    app.section_at("world-news", "World News", None, 1);
    app.section_at("business", "Business", None, 2);
    app.section_at("europe", "Europe", Some("world-news"), 2);
    app.section_at("asia", "Asia", Some("world-news"), 1);
    app.section_at("south-asia", "South Asia", Some("asia"), 0);
    app.section_at("news", "News", None, 0);
}

#[actix_web::test]
async fn sections_are_listed_depth_first_in_position_order() {
    let app = TestApp::new();
    tree(&app);
    let list = app.get("/api/v1/sections").await.json(200);
    assert_eq!(
        slugs(&list),
        ["news", "world-news", "asia", "south-asia", "europe", "business"]
    );
    assert_eq!(list["data"][3]["parent"], "asia");
    assert_eq!(list["data"][3]["depth"], 2);
    assert_eq!(list["data"][0]["parent"], serde_json::Value::Null);
    assert_eq!(list["meta"]["total"], 6);
}

#[actix_web::test]
async fn the_section_tree_is_paginated() {
    let app = TestApp::new();
    tree(&app);
    let page = app.get("/api/v1/sections?per_page=4&page=2").await.json(200);
    assert_eq!(slugs(&page), ["europe", "business"]);
    assert_eq!(
        page["meta"],
        json!({"page": 2, "per_page": 4, "total": 6, "has_more": false})
    );
    assert_eq!(
        app.get("/api/v1/sections?per_page=0").await.error_fields(400),
        ["per_page"]
    );
}

#[actix_web::test]
async fn a_section_has_its_breadcrumb_and_children() {
    let app = TestApp::new();
    tree(&app);
    let asia = app.get("/api/v1/sections/asia").await.json(200);
    assert_eq!(asia["name"], "Asia");
    assert_eq!(
        asia["parent"],
        json!({"slug": "world-news", "name": "World News"})
    );
    assert_eq!(
        asia["breadcrumb"],
        json!([{"slug": "world-news", "name": "World News"}, {"slug": "asia", "name": "Asia"}])
    );
    assert_eq!(
        asia["children"],
        json!([{"slug": "south-asia", "name": "South Asia"}])
    );
    let world = app.get("/api/v1/sections/world-news").await.json(200);
    assert_eq!(slugs(&json!({"data": world["children"]})), ["asia", "europe"]);
    assert_eq!(world["parent"], serde_json::Value::Null);
}

#[actix_web::test]
async fn an_unknown_section_is_404() {
    let app = TestApp::new();
    app.get("/api/v1/sections/nowhere").await.problem(404);
}
