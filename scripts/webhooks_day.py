#!/usr/bin/env python3
"""A scripted editorial day, delivered by webhooks to a receiver on loopback that verifies every
delivery with the official Standard Webhooks library (scripts/webhook_receiver.py), including
across a crash, and with two server instances over one database.

    scripts/webhooks_day.py --backend sqlite|postgres

The day: publish a story; schedule another, which is announced when its time comes (no write
happens then); update the first; correct it; archive it; approve a reader's comment on the
second. Then the crash: the receiver is down, an edit commits (its delivery fails and waits),
the server is killed with SIGKILL, the receiver comes back, the server restarts, and the edit's
event arrives. Then a second instance joins and both deliver a burst of events: each arrives
once. Exits non-zero on any difference from what happened.

Needs DATELINE_TEST_PYTHON: a Python with the `standardwebhooks` package (.ci/run makes one).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

from harness import ROOT, Database, Server, free_port, request

ADMIN_EMAIL = "webhooks-admin@example.com"
ADMIN_PASSWORD = "webhooks admin passphrase"
ANY = {"If-Match": "*"}


class Receiver:
    """scripts/webhook_receiver.py on `port`, recording to a file."""

    def __init__(self, port: int, secret: str, out: Path):
        self.port, self.secret, self.out = port, secret, out
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        python = os.environ.get("DATELINE_TEST_PYTHON", "python3")
        self.process = subprocess.Popen(
            [python, str(ROOT / "scripts" / "webhook_receiver.py"), "--port", str(self.port),
             "--secret", self.secret, "--out", str(self.out)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        line = self.process.stdout.readline()
        if not line.startswith("listening on"):
            raise RuntimeError(f"the receiver did not start: {line!r}")

    def stop(self) -> None:
        if self.process:
            self.process.kill()
            self.process.wait()

    def lines(self) -> list[dict]:
        if not self.out.exists():
            return []
        return [json.loads(line) for line in self.out.read_text().splitlines() if line.strip()]

    def delivered(self) -> list[dict]:
        return [line for line in self.lines() if line.get("verified")]

    def wait_for(self, count: int, timeout: float = 30) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            delivered = self.delivered()
            if len(delivered) >= count:
                return delivered
            time.sleep(0.1)
        raise RuntimeError(f"expected {count} verified deliveries, got {len(self.delivered())}: "
                           f"{[d['payload']['type'] for d in self.delivered()]}")


def admin_token(server: Server) -> str:
    try:
        server.cli("user", "create", "--email", ADMIN_EMAIL, "--name", "Webhooks Admin", "--role", "admin",
                   env={"DATELINE_PASSWORD": ADMIN_PASSWORD})
    except subprocess.CalledProcessError:
        pass  # exists already (a restart)
    status, body, _ = request(server.port, "POST", "/api/v1/auth/login",
                              {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert status == 200, body
    return body["access_token"]


def call(server: Server, token: str, method: str, path: str, body=None, expected: int = 200):
    status, answer, _ = request(server.port, method, path, body, token, headers=ANY)
    if status != expected:
        raise RuntimeError(f"{method} {path}: {status} {answer}")
    return answer


def iso(at: datetime) -> str:
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def editorial_day(server: Server, token: str) -> list[tuple[str, str]]:
    """Makes the day's changes; the (type, slug) of each event they must cause, in order."""
    call(server, token, "POST", "/api/v1/sections", {"name": "World News", "slug": "world-news"}, 201)
    now = datetime.now(timezone.utc)
    story = {"headline": "Talks resume", "slug": "talks", "section": "world-news", "body": "<p>Monday.</p>",
             "status": "published", "published_at": iso(now - timedelta(seconds=1))}
    call(server, token, "POST", "/api/v1/articles", story, 201)
    later = {"headline": "Evening briefing", "slug": "briefing", "section": "world-news", "body": "<p>x</p>",
             "status": "published", "published_at": iso(now + timedelta(seconds=4))}
    call(server, token, "POST", "/api/v1/articles", later, 201)
    call(server, token, "PATCH", "/api/v1/articles/talks", {"headline": "Talks resume in Islamabad"})
    call(server, token, "POST", "/api/v1/articles/talks/corrections", {"text": "The date was wrong."}, 201)
    call(server, token, "PATCH", "/api/v1/articles/talks", {"status": "archived"})
    # The scheduled story's time comes with no write at all.
    time.sleep(max(0.0, (now + timedelta(seconds=5) - datetime.now(timezone.utc)).total_seconds()))
    comment = call(server, None, "POST", "/api/v1/articles/briefing/comments",
                   {"author_name": "Reader", "body": "Thanks for this."}, 201)
    call(server, token, "PATCH", f"/api/v1/comments/{comment['id']}", {"status": "approved"})
    return [("article.published", "talks"), ("article.updated", "talks"), ("article.updated", "talks"),
            ("article.unpublished", "talks"), ("article.published", "briefing"), ("comment.approved", "briefing")]


def slug_of(payload: dict) -> str:
    data = payload["data"]
    return data.get("article_slug") or data.get("slug") or data.get("object", {}).get("slug", "")


def check_day(receiver: Receiver, expected: list[tuple[str, str]]) -> list[str]:
    got = [(d["payload"]["type"], slug_of(d["payload"])) for d in receiver.wait_for(len(expected))]
    problems = []
    # Order is kept per resource; across resources deliveries may interleave.
    for slug in {s for _, s in expected}:
        want = [e for e in expected if e[1] == slug and e[0].startswith("article.")]
        have = [g for g in got if g[1] == slug and g[0].startswith("article.")]
        if want != have:
            problems.append(f"{slug}: expected {want}, delivered {have}")
    if Counter(got) != Counter(expected):
        problems.append(f"expected {sorted(expected)}, delivered {sorted(got)}")
    talks = [d for d in receiver.delivered() if slug_of(d["payload"]) == "talks"]
    if talks and talks[1]["payload"]["data"]["headline"] != "Talks resume in Islamabad":
        problems.append("the update's payload is not the article as updated")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    db = Database(args.backend)
    env = {"DATELINE_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8", "DATELINE_WEBHOOK_TIMEOUT_SECS": "2"}
    server = Server(db, env)
    other = None
    receiver = None
    problems: list[str] = []
    try:
        server.cli("migrate")
        server.start()
        token = admin_token(server)
        port = free_port()
        events = ["article.published", "article.updated", "article.unpublished", "article.deleted",
                  "comment.approved", "tag.changed"]
        endpoint = call(server, token, "POST", "/api/v1/webhooks",
                        {"url": f"http://127.0.0.1:{port}/hooks", "events": events}, 201)
        receiver = Receiver(port, endpoint["secret"], Path(tempfile.mkdtemp()) / "received.jsonl")
        receiver.start()

        started = time.monotonic()
        expected = editorial_day(server, token)
        problems += check_day(receiver, expected)
        print(f"editorial day on {args.backend}: {len(receiver.delivered())} events delivered and verified "
              f"in {time.monotonic() - started:.1f} s")

        # The crash: the event commits while the receiver is down, then the server dies.
        receiver.stop()
        call(server, token, "PATCH", "/api/v1/articles/briefing", {"headline": "Evening briefing, updated"})
        time.sleep(0.5)
        server.kill()
        receiver.start()
        server.start()
        delivered = receiver.wait_for(len(expected) + 1, timeout=40)
        last = delivered[-1]["payload"]
        if (last["type"], last["data"].get("headline")) != ("article.updated", "Evening briefing, updated"):
            problems.append(f"after the crash, delivered {last['type']} {last['data'].get('headline')}")
        refused = [line for line in receiver.lines() if not line.get("verified") and not line.get("refused")]
        if refused:
            problems.append(f"{len(refused)} deliveries failed verification: {refused[:2]}")
        print("crash: the event committed before SIGKILL was delivered after the restart")

        # Two instances over one database: each event once.
        other = Server(db, env)
        other.start()
        before = len(receiver.delivered())
        for n in range(30):
            target = server if n % 2 else other
            call(target, token, "POST", "/api/v1/tags", {"name": f"Burst {n}"}, 201)
        delivered = receiver.wait_for(before + 30, timeout=60)
        time.sleep(1.5)
        counts = Counter(d["webhook_id"] for d in receiver.delivered())
        twice = [k for k, v in counts.items() if v > 1]
        if twice or len(receiver.delivered()) != before + 30:
            problems.append(f"two instances: {len(receiver.delivered()) - before} deliveries for 30 events, "
                            f"{len(twice)} sent twice")
        print(f"two instances on one {args.backend} database: 30 events, "
              f"{len(receiver.delivered()) - before} deliveries, none twice")
    finally:
        for process in (server, other):
            if process:
                process.kill()
        if receiver:
            receiver.stop()
        db.drop()
    for problem in problems:
        print("PROBLEM:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
