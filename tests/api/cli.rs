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
fn import_stores_a_featured_image_from_a_file_beside_it_once() {
    let db = TestDb::new();
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/photo.jpg"),
        dir.path().join("photo.jpg"),
    )
    .unwrap();
    let article = |image: &str| {
        serde_json::json!({"headline": "Floods in Sindh", "slug": "floods-in-sindh",
            "section": {"name": "World News"}, "body": "<p>Text</p>",
            "featured_image": {"file": image, "alt": "A flooded street", "credit": "AFP", "focal_point": [0.5, 0.4]}})
    };
    let file = dir.path().join("articles.json");
    std::fs::write(&file, article("photo.jpg").to_string()).unwrap();
    let media = dir.path().join("media");
    let import = || run(dateline(&db, &["import", file.to_str().unwrap()]).env("DATELINE_MEDIA_DIR", &media));
    let files_stored = || walk(&media).len();
    let first = import();
    assert!(first.status.success(), "{}", stderr(&first));
    let stored = files_stored();
    assert!(stored >= 3, "the full size and its variants: {stored}");
    // Again: the same image is the same library item; no file is added.
    let second = import();
    assert!(
        stdout(&second).contains("0 created, 1 updated"),
        "{}",
        stdout(&second)
    );
    assert_eq!(files_stored(), stored);
    let mut conn = dateline::db::ConnectionManager::new(db.url.clone())
        .connect_one()
        .unwrap();
    let (items, featured): (i64, Option<i64>) = {
        use dateline::db::schema::{articles, media};
        use diesel::prelude::*;
        (
            media::table.count().get_result(&mut conn).unwrap(),
            articles::table
                .select(articles::featured_media_id)
                .first(&mut conn)
                .unwrap(),
        )
    };
    assert_eq!((items, featured.is_some()), (1, true));
    // A missing image or a file that is no image: nothing is imported, nothing is left stored.
    std::fs::write(dir.path().join("notes.txt"), "not a picture").unwrap();
    for (image, said) in [
        ("missing.jpg", "cannot read"),
        ("notes.txt", "JPEG, PNG, WebP and GIF"),
    ] {
        std::fs::write(&file, article(image).to_string()).unwrap();
        let refused = import();
        assert!(!refused.status.success());
        assert!(
            stderr(&refused).contains("articles[0].featured_image") && stderr(&refused).contains(said),
            "{}",
            stderr(&refused)
        );
        assert_eq!(files_stored(), stored);
    }
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if entry.path().is_dir() {
                stack.push(entry.path());
            } else {
                files.push(entry.path());
            }
        }
    }
    files
}

#[test]
fn seed_generates_the_requested_articles_each_with_a_featured_image() {
    let db = TestDb::new();
    let media = tempfile::tempdir().unwrap();
    let output = run(
        dateline(&db, &["seed", "--articles", "120", "--batch-size", "50"])
            .env("DATELINE_MEDIA_DIR", media.path())
            .env("DATELINE_MEDIA_WIDTHS", "160,320"),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("seeded 120 articles"),
        "{}",
        stdout(&output)
    );
    let mut conn = dateline::db::ConnectionManager::new(db.url.clone())
        .connect_one()
        .unwrap();
    let (items, without_image): (i64, i64) = {
        use dateline::db::schema::{articles, media};
        use diesel::prelude::*;
        (
            media::table.count().get_result(&mut conn).unwrap(),
            articles::table
                .filter(articles::featured_media_id.is_null())
                .count()
                .get_result(&mut conn)
                .unwrap(),
        )
    };
    assert_eq!((items, without_image), (12, 0));
    // Real images: the full size and four variants (two widths, two formats) each.
    assert_eq!(walk(media.path()).len(), 12 * 5);
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

/// Waits (30 s at most) until a server on `port` answers `/healthz`.
fn wait_until_serving(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while http_get(port, "/healthz").is_none() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
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
    wait_until_serving(port);
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
    wait_until_serving(port);
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

/// A large photograph-like JPEG (noise compresses badly: megabytes to send and to decode).
fn large_jpeg() -> Vec<u8> {
    let mut state = 0x2545_f491_u32;
    let image = image::RgbImage::from_fn(3000, 2000, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        image::Rgb([
            (x / 12) as u8 ^ (state as u8 & 0x3f),
            (y / 8) as u8,
            (state >> 8) as u8,
        ])
    });
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Jpeg)
        .unwrap();
    bytes
}

#[test]
fn a_server_killed_during_uploads_leaves_no_row_without_its_files() {
    let db = TestDb::new();
    let dir = tempfile::tempdir().unwrap();
    let media = dir.path().join("media");
    let created = run(dateline(
        &db,
        &[
            "user",
            "create",
            "--email",
            "desk@example.com",
            "--name",
            "Desk",
            "--role",
            "editor",
        ],
    )
    .env("DATELINE_PASSWORD", "a long enough passphrase"));
    assert!(created.status.success(), "{}", stderr(&created));
    let photo = large_jpeg();
    // Killed while a body arrives, then (after a whole body) while it is rendered or stored.
    for (sent, wait) in [
        (photo.len() / 2, Duration::ZERO),
        (photo.len(), Duration::from_millis(300)),
    ] {
        let port = free_port();
        let mut child = dateline(&db, &[])
            .env("DATELINE_BIND", format!("127.0.0.1:{port}"))
            .env("DATELINE_MEDIA_DIR", &media)
            .env(
                "DATELINE_JWT_SECRET",
                "a-test-secret-that-is-long-enough-0123456789",
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_until_serving(port);
        let login = http_post_json(
            port,
            "/api/v1/auth/login",
            r#"{"email": "desk@example.com", "password": "a long enough passphrase"}"#,
        )
        .unwrap_or_default();
        let token = login
            .split("\"access_token\":\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("no token: {login}"))
            .to_owned();
        let boundary = "kill-test-boundary";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\nA photo\r\n--{boundary}\r\n\
             Content-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
        )
        .into_bytes();
        let head_len = body.len();
        body.extend_from_slice(&photo);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            stream,
            "POST /api/v1/media HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .unwrap();
        let cut = if sent < photo.len() {
            head_len + sent
        } else {
            body.len()
        };
        stream.write_all(&body[..cut]).unwrap();
        std::thread::sleep(wait);
        let killed = Command::new("kill")
            .args(["-KILL", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let _ = child.wait();
    }
    // Every row the kills left names files that all exist; gc (no grace) leaves only those.
    let mut conn = dateline::db::ConnectionManager::new(db.url.clone())
        .connect_one()
        .unwrap();
    let rows: Vec<String> = {
        use dateline::db::schema::media;
        use diesel::prelude::*;
        media::table.select(media::files).load(&mut conn).unwrap()
    };
    let mut named = Vec::new();
    for files in &rows {
        let files: dateline::models::media::Files = serde_json::from_str(files).unwrap();
        for key in files.keys() {
            assert!(media.join(&key).is_file(), "a row names {key}, which is missing");
            named.push(media.join(key));
        }
    }
    let gc = run(dateline(&db, &["media", "gc"])
        .env("DATELINE_MEDIA_DIR", &media)
        .env("DATELINE_MEDIA_GC_GRACE_SECS", "0"));
    assert!(gc.status.success(), "{}", stderr(&gc));
    let mut left = walk(&media);
    left.sort();
    named.sort();
    assert_eq!(left, named, "gc removes every file no row names");
}
