//! Slow clients (`scripts/slowloris.py`): connections that trickle their headers or their body a
//! byte at a time are cut off by the header and body timeouts (a body gets 408), and meanwhile
//! every ordinary request is answered.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use super::{Server, http, parse_answer};
use crate::support::TestApp;

const SLOW_HEADERS: usize = 40;
const SLOW_BODIES: usize = 10;

/// How one slow connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum End {
    /// The server answered this status, then closed.
    Answered(u16),
    /// The server closed (or reset) without an answer.
    Closed,
    /// Still open at the deadline: the server never cut it off.
    StillOpen,
}

/// The kinds of slow client.
#[derive(Debug, Clone, Copy)]
enum Slow {
    /// A request head that never ends.
    Headers,
    /// A complete head announcing 4000 bytes of body, sent a byte at a time.
    Body,
}

/// One slow connection, trickled until the server ends it (or a generous deadline passes).
fn slow_connection(port: u16, kind: Slow, slug: &str, open: &AtomicUsize) -> End {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return End::Closed;
    };
    let head = match kind {
        Slow::Headers => "GET /api/v1/articles HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".to_owned(),
        Slow::Body => format!(
            "POST /api/v1/articles/{slug}/comments HTTP/1.1\r\nHost: localhost\r\n\
             Content-Type: application/json\r\nContent-Length: 4000\r\n\r\n"
        ),
    };
    if stream.write_all(head.as_bytes()).is_err() {
        return End::Closed;
    }
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .expect("read timeout");
    open.fetch_add(1, Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut received = Vec::new();
    let end = loop {
        if Instant::now() > deadline {
            break End::StillOpen;
        }
        let mut buffer = [0u8; 4096];
        match stream.read(&mut buffer) {
            Ok(0) => {
                break parse_answer(&received).map_or(End::Closed, |a| End::Answered(a.status));
            }
            Ok(n) => {
                received.extend_from_slice(&buffer[..n]);
                // An answer ends the slow request, whether or not the connection stays open.
                if let Some(answer) = parse_answer(&received) {
                    break End::Answered(answer.status);
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => {
                break parse_answer(&received).map_or(End::Closed, |a| End::Answered(a.status));
            }
        }
        let byte: &[u8] = match kind {
            Slow::Headers => b"x",
            Slow::Body => b" ",
        };
        if stream.write_all(byte).is_err() {
            break parse_answer(&received).map_or(End::Closed, |a| End::Answered(a.status));
        }
    };
    open.fetch_sub(1, Ordering::SeqCst);
    end
}

#[test]
fn slow_clients_are_cut_off_and_hold_up_no_one() {
    let app = TestApp::new();
    app.article("story").create();
    let server = Server::start(
        &app.db.url.to_url(),
        &[
            ("DATELINE_HEADER_TIMEOUT_MS", "1000"),
            ("DATELINE_BODY_TIMEOUT_SECS", "1"),
        ],
    );

    // Each slow client reconnects when cut off, until the ordinary requests are done: slow
    // connections are open throughout.
    let stop = Arc::new(AtomicBool::new(false));
    let open = Arc::new(AtomicUsize::new(0));
    let kinds =
        std::iter::repeat_n(Slow::Headers, SLOW_HEADERS).chain(std::iter::repeat_n(Slow::Body, SLOW_BODIES));
    let slow: Vec<_> = kinds
        .map(|kind| {
            let (port, stop, open) = (server.port, stop.clone(), open.clone());
            std::thread::spawn(move || {
                let mut ends = Vec::new();
                loop {
                    ends.push(slow_connection(port, kind, "story", &open));
                    if stop.load(Ordering::SeqCst) || ends.last() == Some(&End::StillOpen) {
                        return (kind, ends);
                    }
                }
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    while open.load(Ordering::SeqCst) < SLOW_HEADERS + SLOW_BODIES && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }

    let mut most_open = 0;
    for n in 0..30 {
        most_open = most_open.max(open.load(Ordering::SeqCst));
        let answer = if n % 5 == 4 {
            let body = json!({"author_name": "Reader", "body": format!("Comment {n}")});
            http(
                server.port,
                "POST",
                "/api/v1/articles/story/comments",
                None,
                Some(&body),
            )
        } else {
            http(server.port, "GET", "/api/v1/articles/story", None, None)
        };
        let answer = answer.unwrap_or_else(|e| panic!("ordinary request {n} failed: {e}"));
        assert!(
            matches!(answer.status, 200 | 201),
            "ordinary request {n}: {} {}",
            answer.status,
            answer.body
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, Ordering::SeqCst);
    assert!(
        most_open >= (SLOW_HEADERS + SLOW_BODIES) / 2,
        "the ordinary requests ran beside the slow connections (at most {most_open} were open)"
    );

    let mut wrong = Vec::new();
    let mut connections = 0;
    let mut tally = std::collections::BTreeMap::new();
    for thread in slow {
        let (kind, ends) = thread.join().expect("a slow client");
        connections += ends.len();
        for end in ends {
            *tally.entry(format!("{kind:?} {end:?}")).or_insert(0) += 1;
            let expected = match (kind, &end) {
                (_, End::StillOpen) => false,
                // Cut off with the 408 actix answers to an unfinished head, or just closed.
                (Slow::Headers, End::Closed | End::Answered(408)) => true,
                // The documented answer to a body that does not arrive in time.
                (Slow::Body, End::Answered(408)) => true,
                _ => false,
            };
            if !expected {
                wrong.push(format!("{kind:?}: {end:?}"));
            }
        }
    }
    eprintln!("slow clients: {connections} connections, ended: {tally:?}; at most {most_open} open at once");
    assert!(
        wrong.is_empty(),
        "{} of {connections} slow connections were not timed out: {wrong:?}",
        wrong.len()
    );
}
