#!/usr/bin/env python3
"""A webhook receiver on loopback for tests. It checks Standard Webhooks signatures
(webhook-id, webhook-timestamp and webhook-signature headers) with the `standardwebhooks`
package and records each delivery as one JSON line.

    webhook_receiver.py --port N --secret whsec_... [--secret whsec_...] --out events.jsonl
                        [--fail-first K] [--status-file F]
    webhook_receiver.py --selftest

Each POST (any path) is handled in this order, and every request appends exactly one line to
--out (flushed and fsynced before the answer is sent, so a test may read the file as soon as it
gets the response):

1. The first K requests (--fail-first K) get 503. The line is {"refused": true, "status": 503, ...}
   and nothing is verified, so the sender's retries can be tested.
2. If --status-file F exists and holds an HTTP status (e.g. "500" or "410"), that status is
   the answer and the line is {"refused": true, ...}. A test writes or deletes F to take the
   endpoint down and bring it back while the receiver runs. An empty or missing file means
   normal handling.
3. Otherwise the body is verified with Webhook(secret).verify(body, headers) for each --secret,
   and accepted if any one passes (so key rotation can be tested). On success the line is
   {"webhook_id", "timestamp", "verified": true, "payload": <parsed JSON body>} and the answer
   is 204. On failure the line is {"verified": false, "error": ..., "body": ...} and the
   answer is 400.

Every line also carries "path", and "timestamp" is the header as an integer (as sent, when it
is not a number). GET answers 200 "ok" as a health check. Once the server is listening, it
prints "listening on PORT" to stdout (with --port 0 the OS picks the port, and the printed
one is the real one). --selftest starts the receiver in-process on a free port and posts
signed deliveries to it: a valid one, a tampered body, a timestamp older than 5 minutes, a
rotated secret, --fail-first and --status-file. It exits 0 when all of them behave as expected.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import sys
import tempfile
import threading
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

try:
    from standardwebhooks import Webhook
except ImportError:
    sys.exit("webhook_receiver: needs the standardwebhooks package (pip install standardwebhooks)")


class Receiver(ThreadingHTTPServer):
    daemon_threads = True  # a hung client connection must not keep the process alive

    def __init__(self, port: int, secrets_: list[str], out: Path, fail_first: int = 0,
                 status_file: Path | None = None):
        # Loopback only: this is a test fixture, never reachable from outside the machine.
        super().__init__(("127.0.0.1", port), Handler)
        self.webhooks = [Webhook(s) for s in secrets_]  # raises at start-up on a malformed secret
        self.out = out
        self.fail_first = fail_first
        self.status_file = status_file
        self.requests = 0
        self.lock = threading.Lock()  # one lock for the request counter and the output file

    def record(self, line: dict) -> None:
        with self.lock, open(self.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def forced_status(self) -> int | None:
        """The status from --status-file, if it holds one."""
        try:
            text = self.status_file.read_text().strip() if self.status_file else ""
            return int(text) if text else None
        except FileNotFoundError:
            return None
        except ValueError:
            print(f"webhook_receiver: ignoring {self.status_file}: {text!r} is not a status", file=sys.stderr)
            return None


class Handler(BaseHTTPRequestHandler):
    server: Receiver
    protocol_version = "HTTP/1.1"  # keep-alive, as an HTTP client pool would use it

    def do_GET(self) -> None:
        self.answer(200, b"ok")

    def do_POST(self) -> None:
        body = self.read_body()
        srv = self.server
        ts = self.headers.get("webhook-timestamp")
        line = {"webhook_id": self.headers.get("webhook-id"),
                "timestamp": int(ts) if ts and ts.isdigit() else ts, "path": self.path}
        with srv.lock:
            srv.requests += 1
            n = srv.requests
        status = 503 if n <= srv.fail_first else srv.forced_status()
        if status is not None:
            srv.record({"refused": True, "status": status, "request": n, **line})
            return self.answer(status, b"")

        errors = []
        for wh in srv.webhooks:
            try:
                # verify() wants the exact body bytes that were signed. It raises
                # WebhookVerificationError for a bad or expired signature, and other errors for
                # malformed headers or a body that is not UTF-8 JSON, so catch everything.
                payload = wh.verify(body, dict(self.headers))
            except Exception as e:
                errors.append(f"{type(e).__name__}: {e}")
                continue
            srv.record({**line, "verified": True, "payload": payload})
            return self.answer(204, b"")
        srv.record({**line, "verified": False, "error": "; ".join(dict.fromkeys(errors)),
                    "body": body.decode("utf-8", "replace")})
        self.answer(400, b"signature verification failed")

    def read_body(self) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            # http.server does not decode chunked bodies itself.
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0], 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()  # the CRLF after each chunk
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers
                pass
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("content-length") or 0))

    def answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        if status != 204:  # a 204 must not carry a body or Content-Length
            self.send_header("content-type", "text/plain")
            self.send_header("content-length", str(len(body)))
        self.end_headers()
        if status != 204:
            self.wfile.write(body)


def serve(args: argparse.Namespace) -> int:
    try:
        srv = Receiver(args.port, args.secret, args.out, args.fail_first, args.status_file)
    except Exception as e:  # a port in use, or a secret that is not base64
        print(f"webhook_receiver: {e}", file=sys.stderr)
        return 2
    print(f"listening on {srv.server_address[1]}", flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def post(port: int, body: bytes, headers: dict[str, str]) -> int:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/hook", data=body, method="POST",
                                 headers={"content-type": "application/json", **headers})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code


def signed(secret: str, msg_id: str, when: datetime, body: str) -> dict[str, str]:
    # sign() does timestamp.replace(tzinfo=utc): it reads the wall-clock fields as UTC, so
    # always pass an aware UTC datetime (a naive local time would be off by the UTC offset).
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(when.timestamp())),
            "webhook-signature": Webhook(secret).sign(msg_id, when, body)}


def selftest() -> int:
    new_secret = lambda: "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()  # noqa: E731
    old, current, stranger = new_secret(), new_secret(), new_secret()
    now = datetime.now(timezone.utc)
    body = json.dumps({"type": "article.published", "data": {"id": "a1", "title": "Grüße"}})
    failures = []

    def expect(what: str, got, want) -> None:
        print(f"{'ok  ' if got == want else 'FAIL'} {what}: got {got!r}, want {want!r}")
        if got != want:
            failures.append(what)

    with tempfile.TemporaryDirectory() as tmp:
        out, status_file = Path(tmp) / "events.jsonl", Path(tmp) / "status"
        srv = Receiver(0, [old, current], out, fail_first=1, status_file=status_file)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        port = srv.server_address[1]
        try:
            expect("fail-first answers 503", post(port, body.encode(), signed(current, "msg_0", now, body)), 503)
            expect("valid delivery", post(port, body.encode(), signed(current, "msg_1", now, body)), 204)
            expect("signed with the other (rotated) secret", post(port, body.encode(), signed(old, "msg_2", now, body)), 204)
            tampered = body.replace("a1", "a2").encode()
            expect("tampered body", post(port, tampered, signed(current, "msg_3", now, body)), 400)
            stale = now - timedelta(minutes=6)
            expect("timestamp 6 minutes old", post(port, body.encode(), signed(current, "msg_4", stale, body)), 400)
            expect("unknown secret", post(port, body.encode(), signed(stranger, "msg_5", now, body)), 400)
            expect("no signature headers", post(port, body.encode(), {}), 400)
            status_file.write_text("500\n")
            expect("status file says 500", post(port, body.encode(), signed(current, "msg_6", now, body)), 500)
            status_file.write_text("")
            expect("status file emptied", post(port, body.encode(), signed(current, "msg_7", now, body)), 204)
        finally:
            srv.shutdown()
            srv.server_close()

        lines = [json.loads(s) for s in out.read_text(encoding="utf-8").splitlines()]
        expect("one line per request", len(lines), 9)
        expect("refused line", {k: lines[0].get(k) for k in ("refused", "status", "webhook_id")},
               {"refused": True, "status": 503, "webhook_id": "msg_0"})
        expect("delivered payload", lines[1].get("payload"), json.loads(body))
        expect("delivered line", {k: lines[1].get(k) for k in ("webhook_id", "verified", "timestamp")},
               {"webhook_id": "msg_1", "verified": True, "timestamp": int(now.timestamp())})
        expect("verified flags", [ln.get("verified") for ln in lines],
               [None, True, True, False, False, False, False, None, True])
        expect("tampered error", "No matching signature" in lines[3].get("error", ""), True)
        expect("stale error", "too old" in lines[4].get("error", ""), True)
    print("selftest " + ("passed" if not failures else f"FAILED: {', '.join(failures)}"))
    return 0 if not failures else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--secret", action="append", default=[], help="whsec_... (repeatable)")
    parser.add_argument("--out", type=Path, help="JSON lines file to append to")
    parser.add_argument("--fail-first", type=int, default=0, metavar="K", help="answer 503 to the first K requests")
    parser.add_argument("--status-file", type=Path, metavar="F", help="if F holds a status, answer it")
    parser.add_argument("--selftest", action="store_true")
    args = parser.parse_args()
    if args.selftest:
        return selftest()
    if args.port is None or not args.secret or args.out is None:
        parser.error("--port, --secret and --out are required (or --selftest)")
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
