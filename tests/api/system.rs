//! Health, readiness, security headers and CORS.

use actix_web::http::Method;
use actix_web::test::TestRequest;

use crate::support::TestApp;

#[actix_web::test]
async fn health_and_readiness_answer() {
    let app = TestApp::new();
    assert_eq!(app.get("/healthz").await.json(200)["status"], "ok");
    assert_eq!(app.get("/readyz").await.json(200)["status"], "ok");
}

#[actix_web::test]
async fn every_response_carries_security_headers() {
    let app = TestApp::new();
    for uri in ["/api/v1/articles", "/api/v1/nothing", "/healthz"] {
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
    }
}

#[actix_web::test]
async fn cors_allows_only_configured_origins() {
    let app = TestApp::with_config(|c| c.cors_origins = vec!["https://www.example.com".into()]);
    let allowed = app
        .send(
            TestRequest::get()
                .uri("/api/v1/articles")
                .insert_header(("Origin", "https://www.example.com")),
        )
        .await;
    assert_eq!(allowed.status, 200);
    assert_eq!(
        allowed.header("access-control-allow-origin").as_deref(),
        Some("https://www.example.com")
    );
    let other = app
        .send(
            TestRequest::get()
                .uri("/api/v1/articles")
                .insert_header(("Origin", "https://evil.example")),
        )
        .await;
    assert!(other.header("access-control-allow-origin").is_none());

    let preflight = app
        .send(
            TestRequest::default()
                .method(Method::OPTIONS)
                .uri("/api/v1/articles")
                .insert_header(("Origin", "https://www.example.com"))
                .insert_header(("Access-Control-Request-Method", "GET")),
        )
        .await;
    assert_eq!(preflight.status, 200);
    assert_eq!(
        preflight.header("access-control-allow-origin").as_deref(),
        Some("https://www.example.com")
    );
}

#[actix_web::test]
async fn without_configured_origins_no_cross_origin_access_is_granted() {
    let app = TestApp::new();
    let response = app
        .send(
            TestRequest::get()
                .uri("/api/v1/articles")
                .insert_header(("Origin", "https://www.example.com")),
        )
        .await;
    assert!(response.header("access-control-allow-origin").is_none());
}

#[actix_web::test]
async fn the_harness_runs_on_the_requested_backend() {
    let app = TestApp::new();
    let expected = if std::env::var(crate::support::PG_URL_VAR).is_ok_and(|v| !v.is_empty()) {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(app.db.backend(), expected);
    let is_postgres = app.with_conn(|conn| dateline::db::is_postgres(conn));
    assert_eq!(is_postgres, expected == "postgres");
}

/// One compile-time option of the bundled SQLite, as `PRAGMA compile_options` lists it.
#[derive(diesel::QueryableByName)]
struct CompileOption {
    #[diesel(sql_type = diesel::sql_types::Text)]
    compile_options: String,
}

/// The bundled SQLite carries the options `.cargo/config.toml` gives its build (the profiles
/// that asked for them are in `bench/RESULTS.md`): plans that ignore bound values and no
/// allocation statistics. A build that lost them would still pass every other test, only slower.
/// (PostgreSQL has nothing to check here.)
#[actix_web::test]
async fn the_bundled_sqlite_is_built_with_the_options_reads_rely_on() {
    let app = TestApp::new();
    let options = app.with_conn(|conn| match conn {
        dateline::db::DbConn::Sqlite(c) => Some(
            diesel::RunQueryDsl::load::<CompileOption>(diesel::sql_query("PRAGMA compile_options"), c)
                .expect("compile options")
                .into_iter()
                .map(|o| o.compile_options)
                .collect::<Vec<_>>(),
        ),
        dateline::db::DbConn::Postgresql(_) => None,
    });
    let Some(options) = options else { return };
    for wanted in ["ENABLE_QPSG", "DEFAULT_MEMSTATUS=0"] {
        assert!(
            options.iter().any(|o| o == wanted),
            "{wanted} missing from {options:?}"
        );
    }
}
