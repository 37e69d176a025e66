//! The `dateline` binary itself: configuration errors, migrations, import, seed, openapi, serve.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::TestDb;

fn dateline(db: &TestDb, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dateline"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", db.url.to_url())
        .env("DATELINE_LOG", "warn")
        // Keep a developer's .env out of the test.
        .current_dir(std::env::temp_dir());
    command
}

fn run(command: &mut Command) -> Output {
    command.output().expect("run dateline")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn an_invalid_variable_stops_the_process_naming_it() {
    let db = TestDb::new();
    for (var, value, shown) in [
        ("DATELINE_MAX_PAGE_SIZE", "lots", "lots"),
        ("DATELINE_BIND", "localhost", "localhost"),
        ("DATELINE_LOG_FORMAT", "xml", "xml"),
        // A URL shows its scheme only: it may carry a password.
        ("DATABASE_URL", "mysql://db/x", "mysql://"),
    ] {
        let output = run(dateline(&db, &["migrate"]).env(var, value));
        assert!(!output.status.success(), "{var}={value} must stop the process");
        let message = stderr(&output);
        assert!(
            message.contains(var) && message.contains(shown),
            "{var}: {message}"
        );
    }
}

#[test]
fn a_bad_database_url_is_reported_without_its_password() {
    let db = TestDb::new();
    let output = run(dateline(&db, &["migrate"]).env(
        "DATABASE_URL",
        "mysql://newsroom:hunter2-s3cret@db.internal.example:3306/news",
    ));
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("DATABASE_URL") && message.contains("mysql://"),
        "{message}"
    );
    for secret in ["hunter2-s3cret", "newsroom", "db.internal.example"] {
        assert!(!message.contains(secret), "`{secret}` echoed: {message}");
    }
}

#[test]
fn a_missing_database_folder_is_created_and_an_impossible_one_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::new();
    let nested = dir.path().join("a/b/dateline.db");
    let output =
        run(dateline(&db, &["migrate"]).env("DATABASE_URL", format!("sqlite://{}", nested.display())));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(nested.exists());
    assert!(stdout(&output).contains("migration"));

    let file = dir.path().join("a-file");
    std::fs::write(&file, b"").unwrap();
    let impossible = file.join("sub/dateline.db");
    let output =
        run(dateline(&db, &["migrate"]).env("DATABASE_URL", format!("sqlite://{}", impossible.display())));
    assert!(!output.status.success());
    assert!(stderr(&output).contains("database folder"), "{}", stderr(&output));
}

#[test]
fn import_is_idempotent_from_the_command_line() {
    let db = TestDb::new();
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/seed-article.json");
    let first = run(&mut dateline(&db, &["import", fixture]));
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stdout(&first).contains("1 created, 0 updated"),
        "{}",
        stdout(&first)
    );
    let second = run(&mut dateline(&db, &["import", fixture]));
    assert!(
        stdout(&second).contains("0 created, 1 updated"),
        "{}",
        stdout(&second)
    );

    let missing = run(&mut dateline(&db, &["import", "/no/such/file.json"]));
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("cannot read"));
}

#[test]
fn seed_generates_the_requested_articles() {
    let db = TestDb::new();
    let output = run(&mut dateline(
        &db,
        &["seed", "--articles", "120", "--batch-size", "50"],
    ));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("seeded 120 articles"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn openapi_prints_the_committed_spec() {
    let db = TestDb::new();
    let output = run(&mut dateline(&db, &["openapi"]));
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json")).unwrap();
    assert!(
        stdout(&output) == committed,
        "`dateline openapi` differs from openapi/openapi.json"
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn http_get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

#[test]
fn serve_answers_and_stops_cleanly_on_sigterm() {
    let db = TestDb::new();
    let port = free_port();
    let mut child = dateline(&db, &[])
        .env("DATELINE_BIND", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let response = loop {
        if let Some(response) = http_get(port, "/api/v1/articles") {
            break response;
        }
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains(r#"{"data":[],"meta":{"page":1,"per_page":20,"has_more":false}}"#));

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not stop");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "exit status {status}");
}

#[test]
fn user_create_takes_the_password_from_the_environment_and_checks_it() {
    let db = TestDb::new();
    let create = |password: &str| {
        run(dateline(
            &db,
            &[
                "user",
                "create",
                "--email",
                "Chief@Example.com",
                "--name",
                "Chief",
                "--role",
                "admin",
            ],
        )
        .env("DATELINE_PASSWORD", password))
    };
    let short = create("short");
    assert!(!short.status.success());
    assert!(stderr(&short).contains("at least 12"), "{}", stderr(&short));
    let ok = create("a long admin passphrase");
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(
        stdout(&ok).contains("created admin user chief@example.com"),
        "{}",
        stdout(&ok)
    );
    let again = create("a long admin passphrase");
    assert!(!again.status.success());
    assert!(stderr(&again).contains("exists already"), "{}", stderr(&again));
    let bad_role = run(&mut dateline(
        &db,
        &[
            "user", "create", "--email", "a@b.c", "--name", "A", "--role", "chief",
        ],
    ));
    assert!(!bad_role.status.success());
}

#[test]
fn production_mode_refuses_to_start_without_a_strong_secret() {
    let db = TestDb::new();
    let missing = run(dateline(&db, &["migrate"]).env("DATELINE_ENV", "production"));
    assert!(!missing.status.success());
    assert!(
        stderr(&missing).contains("DATELINE_JWT_SECRET"),
        "{}",
        stderr(&missing)
    );
    let short = run(dateline(&db, &["migrate"])
        .env("DATELINE_ENV", "production")
        .env("DATELINE_JWT_SECRET", "tooshort"));
    assert!(!short.status.success());
    assert!(!stderr(&short).contains("tooshort"), "the secret is never echoed");
    let good = run(dateline(&db, &["migrate"])
        .env("DATELINE_ENV", "production")
        .env("DATELINE_JWT_SECRET", "0123456789abcdef0123456789abcdef"));
    assert!(good.status.success(), "{}", stderr(&good));
}

fn http_post_json(port: u16, path: &str, body: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

#[test]
fn serve_creates_the_first_admin_from_the_environment() {
    let db = TestDb::new();
    let port = free_port();
    let mut child = dateline(&db, &[])
        .env("DATELINE_BIND", format!("127.0.0.1:{port}"))
        .env("DATELINE_ADMIN_EMAIL", "root@example.com")
        .env("DATELINE_ADMIN_PASSWORD", "bootstrap passphrase")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while http_get(port, "/healthz").is_none() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let response = http_post_json(
        port,
        "/api/v1/auth/login",
        r#"{"email": "root@example.com", "password": "bootstrap passphrase"}"#,
    )
    .unwrap_or_default();
    let _ = child.kill();
    let _ = child.wait();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("access_token"));
}

#[test]
fn purge_empties_the_trash_from_the_command_line() {
    let db = TestDb::new();
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/seed-article.json");
    assert!(run(&mut dateline(&db, &["import", fixture])).status.success());
    let expired = run(&mut dateline(&db, &["purge"]));
    assert!(expired.status.success(), "{}", stderr(&expired));
    assert!(
        stdout(&expired).contains("purged 0 article(s)"),
        "{}",
        stdout(&expired)
    );

    // Trash the imported article straight in the database, then empty the whole trash.
    let url = db.url.clone();
    let manager = dateline::db::ConnectionManager::new(url);
    let pool = dateline::db::build_pool_with(manager, 1, Duration::from_secs(5)).unwrap();
    {
        use dateline::db::schema::articles::dsl::*;
        use diesel::prelude::*;
        let mut conn = pool.get().unwrap();
        diesel::update(articles)
            .set(deleted_at.eq(Some(chrono::Utc::now().naive_utc())))
            .execute(&mut conn)
            .unwrap();
    }
    let all = run(&mut dateline(&db, &["purge", "--all"]));
    assert!(stdout(&all).contains("purged 1 article(s)"), "{}", stdout(&all));
    let count: i64 = {
        use dateline::db::schema::articles::dsl::*;
        use diesel::prelude::*;
        articles.count().get_result(&mut pool.get().unwrap()).unwrap()
    };
    assert_eq!(count, 0);
}

#[test]
fn sigterm_lets_a_request_in_flight_finish_then_exits_zero() {
    let db = TestDb::new();
    let port = free_port();
    let mut child = dateline(&db, &[])
        .env("DATELINE_BIND", format!("127.0.0.1:{port}"))
        .env("DATELINE_SHUTDOWN_TIMEOUT_SECS", "10")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while http_get(port, "/healthz").is_none() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    // A request whose body is still on its way when the signal comes.
    let body = r#"{"email": "nobody@example.com", "password": "not the password"}"#;
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        stream,
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        &body[..10]
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    std::thread::sleep(Duration::from_millis(500));
    stream.write_all(&body.as_bytes()[10..]).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(
        response.starts_with("HTTP/1.1 401"),
        "the request in flight was answered: {response}"
    );

    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status}");
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "no longer accepting"
    );
}

#[test]
fn an_unreachable_database_is_a_clear_error_and_a_non_zero_exit() {
    let db = TestDb::new();
    let started = Instant::now();
    let output = run(dateline(&db, &["serve"])
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/nowhere")
        .env("DATELINE_DB_POOL_TIMEOUT_MS", "500"));
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("cannot connect to the postgres database"),
        "{}",
        stderr(&output)
    );
    assert!(started.elapsed() < Duration::from_secs(20), "no retry loop");
}
