//! The test harness: [`TestApp`] (a fresh database and the app over it), fixture builders and
//! response helpers.

pub mod auth;
pub mod fixtures;
pub mod s3;
pub mod schema;
pub mod webhooks;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix_web::http::{Method, StatusCode, header::HeaderMap};
use actix_web::test::{self, TestRequest};
use chrono::{DateTime, TimeZone, Utc};
use dateline::api::AppState;
use dateline::clock::ManualClock;
use dateline::config::{Config, DatabaseUrl, MediaStorage};
use dateline::db::{self, ConnectionManager, DbConn, Pool, QueryCounter};
use diesel::Connection;
use diesel::RunQueryDsl;
use serde_json::Value;

/// The variable naming a PostgreSQL server to test against instead of SQLite.
pub const PG_URL_VAR: &str = "DATELINE_TEST_DATABASE_URL";

/// A fresh, migrated database that disappears with the value.
pub struct TestDb {
    pub url: DatabaseUrl,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub fn new() -> Self {
        match std::env::var(PG_URL_VAR).ok().filter(|v| !v.is_empty()) {
            Some(server) => Self::postgres(&server),
            None => Self::sqlite(),
        }
    }

    fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("test.db");
        Self {
            url: DatabaseUrl::Sqlite(path),
            _dir: Some(dir),
            pg: None,
        }
    }

    fn postgres(server: &str) -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "dateline_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            rand_suffix()
        );
        let mut admin =
            diesel::PgConnection::establish(server).expect("connect to the PostgreSQL test server");
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .expect("create the test database");
        Self {
            url: DatabaseUrl::Postgres(with_database(server, &name)),
            _dir: None,
            pg: Some((server.to_owned(), name)),
        }
    }

    pub fn backend(&self) -> &'static str {
        self.url.backend_name()
    }
}

/// `server` with its database replaced by `name`; the query (`?sslmode=require`) is kept.
fn with_database(server: &str, name: &str) -> String {
    let (location, query) = server.split_once('?').unwrap_or((server, ""));
    let (base, _) = location
        .rsplit_once('/')
        .expect("a PostgreSQL URL ends in /database");
    if query.is_empty() {
        format!("{base}/{name}")
    } else {
        format!("{base}/{name}?{query}")
    }
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now()) % 1_000_000
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((server, name)) = &self.pg
            && let Ok(mut admin) = diesel::PgConnection::establish(server)
        {
            let _ =
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin);
        }
    }
}

/// The application over a fresh database, with a clock the test controls.
pub struct TestApp {
    pub state: AppState,
    pub clock: ManualClock,
    pub queries: QueryCounter,
    numbers: AtomicU64,
    /// The media folder (local storage), removed with the app.
    pub media_dir: tempfile::TempDir,
    // Dropped last: the database outlives the pool that uses it.
    pub db: TestDb,
}

/// The instant tests start at, unless they move the clock.
pub fn test_epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

impl TestApp {
    pub fn new() -> Self {
        Self::with_config(|_| {})
    }

    /// A test app whose configuration `adjust` may change (page sizes, origins, ...).
    pub fn with_config(adjust: impl FnOnce(&mut Config)) -> Self {
        let db = TestDb::new();
        let media_dir = tempfile::tempdir().expect("media dir");
        let mut config = Config::with_database(db.url.clone());
        config.media.storage = MediaStorage::Local(media_dir.path().to_owned());
        config.media.public_url = "/media".to_owned();
        config.db_pool_size = 4;
        config.db_pool_timeout = Duration::from_secs(5);
        // Fixtures write straight to the database, past the API that invalidates the response
        // cache; the cache's own tests turn it on and write through the API.
        config.response_cache_bytes = 0;
        adjust(&mut config);
        let queries = QueryCounter::default();
        let manager = ConnectionManager::new(db.url.clone()).counting(queries.clone());
        let pool = db::build_pool_with(manager, config.db_pool_size, config.db_pool_timeout).expect("pool");
        db::migrate(&mut pool.get().expect("connection")).expect("migrations");
        let clock = ManualClock::new(test_epoch());
        let state = AppState::new(pool, config, Arc::new(clock.clone())).expect("state");
        Self {
            state,
            clock,
            queries,
            numbers: AtomicU64::new(1),
            media_dir,
            db,
        }
    }

    /// A number unique within this test app (for distinct e-mails and slugs).
    pub fn next_number(&self) -> u64 {
        self.numbers.fetch_add(1, Ordering::Relaxed)
    }

    pub fn pool(&self) -> &Pool {
        &self.state.pool
    }

    /// Runs `work` on a pooled connection, synchronously (for fixtures and checks).
    pub fn with_conn<T>(&self, work: impl FnOnce(&mut DbConn) -> T) -> T {
        let mut conn = self.pool().get().expect("connection");
        work(&mut conn)
    }

    pub fn now(&self) -> chrono::NaiveDateTime {
        self.state.now()
    }

    /// Sends a request through the whole application (middleware included).
    pub async fn send(&self, request: TestRequest) -> Response {
        let service = test::init_service(dateline::server::app(self.state.clone())).await;
        read_response(test::call_service(&service, request.to_request()).await).await
    }

    /// Renders every published article's stored documents and recomputes every changed related
    /// window now, as the background renderer would (tests have none running); answers how many
    /// documents were stored.
    pub fn render_documents(&self) -> usize {
        let fingerprint = self.state.documents.fingerprint().to_owned();
        let media = self.state.media.clone();
        let now = self.now();
        self.with_conn(|conn| dateline::documents::rebuild::all(conn, &media, &fingerprint, now))
            .expect("documents rendered")
    }

    pub async fn get(&self, uri: &str) -> Response {
        self.send(TestRequest::get().uri(uri)).await
    }

    pub async fn request(&self, method: Method, uri: &str) -> Response {
        self.send(TestRequest::default().method(method).uri(uri)).await
    }
}

/// `response`, read whole (for tests that build the app once and call it themselves).
pub async fn read_response<B: actix_web::body::MessageBody>(
    response: actix_web::dev::ServiceResponse<B>,
) -> Response {
    let status = response.status();
    let headers = response.headers().clone();
    let body = test::read_body(response).await.to_vec();
    Response {
        status,
        headers,
        body,
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap_or_default().to_owned())
    }

    /// The JSON body, after checking the status.
    #[track_caller]
    pub fn json(&self, expected: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            expected,
            "unexpected status; body: {}",
            self.text()
        );
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The problem document, after checking the status and the media type.
    #[track_caller]
    pub fn problem(&self, expected: u16) -> Value {
        let body = self.json(expected);
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/problem+json"),
            "errors are problem+json"
        );
        assert_eq!(body["status"], expected);
        assert!(body["title"].is_string() && body["detail"].is_string() && body["type"].is_string());
        body
    }

    /// The `field`s named in a problem's `errors`.
    #[track_caller]
    pub fn error_fields(&self, expected: u16) -> Vec<String> {
        self.problem(expected)["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The slugs of a list answer's `data`, in order.
/// A counter of `state`'s `/metrics` (the whole series, labels included), 0 before its first use.
pub fn counter(state: &AppState, series: &str) -> u64 {
    state
        .metrics
        .render(&state.pool)
        .lines()
        .find_map(|line| {
            line.strip_prefix(series)
                .and_then(|rest| rest.strip_prefix(' '))
                .map(|n| n.parse::<u64>().unwrap())
        })
        .unwrap_or(0)
}

/// How many public reads `state` answered from stored documents.
pub fn document_hits(state: &AppState) -> u64 {
    counter(state, r#"dateline_stored_documents_total{result="hit"}"#)
}

/// How many reads `state`'s response cache has answered.
pub fn cache_hits(state: &AppState) -> u64 {
    counter(state, r#"dateline_response_cache_total{result="hit"}"#)
}

pub fn slugs(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .expect("a list has data")
        .iter()
        .map(|item| item["slug"].as_str().expect("slug").to_owned())
        .collect()
}
