//! Requests are held to the documented schema: lengths counted in code points as JSON Schema
//! counts them, URLs to the stated pattern, and `/metrics` answering the 404 it documents.

use serde_json::json;

use crate::support::TestApp;

/// `n` characters that are each several bytes (and, for the emoji, two UTF-16 units).
fn wide(n: usize) -> String {
    ["é", "😀", "中", "👍🏽"]
        .iter()
        .flat_map(|s| s.chars())
        .cycle()
        .take(n)
        .collect()
}

#[actix_web::test]
async fn a_headline_is_measured_in_code_points_up_to_its_max_length() {
    let app = TestApp::new();
    app.section("world-news", "World News", None);
    let (_, token) = app.logged_in("editor").await;
    let spec = serde_json::to_value(dateline::server::openapi_spec()).unwrap();
    let max = spec["components"]["schemas"]["HeadlineText"]["maxLength"]
        .as_u64()
        .unwrap() as usize;
    let at_max = wide(max);
    assert!(at_max.len() > max * 2, "multi-byte");
    let created = app
        .post_json(
            "/api/v1/articles",
            Some(&token),
            json!({"headline": at_max, "section": "world-news"}),
        )
        .await
        .json(201);
    assert_eq!(created["headline"].as_str().unwrap().chars().count(), max);
    let over = app
        .post_json(
            "/api/v1/articles",
            Some(&token),
            json!({"headline": wide(max + 1), "section": "world-news"}),
        )
        .await
        .error_fields(422);
    assert_eq!(over, ["headline"]);
}

#[actix_web::test]
async fn a_comment_body_is_measured_in_code_points_up_to_its_max_length() {
    let app = TestApp::new();
    app.article("story").create();
    let spec = serde_json::to_value(dateline::server::openapi_spec()).unwrap();
    let max = spec["components"]["schemas"]["CommentInput"]["properties"]["body"]["maxLength"]
        .as_u64()
        .unwrap() as usize;
    let submitted = app
        .post_json(
            "/api/v1/articles/story/comments",
            None,
            json!({"author_name": "Amina", "body": wide(max)}),
        )
        .await
        .json(201);
    assert_eq!(submitted["body"].as_str().unwrap().chars().count(), max);
    let over = app
        .post_json(
            "/api/v1/articles/story/comments",
            None,
            json!({"author_name": "Amina", "body": wide(max + 1)}),
        )
        .await
        .error_fields(422);
    assert_eq!(over, ["body"]);
}

#[actix_web::test]
async fn a_url_field_takes_what_its_pattern_allows_and_refuses_what_it_forbids() {
    let app = TestApp::new();
    let (_, token) = app.logged_in("editor").await;
    let spec = serde_json::to_value(dateline::server::openapi_spec()).unwrap();
    let pattern = spec["components"]["schemas"]["SourceInput"]["properties"]["url"]["pattern"]
        .as_str()
        .unwrap();
    let pattern = regex::Regex::new(pattern).unwrap();
    for (i, (url, allowed)) in [
        ("https://wire.example.com/ünïcode/path?q=1#top", true),
        ("http://localhost:8080", true),
        ("ftp://wire.example.com", false),
        ("https://", false),
        ("https://wire.example.com/a b", false),
        ("https://wire.example.com/\u{feff}", false),
        ("wire.example.com", false),
    ]
    .into_iter()
    .enumerate()
    {
        assert_eq!(pattern.is_match(url), allowed, "the pattern on {url:?}");
        let answer = app
            .post_json(
                "/api/v1/sources",
                Some(&token),
                json!({"name": format!("Wire {i}"), "url": url}),
            )
            .await;
        if allowed {
            assert_eq!(answer.json(201)["url"], url);
        } else {
            assert_eq!(answer.error_fields(422), ["url"], "{url:?}");
        }
    }
}

#[actix_web::test]
async fn metrics_answer_the_documented_404_when_no_token_is_configured() {
    let app = TestApp::with_config(|c| c.metrics_token = None);
    let spec = serde_json::to_value(dateline::server::openapi_spec()).unwrap();
    assert!(spec["paths"]["/metrics"]["get"]["responses"]["404"].is_object());
    app.get("/metrics").await.problem(404);
}

/// The longest value the spec allows a query parameter, percent-encoded as a client may send
/// it: slug lists full of distinct 120-character slugs, strings at their length in four-byte
/// characters.
fn longest(parameter: &serde_json::Value, spec: &serde_json::Value) -> Option<String> {
    let schema = &parameter["schema"];
    let resolve = |s: &serde_json::Value| {
        s["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .map_or(s.clone(), |name| spec["components"]["schemas"][name].clone())
    };
    if schema["type"] == "array" {
        let items = resolve(&schema["items"]);
        let count = schema["maxItems"].as_u64()?;
        let length = items["maxLength"].as_u64().unwrap_or(20) as usize;
        let values: Vec<String> = (0..count)
            .map(|n| format!("{}{n:03}", "a".repeat(length - 3)))
            .collect();
        return Some(values.join("%2C"));
    }
    let length = schema["maxLength"].as_u64()? as usize;
    Some("%F0%9F%98%80".repeat(length))
}

#[actix_web::test]
async fn the_longest_request_the_spec_allows_fits_the_default_uri_limit() {
    let app = TestApp::new();
    let spec = serde_json::to_value(dateline::server::openapi_spec()).unwrap();
    for path in ["/api/v1/articles", "/api/v1/search"] {
        let query: Vec<String> = spec["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["in"] == "query")
            .filter_map(|p| Some(format!("{}={}", p["name"].as_str()?, longest(p, &spec)?)))
            .collect();
        let uri = format!("{path}?{}", query.join("&"));
        assert!(uri.len() > 20_000, "{path}: {} bytes", uri.len());
        let answer = app.get(&uri).await;
        assert_ne!(answer.status, 414, "{path}: {} bytes", uri.len());
    }
}
