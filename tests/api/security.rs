//! The security suite: hostile input, hidden content, secrets that never leave, and the
//! headers every response carries.

use std::collections::BTreeSet;

use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::support::{Response, TestApp};

/// Every public GET route, filled in for the fixtures of `hidden_things`.
const PUBLIC_ROUTES: &[&str] = &[
    "/api/v1/articles",
    "/api/v1/articles?per_page=100",
    "/api/v1/articles?section=world-news",
    "/api/v1/articles?tag=secret-tag",
    "/api/v1/articles?source=agencies",
    "/api/v1/articles?q=hidden",
    "/api/v1/articles/live",
    "/api/v1/articles/live/related",
    "/api/v1/articles/live/comments",
    "/api/v1/sections",
    "/api/v1/sections/world-news",
    "/api/v1/tags",
    "/api/v1/tags/secret-tag",
    "/api/v1/sources",
    "/api/v1/sources/agencies",
];

fn hidden_things(app: &TestApp) {
    let jane = app.user("jane.author@example.com", "Jane Author", "author");
    let live = app
        .article("live")
        .headline("Live story")
        .author(jane)
        .tags(&["secret-tag"])
        .sources(&["agencies"])
        .create();
    app.article("hidden-draft")
        .headline("hidden draft")
        .author(jane)
        .tags(&["secret-tag"])
        .sources(&["agencies"])
        .draft()
        .create();
    app.article("hidden-scheduled")
        .headline("hidden scheduled")
        .tags(&["secret-tag"])
        .published_hours_ago(-3)
        .create();
    app.article("hidden-archived")
        .headline("hidden archived")
        .tags(&["secret-tag"])
        .archived()
        .create();
    app.comment(live, "approved", "visible comment");
    app.comment(live, "pending", "hidden pending comment");
    app.comment(live, "spam", "hidden spam comment");
    app.with_conn(|conn| {
        use diesel::prelude::*;
        diesel::update(dateline::db::schema::comments::table)
            .set(dateline::db::schema::comments::client_hash.eq("c0ffeec0ffeec0ffeec0ffeec0ffee99"))
            .execute(conn)
            .unwrap();
    });
}

#[actix_web::test]
async fn nothing_unpublished_or_private_reaches_an_anonymous_reader_through_any_route() {
    let app = TestApp::new();
    hidden_things(&app);
    for route in PUBLIC_ROUTES {
        let response = app.get(route).await;
        assert_eq!(response.status, 200, "{route}: {}", response.text());
        let text = response.text();
        for secret in [
            "hidden",
            "jane.author@example.com",
            "reader@example.com",
            "c0ffeec0ffeec0ffeec0ffeec0ffee99",
            "$argon2",
            "password",
        ] {
            assert!(!text.contains(secret), "{route} leaks `{secret}`: {text}");
        }
    }
    let live = app.get("/api/v1/articles/live").await.json(200);
    assert_eq!(live["comment_count"], 1, "only approved comments count");
    for slug in ["hidden-draft", "hidden-scheduled"] {
        for suffix in ["", "/related", "/comments"] {
            app.get(&format!("/api/v1/articles/{slug}{suffix}"))
                .await
                .problem(404);
        }
    }
    assert_eq!(app.get("/api/v1/articles?status=draft").await.status, 401);
}

#[actix_web::test]
async fn sql_metacharacters_and_like_wildcards_give_200_or_400_or_404_never_500() {
    let app = TestApp::new();
    app.article("story").tags(&["iran"]).create();
    let hostile = [
        "'",
        "' OR '1'='1",
        "\"; DROP TABLE articles; --",
        "%",
        "_",
        "\\",
        "%25%27",
        "1=1--",
        "*/",
    ];
    for value in hostile {
        let encoded: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
        for uri in [
            format!("/api/v1/articles?q={encoded}"),
            format!("/api/v1/articles?section={encoded}"),
            format!("/api/v1/articles?tag={encoded}"),
            format!("/api/v1/articles?source={encoded}"),
            format!("/api/v1/articles?sort={encoded}"),
            format!("/api/v1/articles/{encoded}"),
            format!("/api/v1/articles/{encoded}/comments"),
            format!("/api/v1/sections/{encoded}"),
            format!("/api/v1/tags/{encoded}"),
            format!("/api/v1/sources/{encoded}"),
        ] {
            let response = app.get(&uri).await;
            assert!(
                matches!(response.status.as_u16(), 200 | 400 | 404),
                "{uri} -> {}",
                response.status
            );
            let text = response.text().to_lowercase();
            assert!(
                !text.contains("select") && !text.contains("syntax") && !text.contains("sqlite"),
                "{uri}: {text}"
            );
        }
    }
    assert_eq!(
        app.get("/api/v1/articles?total=true").await.json(200)["meta"]["total"],
        1,
        "nothing was dropped"
    );
}

#[actix_web::test]
async fn huge_negative_and_malformed_numbers_are_400_or_404() {
    let app = TestApp::new();
    let (_, admin) = app.logged_in("admin").await;
    app.article("story").create();
    let cases = [
        ("/api/v1/users/-1", 404),
        ("/api/v1/users/0", 404),
        ("/api/v1/users/99999999999999999999999", 400),
        ("/api/v1/users/1e3", 400),
        ("/api/v1/articles/story/revisions/-5", 404),
        ("/api/v1/articles/story/revisions/4294967296", 400),
        ("/api/v1/articles?page=99999999999999999999", 400),
        ("/api/v1/articles?per_page=-5", 400),
        ("/api/v1/articles/story/related?limit=99999999999", 400),
    ];
    for (uri, expected) in cases {
        let response = app.get_as(uri, &admin).await;
        assert_eq!(response.status.as_u16(), expected, "{uri}: {}", response.text());
        response.problem(expected);
    }
}

#[actix_web::test]
async fn invalid_utf8_in_paths_and_bodies_and_deep_or_duplicate_json_are_400() {
    let app = TestApp::new();
    let (_, editor) = app.logged_in("editor").await;
    app.get("/api/v1/articles/%FF%FE").await.problem(400);
    app.get("/api/v1/sections/abc%C0").await.problem(400);

    let raw = |body: Vec<u8>| {
        TestRequest::post()
            .uri("/api/v1/tags")
            .insert_header(("Authorization", format!("Bearer {editor}")))
            .insert_header(("Content-Type", "application/json"))
            .set_payload(body)
    };
    let mut invalid_utf8 = br#"{"name": ""#.to_vec();
    invalid_utf8.extend_from_slice(&[0xff, 0xfe]);
    invalid_utf8.extend_from_slice(br#""}"#);
    app.send(raw(invalid_utf8)).await.problem(400);
    let deep = format!("{{\"name\": {}1{}}}", "[".repeat(500), "]".repeat(500));
    app.send(raw(deep.into_bytes())).await.problem(400);
    let duplicate = app.send(raw(br#"{"name": "a", "name": "b"}"#.to_vec())).await;
    assert_eq!(duplicate.error_fields(400), ["name"]);
    assert_eq!(app.get("/api/v1/tags").await.json(200)["meta"]["total"], 0);
}

#[actix_web::test]
async fn every_response_carries_security_headers_and_the_docs_a_strict_csp() {
    let app = TestApp::new();
    for uri in [
        "/api/v1/articles",
        "/api/v1/nothing",
        "/healthz",
        "/openapi.json",
        "/docs/",
    ] {
        let response = app.get(uri).await;
        assert_eq!(
            response.header("x-content-type-options").as_deref(),
            Some("nosniff"),
            "{uri}"
        );
        assert_eq!(
            response.header("referrer-policy").as_deref(),
            Some("no-referrer"),
            "{uri}"
        );
        let csp = response.header("content-security-policy").unwrap_or_default();
        assert!(
            csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
            "{uri}: {csp}"
        );
        if uri.starts_with("/docs") {
            assert!(
                csp.contains("script-src 'self'") && !csp.contains("unsafe-eval"),
                "{csp}"
            );
        }
    }
}

#[actix_web::test]
async fn a_request_id_is_accepted_or_made_and_always_echoed() {
    let app = TestApp::new();
    let given = app
        .send(
            TestRequest::get()
                .uri("/healthz")
                .insert_header(("X-Request-Id", "edge-7f3a.42")),
        )
        .await;
    assert_eq!(given.header("x-request-id").as_deref(), Some("edge-7f3a.42"));
    let made = app.get("/api/v1/articles").await.header("x-request-id").unwrap();
    assert_eq!(made.len(), 32);
    assert!(made.bytes().all(|b| b.is_ascii_hexdigit()));
    let hostile = app
        .send(
            TestRequest::get()
                .uri("/healthz")
                .insert_header(("X-Request-Id", "a b\"<script>")),
        )
        .await;
    assert_ne!(hostile.header("x-request-id").as_deref(), Some("a b\"<script>"));
}

async fn metrics(app: &TestApp, token: Option<&str>) -> Response {
    app.call(Method::GET, "/metrics", token).await
}

#[actix_web::test]
async fn metrics_are_hidden_unless_configured_then_need_their_token() {
    let app = TestApp::new();
    metrics(&app, None).await.problem(404);
    let app = TestApp::with_config(|c| c.metrics_token = Some("metrics-token-0123456789".into()));
    metrics(&app, None).await.problem(401);
    metrics(&app, Some("wrong-token-0123456789ab")).await.problem(401);
    app.article("story").create();
    app.get("/api/v1/articles/story").await.json(200);
    app.get("/api/v1/articles/nothing").await.problem(404);
    let response = metrics(&app, Some("metrics-token-0123456789")).await;
    assert_eq!(response.status, 200);
    let text = response.text();
    assert!(
        text.contains(
            r#"dateline_http_requests_total{method="GET",route="/api/v1/articles/{slug}",status="200"} 1"#
        ),
        "{text}"
    );
    assert!(text.contains(r#"route="/api/v1/articles/{slug}",status="404"} 1"#));
    assert!(!text.contains("story"), "raw paths never become labels");
    for metric in [
        "dateline_http_request_duration_seconds_bucket",
        "dateline_db_pool_connections_in_use",
        "dateline_db_pool_connections_idle",
        "dateline_db_pool_waiting",
        "dateline_db_pool_max_size 4",
    ] {
        assert!(text.contains(metric), "{metric} missing");
    }
}

/// The request series of a `/metrics` text: each line's name and labels, without its value.
fn request_series(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|line| line.starts_with("dateline_http_request"))
        .filter_map(|line| line.rsplit_once(' ').map(|(series, _)| series.to_owned()))
        .collect()
}

#[actix_web::test]
async fn invented_methods_and_unmatched_paths_add_no_metric_series() {
    const TOKEN: &str = "metrics-token-0123456789";
    let app = TestApp::with_config(|c| c.metrics_token = Some(TOKEN.into()));
    let invented = |n: u32| Method::from_bytes(format!("FOO{n}").as_bytes()).expect("a method token");
    // One request of each kind, and /metrics itself, so their series exist before counting.
    app.request(invented(0), "/api/v1/articles").await;
    app.request(invented(0), "/no/such/path-0").await;
    app.get("/no/such/path-0").await.problem(404);
    metrics(&app, Some(TOKEN)).await;
    let before = request_series(&metrics(&app, Some(TOKEN)).await.text());

    for n in 1..=25 {
        app.request(invented(n), "/api/v1/articles").await;
        app.request(invented(n), &format!("/random-{n}/x")).await;
        app.get(&format!("/no/such/path-{n}")).await.problem(404);
    }
    let text = metrics(&app, Some(TOKEN)).await.text();
    assert_eq!(request_series(&text), before, "new series: {text}");
    assert!(!text.contains("FOO") && !text.contains("/no/such") && !text.contains("random"));
    assert!(text.contains(r#"method="OTHER",route="unmatched""#), "{text}");
}

#[actix_web::test]
async fn an_exhausted_pool_answers_503_with_retry_after_quickly_while_health_stays_up() {
    let app = TestApp::with_config(|c| {
        c.db_pool_size = 1;
        c.db_pool_timeout = std::time::Duration::from_millis(300);
    });
    let held = app.pool().get().expect("the only connection");
    let started = std::time::Instant::now();
    let response = app.get("/api/v1/articles").await;
    let waited = started.elapsed();
    response.problem(503);
    assert_eq!(response.header("retry-after").as_deref(), Some("1"));
    assert!(
        waited < std::time::Duration::from_secs(3),
        "answered within the pool timeout, not hung"
    );
    assert!(
        !response.text().contains("r2d2") && !response.text().contains("timed out"),
        "{}",
        response.text()
    );
    assert_eq!(
        app.get("/healthz").await.json(200)["status"],
        "ok",
        "liveness never touches the database"
    );
    app.get("/readyz").await.problem(503);
    drop(held);
    app.get("/readyz").await.json(200);
    app.get("/api/v1/articles").await.json(200);
}

#[actix_web::test]
async fn requests_waiting_in_line_for_a_busy_pool_get_503_within_the_pool_timeout() {
    let app = TestApp::with_config(|c| {
        c.db_pool_size = 1;
        c.db_pool_timeout = std::time::Duration::from_millis(300);
    });
    // A request's database work holds the only turn for two seconds.
    let busy = dateline::db::run(app.pool(), |_conn| {
        std::thread::sleep(std::time::Duration::from_secs(2));
        Ok(())
    });
    let waiting = async {
        let started = std::time::Instant::now();
        let response = app.get("/api/v1/articles").await;
        (response, started.elapsed())
    };
    let (held, (response, waited)) = futures_util::join!(busy, waiting);
    held.expect("the busy work completes");
    response.problem(503);
    assert_eq!(response.header("retry-after").as_deref(), Some("1"));
    assert!(
        waited < std::time::Duration::from_millis(1500),
        "gave up after the pool timeout, not when the turn came: {waited:?}"
    );
    app.get("/api/v1/articles").await.json(200);
}

#[actix_web::test]
async fn write_routes_refuse_anonymous_callers_everywhere() {
    let app = TestApp::new();
    let spec = app.get("/openapi.json").await.json(200);
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let protected = operation["security"]
                .as_array()
                .is_some_and(|s| !s.iter().any(|r| r.as_object().is_some_and(|o| o.is_empty())));
            if !protected || path == "/metrics" {
                continue;
            }
            let uri = path
                .replace("{slug}", "x")
                .replace("{id}", "1")
                .replace("{number}", "1")
                .replace("{from}", "1")
                .replace("{to}", "2");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = app
                .send(
                    TestRequest::default()
                        .method(method.clone())
                        .uri(&uri)
                        .set_json(Value::Null),
                )
                .await;
            assert_eq!(response.status, 401, "{method} {uri}");
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} protected operations found");
    let _ = json!(null);
}

#[actix_web::test]
async fn overlong_request_targets_and_headers_are_414_and_431() {
    let app = TestApp::with_config(|c| {
        c.max_uri_bytes = 1024;
        c.max_header_bytes = 2048;
    });
    let long = format!("/api/v1/articles?q={}", "a".repeat(1100));
    app.get(&long).await.problem(414);
    let big = app
        .send(
            TestRequest::get()
                .uri("/api/v1/articles")
                .insert_header(("X-Filler", "a".repeat(3000))),
        )
        .await;
    big.problem(431);
    app.get("/api/v1/articles").await.json(200);
}
