//! The OpenAPI document: served, committed, and complete.

use crate::support::TestApp;

#[actix_web::test]
async fn the_committed_spec_matches_the_generated_one() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
        .expect("openapi/openapi.json is committed");
    let generated = dateline::openapi::spec_json();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date: run `cargo run -- openapi > openapi/openapi.json` and commit it"
    );
}

#[actix_web::test]
async fn the_spec_is_served_and_describes_the_public_routes() {
    let app = TestApp::new();
    let spec = app.get("/openapi.json").await.json(200);
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/v1/articles",
        "/api/v1/articles/{slug}",
        "/api/v1/articles/{slug}/related",
        "/api/v1/sections",
        "/api/v1/sections/{slug}",
        "/api/v1/tags",
        "/api/v1/tags/{slug}",
        "/api/v1/sources",
        "/api/v1/sources/{slug}",
        "/healthz",
        "/readyz",
    ] {
        assert!(spec["paths"][path]["get"].is_object(), "{path} is documented");
    }
    let list_params = spec["paths"]["/api/v1/articles"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let names: Vec<&str> = list_params.iter().map(|p| p["name"].as_str().unwrap()).collect();
    for name in [
        "section", "tag", "source", "author", "q", "sort", "page", "per_page",
    ] {
        assert!(names.contains(&name), "parameter {name} is documented");
    }
}
