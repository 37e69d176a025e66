//! The reliability invariants of `scripts/crash.py`, `scripts/slowloris.py` and
//! `scripts/pg_restart.py`, held inside `cargo test` against the real `dateline` binary: a
//! SIGKILL loses no acknowledged write, slow clients are cut off without holding anyone up, and
//! the database going away is a 503 with `Retry-After` from which the service recovers by itself.
//!
//! The scripts stay in CI for the figures they print and the load they apply (hundreds of
//! connections, a real PostgreSQL restart); these tests hold the same invariants at a size that
//! runs on every `cargo test`, and assert no timings beyond generous timeouts.

mod crash;
mod database_outage;
mod slow_clients;

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::auth::PASSWORD;

/// A `dateline serve` process over a database the test prepared.
pub struct Server {
    child: Option<Child>,
    pub port: u16,
    database_url: String,
    env: Vec<(String, String)>,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts the binary over `database_url` with `env` on top of a quiet default, and waits
    /// until it answers `/healthz`.
    pub fn start(database_url: &str, env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut server = Self {
            child: None,
            port: 0,
            database_url: database_url.to_owned(),
            env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            log: dir.path().join("server.log"),
            _dir: dir,
        };
        server.restart();
        server
    }

    /// Starts the process (again, after a kill) on a new port.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "the server is running already");
        self.port = free_port();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("server log");
        let child = Command::new(env!("CARGO_BIN_EXE_dateline"))
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &self.database_url)
            .env("DATELINE_BIND", format!("127.0.0.1:{}", self.port))
            .env("DATELINE_LOG", "warn")
            .env("DATELINE_WORKERS", "2")
            .env("DATELINE_COMMENTS_PER_MINUTE", "0")
            .env("DATELINE_COMMENT_DUPLICATE_WINDOW_SECS", "0")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            // Keep a developer's .env out of the test.
            .current_dir(std::env::temp_dir())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start dateline serve");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(answer) = http(self.port, "GET", "/healthz", None, None)
                && answer.status == 200
            {
                return;
            }
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                panic!("the server exited with {status}: {}", self.log_tail());
            }
            assert!(
                Instant::now() < deadline,
                "the server did not start: {}",
                self.log_tail()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGKILL: no shutdown, no flush, nothing the process can do.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// The end of the server's log, for failure messages.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let start = log.len().saturating_sub(2000);
        let start = (start..log.len())
            .find(|&i| log.is_char_boundary(i))
            .unwrap_or(log.len());
        format!("server log (end):\n{}", &log[start..])
    }

    /// An access token of the account `email` (password [`PASSWORD`]).
    pub fn login(&self, email: &str) -> String {
        let body = json!({"email": email, "password": PASSWORD});
        let answer = http(self.port, "POST", "/api/v1/auth/login", None, Some(&body)).expect("login");
        assert_eq!(answer.status, 200, "login: {}", answer.body);
        answer.json()["access_token"]
            .as_str()
            .expect("an access token")
            .to_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("its address")
        .port()
}

/// An HTTP answer, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    /// Header names in lower case.
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// One request on a fresh connection (`Connection: close`), with a JSON body if given; a
/// generous timeout, since no test here measures speed.
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> io::Result<Answer> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    stream.set_write_timeout(Some(Duration::from_secs(20)))?;
    let payload = body.map(Value::to_string).unwrap_or_default();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    if body.is_some() {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            payload.len()
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(payload.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_answer(&raw).ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "not an HTTP answer"))
}

/// Parses a whole HTTP/1.1 answer (`Content-Length` or until close).
pub fn parse_answer(raw: &[u8]) -> Option<Answer> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    Some(Answer {
        status,
        headers,
        body: body.to_owned(),
    })
}
