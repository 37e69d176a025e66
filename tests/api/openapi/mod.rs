//! The OpenAPI document: served, committed, and complete.

mod codes;
mod examples;
mod headers;
mod members;
mod requests;
mod sample;

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
    let served = app.get("/openapi.json").await;
    assert_eq!(served.header("content-type").as_deref(), Some("application/json"));
    let spec = served.json(200);
    let generated: serde_json::Value = serde_json::from_str(&dateline::openapi::spec_json()).unwrap();
    assert_eq!(spec, generated, "the served document is the generated one");
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

/// `src` and `href` attribute values in an HTML page.
fn references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(start) = rest.find(attribute) {
            rest = &rest[start + attribute.len()..];
            if let Some(end) = rest.find('"') {
                found.push(rest[..end].to_owned());
                rest = &rest[end..];
            }
        }
    }
    found
}

#[actix_web::test]
async fn the_docs_page_and_every_asset_it_references_come_from_the_service_itself() {
    let app = TestApp::new();
    let redirect = app.get("/docs").await;
    assert_eq!(redirect.status, 308);
    assert_eq!(redirect.header("location").as_deref(), Some("/docs/"));
    let page = app.get("/docs/").await;
    assert_eq!(page.status, 200);
    let html = page.text();
    let assets = references(&html);
    assert!(
        assets.len() >= 3,
        "the page references its scripts and styles: {assets:?}"
    );
    for asset in &assets {
        assert!(
            !asset.contains("://") && !asset.starts_with("//"),
            "{asset} is not same-origin"
        );
        let url = if asset.starts_with('/') {
            asset.clone()
        } else {
            format!("/docs/{}", asset.trim_start_matches("./"))
        };
        let response = app.get(&url).await;
        assert_eq!(response.status, 200, "{url}");
        assert!(!response.body.is_empty(), "{url}");
    }
    // The initializer points the UI at this service's own spec.
    let initializer = app.get("/docs/swagger-initializer.js").await.text();
    assert!(initializer.contains("/openapi.json"));
    assert!(!initializer.contains("https://"), "no remote spec or CDN");
}

#[actix_web::test]
async fn every_route_in_the_source_is_documented() {
    // A handler needs `#[utoipa::path]` right above its route attribute; utoipa-actix-web then
    // refuses to mount it otherwise, and this test refuses a route attribute on its own.
    let mut undocumented = Vec::new();
    let mut documented = 0;
    let mut stack = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                // Each `term_routes!` invocation mounts the five documented taxonomy routes of
                // its kind; the macro's own route attributes (with `$` parameters) are counted there.
                if line.trim_start().starts_with("term_routes! {") {
                    documented += 5;
                    continue;
                }
                let is_route = ["#[get(", "#[post(", "#[put(", "#[patch(", "#[delete("]
                    .iter()
                    .any(|attr| line.trim_start().starts_with(attr) && !line.contains("($"));
                if !is_route {
                    continue;
                }
                let above = lines[..i]
                    .iter()
                    .rev()
                    .take_while(|l| !l.trim().is_empty() && !l.starts_with("}"));
                if above
                    .clone()
                    .any(|l| l.trim_start().starts_with("#[utoipa::path("))
                {
                    documented += 1;
                } else {
                    undocumented.push(format!("{}:{}", path.display(), i + 1));
                }
            }
        }
    }
    assert!(
        undocumented.is_empty(),
        "routes without #[utoipa::path]: {undocumented:?}"
    );
    let spec = dateline::server::openapi_spec();
    let operations: usize = spec
        .paths
        .paths
        .values()
        .map(|item| {
            [
                item.get.is_some(),
                item.post.is_some(),
                item.put.is_some(),
                item.patch.is_some(),
                item.delete.is_some(),
            ]
            .iter()
            .filter(|present| **present)
            .count()
        })
        .sum();
    assert_eq!(
        operations, documented,
        "every documented handler is mounted, and only those"
    );
}

#[actix_web::test]
async fn every_numeric_path_parameter_documents_the_400_of_an_out_of_range_number() {
    // The router answers 400 before the handler for `/webhooks/9223372036854775808`; a client
    // (or schemathesis) must find that status in the spec of every such operation.
    let spec = serde_json::to_value(dateline::server::openapi_spec()).unwrap();
    let mut missing = Vec::new();
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let numeric = operation["parameters"].as_array().is_some_and(|parameters| {
                parameters
                    .iter()
                    .any(|p| p["in"] == "path" && p["schema"]["type"] == "integer")
            });
            if !numeric {
                continue;
            }
            checked += 1;
            if operation["responses"].get("400").is_none() {
                missing.push(format!("{method} {path}"));
            }
        }
    }
    assert!(checked >= 10, "only {checked} operations take a numeric id");
    assert!(missing.is_empty(), "no 400 documented: {missing:?}");
}

/// Every `$ref` in the spec names a schema the document defines: a parameter typed by a schema
/// that no body uses is not collected by utoipa, and generators (openapi-typescript) stop at it.
#[actix_web::test]
async fn every_reference_in_the_spec_resolves() {
    fn walk(value: &serde_json::Value, at: &str, spec: &serde_json::Value, dangling: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(members) => {
                if let Some(target) = members.get("$ref").and_then(|r| r.as_str()) {
                    let pointer = target.trim_start_matches('#');
                    if spec.pointer(pointer).is_none() {
                        dangling.push(format!("{at}: {target}"));
                    }
                }
                for (name, member) in members {
                    walk(member, &format!("{at}/{name}"), spec, dangling);
                }
            }
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, &format!("{at}/{i}"), spec, dangling);
                }
            }
            _ => {}
        }
    }
    let spec = serde_json::to_value(dateline::server::openapi_spec()).expect("the spec serializes");
    let mut dangling = Vec::new();
    walk(&spec, "", &spec, &mut dangling);
    assert!(dangling.is_empty(), "references to nothing: {dangling:?}");
}
