//! Receivers for the webhook tests, both real HTTP servers on loopback:
//! - [`Verifier`]: `scripts/webhook_receiver.py`, which checks every delivery with the official
//!   Standard Webhooks library (`standardwebhooks` from the Python registry) and records it;
//! - [`Sink`]: an actix server in the test process whose answers a test chooses (a status, a
//!   delay, a huge body, a redirect), recording what it received.
//!
//! `DATELINE_TEST_PYTHON` names a Python with `standardwebhooks`, `feedparser`, `xmlschema` and
//! `jsonschema` (`.ci/run` makes one); otherwise `~/.cache/dateline-moto-venv/bin/python` is
//! tried. Without one the tests that need it say so and pass only outside CI.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::Value;

/// The Python interpreter with the validation packages, or `None` outside CI.
pub fn python() -> Option<String> {
    let candidates = std::env::var("DATELINE_TEST_PYTHON")
        .ok()
        .filter(|p| !p.is_empty())
        .into_iter()
        .chain(
            std::env::var("HOME")
                .ok()
                .map(|h| format!("{h}/.cache/dateline-moto-venv/bin/python")),
        );
    for python in candidates {
        let ok = Command::new(&python)
            .args(["-c", "import standardwebhooks, feedparser, xmlschema, jsonschema"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Some(python);
        }
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "CI=true but no Python with standardwebhooks, feedparser, xmlschema and jsonschema: set DATELINE_TEST_PYTHON (see .ci/run)"
        );
    }
    eprintln!("no Python with the validation packages: this test did not run (see .ci/run)");
    None
}

/// The repository's `scripts/` folder.
pub fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("scripts")
        .join(name)
}

/// `scripts/webhook_receiver.py` on a free loopback port, accepting deliveries signed with any
/// of its secrets.
pub struct Verifier {
    child: Child,
    pub port: u16,
    out: tempfile::NamedTempFile,
}

impl Verifier {
    pub fn start(python: &str, secrets: &[&str]) -> Self {
        let out = tempfile::NamedTempFile::new().expect("temp file");
        let mut command = Command::new(python);
        command
            .arg(script("webhook_receiver.py"))
            .args(["--port", "0", "--out"])
            .arg(out.path());
        for secret in secrets {
            command.args(["--secret", secret]);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the receiver");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().expect("stdout"))
            .read_line(&mut line)
            .expect("the receiver says where it listens");
        let port = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected receiver output: {line}"));
        Self { child, port, out }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks", self.port)
    }

    /// Every request received so far, in order: `{"verified": true, "payload": ...}` or a
    /// refusal.
    pub fn received(&self) -> Vec<Value> {
        std::fs::read_to_string(self.out.path())
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    }

    /// The types of the verified deliveries, in order; panics on a delivery that failed
    /// verification.
    pub fn verified_types(&self) -> Vec<String> {
        self.received()
            .iter()
            .map(|line| {
                assert_eq!(line["verified"], true, "a delivery failed verification: {line}");
                line["payload"]["type"].as_str().expect("a type").to_owned()
            })
            .collect()
    }
}

impl Drop for Verifier {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How a [`Sink`] answers.
#[derive(Debug, Clone)]
pub enum Answer {
    Status(u16),
    /// Answers 204 after this long.
    Slow(Duration),
    /// 200 with a body of this many bytes.
    Huge(usize),
    /// 302 to this URL.
    Redirect(String),
}

/// One request a [`Sink`] received.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// An HTTP server in the test process that answers as told and records requests.
pub struct Sink {
    pub port: u16,
    answer: Arc<Mutex<Answer>>,
    received: Arc<Mutex<Vec<Received>>>,
    handle: actix_web::dev::ServerHandle,
}

impl Sink {
    pub fn start(answer: Answer) -> Self {
        let answer = Arc::new(Mutex::new(answer));
        let received = Arc::new(Mutex::new(Vec::new()));
        let (a, r) = (answer.clone(), received.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new((a.clone(), r.clone())))
                .default_service(web::to(answer_request))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .expect("bind");
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Self {
            port,
            answer,
            received,
            handle,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks", self.port)
    }

    pub fn answer(&self, answer: Answer) {
        *self.answer.lock().unwrap() = answer;
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

type Shared = (Arc<Mutex<Answer>>, Arc<Mutex<Vec<Received>>>);

async fn answer_request(req: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    let (answer, received) = shared.get_ref();
    received.lock().unwrap().push(Received {
        headers: req
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_owned()))
            .collect(),
        body: body.to_vec(),
    });
    let answer = answer.lock().unwrap().clone();
    match answer {
        Answer::Status(code) => HttpResponse::build(actix_web::http::StatusCode::from_u16(code).unwrap())
            .body(format!("answered {code}")),
        Answer::Slow(delay) => {
            actix_web::rt::time::sleep(delay).await;
            HttpResponse::NoContent().finish()
        }
        Answer::Huge(bytes) => HttpResponse::Ok().body(vec![b'x'; bytes]),
        Answer::Redirect(to) => HttpResponse::Found().insert_header(("Location", to)).finish(),
    }
}
