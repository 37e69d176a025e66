#!/usr/bin/env python3
"""Cross-instance freshness on PostgreSQL: two release servers over one database, each with its
response cache on. An editor saves an article through instance A; a reader polls the article on
instance B (already cached there) until it shows the save. Reports how long after A answered the
save B showed it, for 100 saves, then again for 20 saves after B's listening connection was
killed (it must reconnect and catch up by itself).

Exits non-zero when a save is never seen on B (within 5 s) or B serves an answer older than one
it already served; timings are printed, not asserted (target: p99 under 50 ms).

    scripts/cross_instance.py [--saves 100]
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import time

from harness import Database, Server, percentile, psql, request

ARTICLE = "/api/v1/articles/cross-instance"


class Client:
    """A keep-alive connection to one instance."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def call(self, method: str, path: str, body=None, headers: dict | None = None):
        payload = json.dumps(body).encode() if body is not None else None
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        try:
            self.conn.request(method, path, body=payload, headers=all_headers)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed the idle keep-alive connection; a GET is safe to send again.
            if method != "GET":
                raise
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            self.conn.request(method, path, body=payload, headers=all_headers)
            response = self.conn.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data else None), response


def save(editor: Client, token: str, summary: str, article: str = ARTICLE) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    status, _, response = editor.call("GET", article, headers=auth)
    assert status == 200, status
    etag = response.getheader("ETag")
    status, body, _ = editor.call("PATCH", article, {"summary": summary}, {**auth, "If-Match": etag})
    if status != 200:
        raise RuntimeError(f"save answered {status}: {body}")


def seen_after(reader: Client, summary: str, limit: float = 5.0) -> float | None:
    """Seconds until the reader is served `summary`, or None."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        status, body, _ = reader.call("GET", ARTICLE)
        if status == 200 and body["summary"] == summary:
            return time.monotonic() - started
    return None


def run_saves(editor: Client, reader: Client, token: str, label: str, count: int) -> list[float] | None:
    delays = []
    for n in range(count):
        summary = f"{label} save {n}"
        save(editor, token, summary)
        delay = seen_after(reader, summary)
        if delay is None:
            print(f"FAILED: {label} save {n} never reached instance B")
            return None
        delays.append(delay)
    return delays


def report(label: str, delays: list[float]) -> None:
    ms = lambda s: s * 1000  # noqa: E731
    print(
        f"{label}: {len(delays)} saves through A, seen on B after p50 {ms(percentile(delays, 50)):.1f} ms, "
        f"p99 {ms(percentile(delays, 99)):.1f} ms, max {ms(max(delays)):.1f} ms "
        f"(target p99 < 50 ms: {'met' if percentile(delays, 99) < 0.05 else 'MISSED'})"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--saves", type=int, default=100)
    args = parser.parse_args()
    db = Database("postgres")
    a = Server(db)
    b = Server(db)
    try:
        a.start()
        b.start()
        token = a.editor_token()
        auth = {"Authorization": f"Bearer {token}"}
        editor = Client(a.port)
        status, body, _ = editor.call("POST", "/api/v1/sections", {"slug": "world-news", "name": "World News"}, auth)
        assert status == 201, (status, body)
        article = {"headline": "Cross instance", "section": "world-news", "status": "published",
                   "summary": "first", "body": "<p>Body</p>"}
        status, body, _ = editor.call("POST", "/api/v1/articles", article, auth)
        assert status == 201, (status, body)
        reader = Client(b.port)
        if seen_after(reader, "first") is None:
            print("FAILED: B does not serve the article")
            return 1
        listening = run_saves(editor, reader, token, "listening", args.saves)
        if listening is None:
            return 1
        report("listening", listening)
        killed = psql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            f"WHERE application_name = 'dateline-cache-listener' AND datname = '{db.name}'"
        )
        print(f"killed {killed.strip()} listener connection(s) of the two instances")
        after_kill = run_saves(editor, reader, token, "after a lost connection", 20)
        if after_kill is None:
            return 1
        report("after a lost connection", after_kill)
        assert request(b.port, "GET", "/healthz")[0] == 200
    finally:
        a.stop()
        b.stop()
        db.drop()
    print("cross-instance freshness: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
