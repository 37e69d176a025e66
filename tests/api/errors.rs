//! Error answers: malformed parameters, unknown routes, and internal failures that must not leak.

use actix_web::http::Method;
use diesel::RunQueryDsl;

use crate::support::TestApp;

#[actix_web::test]
async fn malformed_or_out_of_range_parameters_are_400_naming_the_parameter() {
    let app = TestApp::new();
    let cases = [
        ("per_page=0", "per_page", "out_of_range"),
        ("per_page=1000", "per_page", "out_of_range"),
        ("per_page=ten", "per_page", "invalid_number"),
        ("page=-1", "page", "invalid_number"),
        ("page=0", "page", "out_of_range"),
        ("page=99999999999", "page", "invalid_number"),
        ("sort=bogus", "sort", "invalid_value"),
        ("q=", "q", "empty"),
        ("sectoin=world-news", "sectoin", "unknown_parameter"),
        ("page=1&page=2", "page", "duplicate_parameter"),
    ];
    for (query, field, code) in cases {
        let problem = app.get(&format!("/api/v1/articles?{query}")).await.problem(400);
        assert_eq!(problem["errors"][0]["field"], field, "{query}");
        assert_eq!(problem["errors"][0]["code"], code, "{query}");
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
}

#[actix_web::test]
async fn an_overlong_search_is_refused() {
    let app = TestApp::new();
    let long = "a".repeat(201);
    assert_eq!(
        app.get(&format!("/api/v1/articles?q={long}"))
            .await
            .error_fields(400),
        ["q"]
    );
}

#[actix_web::test]
async fn unknown_routes_are_404_problems() {
    let app = TestApp::new();
    for uri in [
        "/api/v1/nothing",
        "/api/v2/articles",
        "/",
        "/api/v1/articles/a/b/c",
    ] {
        app.get(uri).await.problem(404);
    }
    app.request(Method::DELETE, "/nothing-here").await.problem(404);
}

#[actix_web::test]
async fn internal_errors_never_leak_sql_or_driver_messages() {
    let app = TestApp::new();
    app.article("story").tags(&["a"]).create();
    app.with_conn(|conn| diesel::sql_query("DROP TABLE article_tags").execute(conn))
        .expect("drop a table the list needs");

    let response = app.get("/api/v1/articles").await;
    let problem = response.problem(500);
    assert_eq!(problem["detail"], "An internal error occurred.");
    let text = response.text().to_lowercase();
    for leak in [
        "article_tags",
        "select",
        "table",
        "sqlite",
        "postgres",
        "relation",
    ] {
        assert!(!text.contains(leak), "`{leak}` leaked: {text}");
    }
}

#[actix_web::test]
async fn undeclared_methods_on_known_paths_are_405_with_allow() {
    let app = TestApp::new();
    let cases = [
        (Method::POST, "/api/v1/tags/iran", "GET, PATCH, DELETE, OPTIONS"),
        (
            Method::PUT,
            "/api/v1/sections/world-news",
            "GET, PATCH, DELETE, OPTIONS",
        ),
        (Method::DELETE, "/api/v1/articles", "GET, POST, OPTIONS"),
        (Method::POST, "/healthz", "GET, OPTIONS"),
    ];
    for (method, uri, allow) in cases {
        let response = app.request(method.clone(), uri).await;
        response.problem(405);
        assert_eq!(response.header("allow").as_deref(), Some(allow), "{method} {uri}");
    }
    app.request(Method::POST, "/api/v1/no-such-thing")
        .await
        .problem(404);
}

#[actix_web::test]
async fn tracking_parameters_and_cache_busters_are_ignored_and_other_unknown_ones_refused() {
    let app = TestApp::new();
    app.article("tracked").create();
    let plain = app.get("/api/v1/articles?per_page=5").await.json(200);
    let tracked = app
        .get("/api/v1/articles?utm_source=newsletter&per_page=5&utm_medium=email&_=1733140000")
        .await
        .json(200);
    assert_eq!(tracked, plain);
    let article = app
        .get("/api/v1/articles/tracked?utm_campaign=launch&utm_content=x")
        .await
        .json(200);
    assert_eq!(article["slug"], "tracked");
    for unknown in ["utm=1", "__=1", "tracking_id=7", "fbclid=abc"] {
        let problem = app.get(&format!("/api/v1/articles?{unknown}")).await.problem(400);
        assert_eq!(problem["errors"][0]["code"], "unknown_parameter", "{unknown}");
    }
    // Ignored does not mean anything goes: a real parameter is still checked.
    app.get("/api/v1/articles?utm_source=x&per_page=0")
        .await
        .problem(400);
}
