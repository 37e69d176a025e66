//! The database going away (`scripts/pg_restart.py`), simulated by a TCP proxy between the
//! server and PostgreSQL that the test cuts and restores: while it is cut every request that
//! needs the database is a 503 problem with `Retry-After` (liveness stays 200) and writes
//! nothing; once it is back the service answers again by itself, without a restart.
//!
//! Restarting the PostgreSQL server itself stays in `scripts/pg_restart.py`: the test server is
//! shared by every test running in parallel (and needs root to restart). On SQLite the test has
//! nothing to cut (a file does not go away) and returns at once.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use dateline::db::schema::comments;
use diesel::prelude::*;
use serde_json::json;

use super::{Answer, Server, http};
use crate::support::TestApp;

/// What the proxy's threads share.
#[derive(Default)]
struct Shared {
    down: AtomicBool,
    stop: AtomicBool,
    /// Both ends of every proxied connection, to cut them.
    live: Mutex<Vec<TcpStream>>,
}

impl Shared {
    fn cut_all(&self) {
        for stream in self.live.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

/// A TCP proxy to `upstream` that can be cut (open connections reset, new ones closed at once)
/// and restored.
struct Proxy {
    port: u16,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl Proxy {
    fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy listener");
        listener.set_nonblocking(true).expect("non-blocking listener");
        let port = listener.local_addr().expect("proxy address").port();
        let shared = Arc::new(Shared::default());
        let acceptor = {
            let shared = shared.clone();
            std::thread::spawn(move || accept(&listener, &upstream, &shared))
        };
        Self {
            port,
            shared,
            acceptor: Some(acceptor),
        }
    }

    fn cut(&self) {
        self.shared.down.store(true, Ordering::SeqCst);
        self.shared.cut_all();
    }

    fn restore(&self) {
        self.shared.down.store(false, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.cut_all();
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn accept(listener: &TcpListener, upstream: &str, shared: &Arc<Shared>) {
    while !shared.stop.load(Ordering::SeqCst) {
        let client = match listener.accept() {
            Ok((client, _)) => client,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            }
            Err(_) => continue,
        };
        if shared.down.load(Ordering::SeqCst) {
            continue; // dropped: the database is not there
        }
        let Ok(server) = TcpStream::connect(upstream) else {
            continue;
        };
        let _ = client.set_nonblocking(false);
        let ends = (client.try_clone(), server.try_clone());
        let (Ok(client_end), Ok(server_end)) = ends else {
            continue;
        };
        shared.live.lock().unwrap().extend([client_end, server_end]);
        let (Ok(client_copy), Ok(server_copy)) = (client.try_clone(), server.try_clone()) else {
            continue;
        };
        std::thread::spawn(move || pump(client, server));
        std::thread::spawn(move || pump(server_copy, client_copy));
    }
}

/// Copies `from` to `to` until either side ends, then ends both.
fn pump(mut from: TcpStream, mut to: TcpStream) {
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buffer[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}

/// `host:port` of a `postgres://` URL and the URL with that address replaced by `address`;
/// `None` for a URL the proxy cannot stand in front of (a Unix socket, a `host=` option).
fn through(url: &str, address: impl FnOnce(&str) -> String) -> Option<(String, String)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let (userinfo, host_port) = match authority.rsplit_once('@') {
        Some((userinfo, host_port)) => (format!("{userinfo}@"), host_port),
        None => (String::new(), authority),
    };
    if host_port.is_empty() || host_port.starts_with('[') || tail.contains("host=") {
        return None;
    }
    let upstream = match host_port.split_once(':') {
        Some(_) => host_port.to_owned(),
        None => format!("{host_port}:5432"),
    };
    let replaced = format!("{scheme}://{userinfo}{}{tail}", address(&upstream));
    Some((upstream, replaced))
}

/// One request of each kind that needs the database (a public read, a read with a token, a
/// write, readiness), with their answers; `n` keeps the comments distinct.
fn requests(port: u16, token: &str, n: usize) -> Vec<(String, Answer)> {
    let comment = json!({"author_name": "Reader", "body": format!("Comment {n}")});
    let calls = [
        ("GET /api/v1/articles/story", None, None),
        ("GET /api/v1/auth/me", Some(token), None),
        ("POST /api/v1/articles/story/comments", None, Some(&comment)),
        ("GET /readyz", None, None),
    ];
    calls
        .into_iter()
        .map(|(call, token, body)| {
            let (method, path) = call.split_once(' ').expect("method and path");
            let answer = http(port, method, path, token, body).unwrap_or_else(|e| panic!("{call}: {e}"));
            (call.to_owned(), answer)
        })
        .collect()
}

fn stored_comments(app: &TestApp) -> i64 {
    app.with_conn(|conn| comments::table.count().get_result(conn).expect("count"))
}

#[test]
fn a_database_that_goes_away_is_a_503_with_retry_after_and_the_service_recovers_by_itself() {
    let app = TestApp::new();
    if app.db.backend() != "postgres" {
        return;
    }
    let url = app.db.url.to_url();
    let Some((upstream, _)) = through(&url, |a| a.to_owned()) else {
        eprintln!("the PostgreSQL URL names no TCP address to stand in front of: skipped");
        return;
    };
    let proxy = Proxy::start(upstream);
    let (_, proxied_url) =
        through(&url, |_| format!("127.0.0.1:{}", proxy.port)).expect("the URL was read above");
    app.article("story").create();
    app.account("outage-editor@example.com", "editor");
    let mut server = Server::start(
        &proxied_url,
        &[
            ("DATELINE_DB_POOL_SIZE", "4"),
            ("DATELINE_DB_POOL_TIMEOUT_MS", "1000"),
            // Every read goes to the database, none is answered from memory.
            ("DATELINE_RESPONSE_CACHE_MB", "0"),
        ],
    );
    let token = server.login("outage-editor@example.com");
    let mut rounds = 1..;
    let mut next = || rounds.next().expect("endless");
    for (call, answer) in requests(server.port, &token, next()) {
        assert!(
            answer.status < 300,
            "before the outage, {call}: {} {}",
            answer.status,
            answer.body
        );
    }
    let before = stored_comments(&app);

    proxy.cut();
    for _ in 0..2 {
        for (call, answer) in requests(server.port, &token, next()) {
            assert_eq!(answer.status, 503, "during the outage, {call}: {}", answer.body);
            assert_eq!(
                answer.header("content-type"),
                Some("application/problem+json"),
                "{call}"
            );
            let retry_after = answer.header("retry-after").and_then(|v| v.parse::<u64>().ok());
            assert!(retry_after.is_some(), "{call}: a 503 says when to retry");
        }
        let live = http(server.port, "GET", "/healthz", None, None).expect("healthz");
        assert_eq!(live.status, 200, "liveness does not wait on the database");
    }

    proxy.restore();
    let restored = Instant::now();
    let deadline = restored + Duration::from_secs(60);
    loop {
        let answer = http(server.port, "GET", "/api/v1/articles/story", None, None).expect("read");
        if answer.status == 200 {
            break;
        }
        assert_eq!(answer.status, 503, "while recovering: {}", answer.body);
        assert!(
            Instant::now() < deadline,
            "the service did not recover by itself: {}",
            server.log_tail()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!(
        "database outage: answered again {} ms after the database came back",
        restored.elapsed().as_millis()
    );
    for _ in 0..2 {
        for (call, answer) in requests(server.port, &token, next()) {
            assert!(
                answer.status < 300,
                "after the outage, {call}: {} {}",
                answer.status,
                answer.body
            );
        }
    }
    assert!(server.running(), "the server outlived the outage");
    assert_eq!(
        stored_comments(&app),
        before + 2,
        "the comments refused with 503 were not stored; the two after it were"
    );
}

#[test]
fn the_proxy_stands_in_for_the_address_of_a_postgres_url() {
    let to = |_: &str| "127.0.0.1:9".to_owned();
    assert_eq!(
        through("postgres://postgres@127.0.0.1:5432/db?sslmode=require", to),
        Some((
            "127.0.0.1:5432".to_owned(),
            "postgres://postgres@127.0.0.1:9/db?sslmode=require".to_owned()
        ))
    );
    assert_eq!(
        through("postgresql://u:p@db.example/x", to),
        Some((
            "db.example:5432".to_owned(),
            "postgresql://u:p@127.0.0.1:9/x".to_owned()
        ))
    );
    assert_eq!(through("postgres:///x?host=/var/run/postgresql", to), None);
}
