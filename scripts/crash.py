#!/usr/bin/env python3
"""Crash safety: kill the server with SIGKILL while many clients write articles (with tags and
sources) and comments, restart it, and check that every write acknowledged with 2xx is there,
whole, and (SQLite) that the file passes PRAGMA integrity_check.

    scripts/crash.py --backend sqlite|postgres [--clients 8] [--seconds 4]

Prints the figures; exits non-zero if anything acknowledged is missing or half-written.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
import uuid

from harness import Database, Server, request

TAGS = [f"crash-tag-{n}" for n in range(12)]
SOURCES = [f"crash-source-{n}" for n in range(4)]


def taxonomy(port: int, token: str) -> None:
    assert request(port, "POST", "/api/v1/sections", {"name": "Crash", "slug": "crash"}, token)[0] == 201
    for slug in TAGS:
        assert request(port, "POST", "/api/v1/tags", {"name": slug, "slug": slug}, token)[0] == 201
    for slug in SOURCES:
        assert request(port, "POST", "/api/v1/sources", {"name": slug, "slug": slug}, token)[0] == 201
    body = {"headline": "Crash target", "slug": "crash-target", "section": "crash", "status": "published",
            "published_at": "2020-01-01T00:00:00Z"}
    assert request(port, "POST", "/api/v1/articles", body, token)[0] == 201


class Load:
    def __init__(self, port: int, token: str):
        self.port = port
        self.token = token
        self.lock = threading.Lock()
        self.sent = 0
        self.articles: dict[str, tuple[list[str], list[str]]] = {}
        self.comments: list[int] = []
        self.stop = threading.Event()

    def writer(self, worker: int) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            try:
                if n % 2:
                    self.write_article(worker, n)
                else:
                    self.write_comment(worker, n)
            except OSError:
                if self.stop.is_set():
                    return
                time.sleep(0.01)

    def write_article(self, worker: int, n: int) -> None:
        slug = f"crash-{worker}-{n}-{uuid.uuid4().hex[:6]}"
        tags = [TAGS[(n + i) % len(TAGS)] for i in range(3)]
        sources = [SOURCES[(n + i) % len(SOURCES)] for i in range(2)]
        body = {"headline": f"Crash {worker} {n}", "slug": slug, "section": "crash", "tags": tags,
                "sources": sources, "status": "published", "body": "<p>" + "x" * 2000 + "</p>"}
        with self.lock:
            self.sent += 1
        status, _, _ = request(self.port, "POST", "/api/v1/articles", body, self.token, timeout=5)
        if status == 201:
            with self.lock:
                self.articles[slug] = (tags, sources)

    def write_comment(self, worker: int, n: int) -> None:
        body = {"author_name": f"Reader {worker}", "body": f"Comment {worker}-{n} {uuid.uuid4().hex}"}
        with self.lock:
            self.sent += 1
        status, answer, _ = request(self.port, "POST", "/api/v1/articles/crash-target/comments", body, timeout=5)
        if status == 201:
            with self.lock:
                self.comments.append(answer["id"])


def verify(db: Database, load: Load) -> tuple[list[str], int, int]:
    """Problems found, and how many acknowledged articles and comments are stored."""
    problems = []
    rows = db.query(
        "SELECT a.slug, t.slug, at.position FROM articles a JOIN article_tags at ON at.article_id = a.id "
        "JOIN tags t ON t.id = at.tag_id"
    )
    tags: dict[str, list[tuple[int, str]]] = {}
    for slug, tag, position in rows:
        tags.setdefault(slug, []).append((int(position), tag))
    rows = db.query(
        "SELECT a.slug, s.slug, x.position FROM articles a JOIN article_sources x ON x.article_id = a.id "
        "JOIN sources s ON s.id = x.source_id"
    )
    sources: dict[str, list[tuple[int, str]]] = {}
    for slug, source, position in rows:
        sources.setdefault(slug, []).append((int(position), source))
    stored = {row[0] for row in db.query("SELECT slug FROM articles")}
    for slug, (want_tags, want_sources) in load.articles.items():
        if slug not in stored:
            problems.append(f"acknowledged article {slug} is missing")
            continue
        if [t for _, t in sorted(tags.get(slug, []))] != want_tags:
            problems.append(f"article {slug} has tags {tags.get(slug)}, expected {want_tags}")
        if [s for _, s in sorted(sources.get(slug, []))] != want_sources:
            problems.append(f"article {slug} has sources {sources.get(slug)}, expected {want_sources}")
    # No article at all may be half-written, acknowledged or not: every crash article has 3 tags
    # and 2 sources, or it does not exist.
    for slug in stored:
        if slug.startswith("crash-") and slug != "crash-target":
            if len(tags.get(slug, [])) != 3 or len(sources.get(slug, [])) != 2:
                problems.append(f"article {slug} is half-written: {tags.get(slug)} / {sources.get(slug)}")
    comment_ids = {int(row[0]) for row in db.query("SELECT id FROM comments")}
    missing = [c for c in load.comments if c not in comment_ids]
    found_articles = sum(1 for slug in load.articles if slug in stored)
    found_comments = len(load.comments) - len(missing)
    if missing:
        problems.append(f"{len(missing)} acknowledged comments are missing: {missing[:5]}")
    if db.backend == "sqlite":
        integrity = db.query("PRAGMA integrity_check")[0][0]
        print(f"  PRAGMA integrity_check: {integrity}")
        if integrity != "ok":
            problems.append(f"integrity_check: {integrity}")
    return problems, found_articles, found_comments


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=4)
    args = parser.parse_args()

    db = Database(args.backend)
    server = Server(db, {"DATELINE_DB_POOL_SIZE": "8"})
    try:
        server.cli("migrate")
        server.start()
        token = server.editor_token()
        taxonomy(server.port, token)
        load = Load(server.port, token)
        threads = [threading.Thread(target=load.writer, args=(w,), daemon=True) for w in range(args.clients)]
        for thread in threads:
            thread.start()
        time.sleep(args.seconds)
        server.kill()
        load.stop.set()
        for thread in threads:
            thread.join(timeout=10)
        killed_at_sent, acknowledged = load.sent, len(load.articles) + len(load.comments)

        server.start()
        problems, found_articles, found_comments = verify(db, load)
        status = request(server.port, "GET", "/api/v1/articles?per_page=1", timeout=5)[0]
        if status != 200:
            problems.append(f"the restarted server answers {status}")
        print(f"crash test on {args.backend}: {args.clients} clients for {args.seconds}s, then SIGKILL")
        print(f"  writes sent: {killed_at_sent}, acknowledged (2xx): {acknowledged} "
              f"({len(load.articles)} articles with 3 tags and 2 sources, {len(load.comments)} comments)")
        print(f"  found after restart: {found_articles} articles (whole), {found_comments} comments; "
              f"problems: {len(problems)}")
        for problem in problems[:20]:
            print("  PROBLEM:", problem)
        server.stop()
        return 1 if problems or acknowledged == 0 else 0
    finally:
        server.kill()
        db.drop()


if __name__ == "__main__":
    sys.exit(main())
