//! A real S3-compatible server on loopback for the media tests: moto's server mode (`moto_server`,
//! from the Python registry), started once per test process and stopped when it exits.
//!
//! `DATELINE_TEST_MOTO` names the `moto_server` program (`.ci/run` installs it in a virtual
//! environment); without it, `moto_server` is looked up on the PATH. Where neither exists the S3
//! tests say so and pass only outside CI: under `CI=true` a missing server fails them.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use dateline::config::{Config, MediaStorage, S3Target};

/// The running server's endpoint (`http://127.0.0.1:{port}`).
struct Server {
    endpoint: String,
    // Its stdin is the wrapper's: when this process exits, the pipe closes and the server stops.
    _child: Mutex<Child>,
}

fn program() -> Option<String> {
    if let Some(path) = std::env::var("DATELINE_TEST_MOTO").ok().filter(|p| !p.is_empty()) {
        return Some(path);
    }
    let on_path = Command::new("sh")
        .args(["-c", "command -v moto_server"])
        .output()
        .ok()?;
    let path = String::from_utf8_lossy(&on_path.stdout).trim().to_owned();
    (!path.is_empty()).then_some(path)
}

fn start() -> Option<Server> {
    let program = program()?;
    let port = TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
    // `read` returns when our end of the pipe closes (this process exited): then the server goes.
    let script = format!("'{program}' -H 127.0.0.1 -p {port} >/dev/null 2>&1 & pid=$!; read _; kill $pid");
    let child = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .spawn()
        .ok()?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(Server {
                endpoint: format!("http://127.0.0.1:{port}"),
                _child: Mutex::new(child),
            });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("moto_server did not start listening on port {port} within 30 s");
}

/// The endpoint of the shared server, or `None` (outside CI) when moto is not installed.
pub fn endpoint() -> Option<String> {
    static SERVER: OnceLock<Option<Server>> = OnceLock::new();
    let server = SERVER.get_or_init(start);
    match server {
        Some(server) => Some(server.endpoint.clone()),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but no moto_server: set DATELINE_TEST_MOTO (see .ci/run)")
        }
        None => {
            eprintln!(
                "moto_server not found: the S3 half of this test did not run (pip install 'moto[server]')"
            );
            None
        }
    }
}

/// A raw HTTP/1.1 exchange with the server; the status and body.
pub fn http(method: &str, endpoint: &str, path: &str) -> (u16, Vec<u8>) {
    let address = endpoint.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).expect("connect to moto");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("read");
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP answer");
    let head = String::from_utf8_lossy(&answer[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    let mut body = answer[split + 4..].to_vec();
    if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        body = unchunk(&body);
    }
    (status, body)
}

fn unchunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[end + 2 + size + 2..];
    }
    out
}

/// Points `config` at a new, empty bucket on the server.
pub fn use_new_bucket(config: &mut Config, endpoint: &str) {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let bucket = format!(
        "dateline-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let (status, body) = http("PUT", endpoint, &format!("/{bucket}"));
    assert_eq!(status, 200, "create bucket: {}", String::from_utf8_lossy(&body));
    config.media.storage = MediaStorage::S3(S3Target {
        bucket: bucket.clone(),
        endpoint: Some(endpoint.to_owned()),
        region: "us-east-1".to_owned(),
        credentials: Some(("testing".to_owned(), "testing".to_owned())),
    });
    config.media.public_url = format!("{endpoint}/{bucket}");
}
