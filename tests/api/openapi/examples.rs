//! `servers`, and the response examples recorded from real answers (`openapi/examples.json`):
//! each lands on its operation and validates against its own schema.

use serde_json::Value;

use crate::support::schema;

#[actix_web::test]
async fn the_spec_names_its_server_relative_to_the_host() {
    let spec = serde_json::to_value(dateline::server::openapi_spec()).unwrap();
    assert_eq!(spec["servers"][0]["url"], "/");
}

#[actix_web::test]
async fn every_example_lands_on_its_operation_and_validates_against_its_schema() {
    let spec = serde_json::to_value(dateline::server::openapi_spec()).unwrap();
    let recorded: serde_json::Map<String, Value> = serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/openapi/examples.json"
    )))
    .unwrap();
    let mut cases = Vec::new();
    for (operation, by_status) in &recorded {
        for (status, example) in by_status.as_object().unwrap() {
            let (method, path) = operation.split_once(' ').unwrap();
            let content = spec["paths"][path][method.to_lowercase()]["responses"][status]["content"]
                .as_object()
                .and_then(|c| c.values().next())
                .unwrap_or_else(|| panic!("{operation} {status}: no such response"));
            assert_eq!(&content["example"], example, "{operation} {status}: merged");
            cases.push((
                format!("{operation} {status}"),
                content["schema"].clone(),
                example.clone(),
            ));
        }
    }
    for operation in [
        "GET /api/v1/articles",
        "GET /api/v1/articles/{slug}",
        "GET /api/v1/search",
        "GET /api/v1/sections",
        "GET /api/v1/tags",
        "GET /api/v1/articles/{slug}/comments",
        "POST /api/v1/articles/{slug}/comments",
        "POST /api/v1/auth/login",
    ] {
        assert!(recorded.contains_key(operation), "{operation} has an example");
    }
    let problems: Vec<&str> = recorded
        .values()
        .flat_map(|by_status| by_status.as_object().unwrap().keys())
        .map(String::as_str)
        .collect();
    for status in ["400", "401", "404", "422"] {
        assert!(problems.contains(&status), "a {status} problem has an example");
    }
    let Some(violations) = schema::violations(&spec, cases) else {
        return;
    };
    assert!(
        violations.is_empty(),
        "examples that break their schema:\n{}",
        violations.join("\n")
    );
}

/// Records `openapi/examples.json` from real answers of a server holding the seed page fixture
/// (the test clock makes times and ids the same on every run):
/// `cargo test --test api record_examples -- --ignored`, then regenerate the spec.
#[actix_web::test]
#[ignore = "writes openapi/examples.json; run by hand when the answers change"]
async fn record_examples() {
    use crate::support::auth::PASSWORD;
    let (app, _) = super::sample::seeded().await;
    app.account("editor@example.com", "editor");
    let article = format!("/api/v1/articles/{}", super::sample::SEED_SLUG);
    let comment = serde_json::json!({"author_name": "Amina", "body": "Good to see diplomacy win."});
    let asks: Vec<(&str, &str, String, Option<Value>)> = vec![
        (
            "GET /api/v1/articles",
            "200",
            "/api/v1/articles?per_page=2".to_owned(),
            None,
        ),
        (
            "GET /api/v1/articles",
            "400",
            "/api/v1/articles?per_page=0".to_owned(),
            None,
        ),
        ("GET /api/v1/articles/{slug}", "200", article.clone(), None),
        (
            "GET /api/v1/articles/{slug}",
            "404",
            "/api/v1/articles/no-such-story".to_owned(),
            None,
        ),
        (
            "GET /api/v1/search",
            "200",
            "/api/v1/search?q=iran&per_page=2".to_owned(),
            None,
        ),
        ("GET /api/v1/sections", "200", "/api/v1/sections".to_owned(), None),
        (
            "GET /api/v1/tags",
            "200",
            "/api/v1/tags?per_page=3".to_owned(),
            None,
        ),
        (
            "GET /api/v1/articles/{slug}/comments",
            "200",
            format!("{article}/comments"),
            None,
        ),
        (
            "POST /api/v1/articles/{slug}/comments",
            "201",
            format!("{article}/comments"),
            Some(comment),
        ),
        (
            "POST /api/v1/articles/{slug}/comments",
            "422",
            format!("{article}/comments"),
            Some(serde_json::json!({"author_name": "", "body": ""})),
        ),
        (
            "POST /api/v1/auth/login",
            "200",
            "/api/v1/auth/login".to_owned(),
            Some(serde_json::json!({"email": "editor@example.com", "password": PASSWORD})),
        ),
        (
            "POST /api/v1/auth/login",
            "401",
            "/api/v1/auth/login".to_owned(),
            Some(serde_json::json!({"email": "editor@example.com", "password": "not the password"})),
        ),
    ];
    let mut recorded = serde_json::Map::new();
    for (operation, status, uri, body) in asks {
        let response = match body {
            Some(body) => app.post_json(&uri, None, body).await,
            None => app.get(&uri).await,
        };
        let value = response.json(status.parse().unwrap());
        recorded
            .entry(operation.to_owned())
            .or_insert_with(|| Value::Object(Default::default()))
            .as_object_mut()
            .unwrap()
            .insert(status.to_owned(), value);
    }
    let mut text = serde_json::to_string_pretty(&recorded).unwrap();
    text.push('\n');
    std::fs::write(
        concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/examples.json"),
        text,
    )
    .unwrap();
}
