//! Response headers: every header the server sends on a sampled answer is documented for that
//! operation and status, and cached reads document the conditional request headers.

use super::sample;

/// Headers that are not part of any one operation's contract: how the body is framed and coded
/// (the spec's media types say what it is), and the security and CORS headers every answer
/// carries (described once, in the spec's introduction; `Vary` names `Origin` on every answer
/// for CORS, and more on cached reads, where it is documented).
const NOT_PER_OPERATION: [&str; 10] = [
    "vary",
    "content-type",
    "content-length",
    "content-encoding",
    "date",
    "transfer-encoding",
    "x-content-type-options",
    "referrer-policy",
    "x-frame-options",
    "content-security-policy",
];

#[actix_web::test]
async fn every_header_a_sampled_answer_carries_is_documented_for_its_status() {
    let (app, token) = sample::seeded().await;
    let spec = app.get("/openapi.json").await.json(200);
    let mut undocumented = Vec::new();
    let mut checked = 0;
    for sampled in sample::answers(&app, &token).await {
        let (method, path) = sampled.operation.split_once(' ').unwrap();
        let status = sampled.response.status.as_u16();
        let documented =
            &spec["paths"][path][method.to_lowercase()]["responses"][status.to_string()]["headers"];
        let names: Vec<String> = documented
            .as_object()
            .map(|h| h.keys().map(|k| k.to_ascii_lowercase()).collect())
            .unwrap_or_default();
        for name in sampled.response.headers.keys() {
            let name = name.as_str().to_ascii_lowercase();
            if NOT_PER_OPERATION.contains(&name.as_str()) || name.starts_with("access-control-") {
                continue;
            }
            checked += 1;
            if !names.contains(&name) {
                undocumented.push(format!(
                    "{} {} ({status}): {name}",
                    sampled.operation, sampled.uri
                ));
            }
        }
    }
    assert!(checked >= 100, "only {checked} headers checked");
    assert!(
        undocumented.is_empty(),
        "headers sent but not documented:\n{}",
        undocumented.join("\n")
    );
}

#[actix_web::test]
async fn the_shared_headers_are_documented_where_they_apply() {
    let spec = serde_json::to_value(dateline::server::openapi_spec()).unwrap();
    let header = |path: &str, method: &str, status: &str, name: &str| {
        spec["paths"][path][method]["responses"][status]["headers"][name].is_object()
    };
    let parameter = |path: &str, method: &str, name: &str| {
        spec["paths"][path][method]["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["name"] == name && p["in"] == "header"))
    };
    for (path, method, statuses) in [
        ("/api/v1/articles", "get", ["200", "304"]),
        ("/api/v1/articles/{slug}", "get", ["200", "304"]),
        ("/api/v1/sections", "get", ["200", "304"]),
        ("/api/v1/search", "get", ["200", "304"]),
    ] {
        for status in statuses {
            for name in ["ETag", "Cache-Control", "Surrogate-Key", "X-Request-Id"] {
                assert!(
                    header(path, method, status, name),
                    "{method} {path} {status}: {name}"
                );
            }
        }
        assert!(parameter(path, method, "If-None-Match"), "{path}: If-None-Match");
        assert!(
            parameter(path, method, "If-Modified-Since"),
            "{path}: If-Modified-Since"
        );
        assert!(
            header(path, method, "503", "Retry-After"),
            "{path}: 503 Retry-After"
        );
    }
    assert!(header("/api/v1/articles", "get", "200", "Link"));
    assert!(header("/api/v1/auth/me", "get", "401", "WWW-Authenticate"));
    assert!(header(
        "/api/v1/articles/{slug}/comments",
        "post",
        "429",
        "Retry-After"
    ));
    assert!(header("/api/v1/auth/login", "post", "200", "X-Request-Id"));
    // Writes and authenticated reads are never answered from the cache: no conditional GET.
    assert!(!parameter("/api/v1/auth/me", "get", "If-None-Match"));
    assert!(!header("/api/v1/auth/me", "get", "200", "Surrogate-Key"));
}
