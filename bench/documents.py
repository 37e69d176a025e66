#!/usr/bin/env python3
"""What stored documents cost and how fast they come back after a wide change.

On a dataset of bench/run.py (seeded, with the bench editor), for one build:

1. storage: the database's size and the documents' share of it;
2. `dateline documents rebuild` on the whole archive: articles rendered per second (one process);
3. a narrow write (a tag on a few articles changed) and a wide one (a section, which every
   document's breadcrumb and section tree show): each write's latency, then, for the wide one, how long until the server's
   background renderer has rendered every document again (from /metrics), while no stale
   document is ever served (reads take the live path meanwhile).

    bench/documents.py --binary target/release/dateline --backend sqlite --size 10000
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import subprocess
import time

from run import DATA, METRICS_TOKEN, Dataset, Server, editor_token
from harness import psql, request


def metric(port: int, name: str) -> float:
    _, text, _ = request(port, "GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


def storage(dataset: Dataset) -> tuple[float, float, int]:
    """(database MB, documents MB, documents) for the dataset."""
    if dataset.backend == "sqlite":
        with sqlite3.connect(dataset.path) as conn:
            pages, size = conn.execute("PRAGMA page_count").fetchone()[0], conn.execute("PRAGMA page_size").fetchone()[0]
            docs = conn.execute("SELECT count(*) FROM article_documents").fetchone()[0]
            try:
                used = conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name = 'article_documents'").fetchone()[0]
            except sqlite3.OperationalError:  # a SQLite without the dbstat table
                used = conn.execute("SELECT sum(length(detail) + length(summary) + length(detail_keys) "
                                    "+ length(summary_keys) + 40) FROM article_documents").fetchone()[0]
        return pages * size / 1e6, (used or 0) / 1e6, docs
    total = float(psql(f"SELECT pg_database_size('{dataset.name}')", dataset.name))
    docs_size = float(psql("SELECT pg_total_relation_size('article_documents')", dataset.name))
    docs = int(psql("SELECT count(*) FROM article_documents", dataset.name))
    return total / 1e6, docs_size / 1e6, docs


def count(dataset: Dataset, sql: str) -> int:
    if dataset.backend == "sqlite":
        with sqlite3.connect(dataset.path) as conn:
            return conn.execute(sql).fetchone()[0]
    return int(psql(sql, dataset.name))


def timed(port: int, method: str, path: str, token: str, body: dict) -> float:
    started = time.monotonic()
    status, answer, _ = request(port, method, path, body, token=token, headers={"If-Match": "*"})
    if status != 200:
        raise RuntimeError(f"{method} {path}: {status} {answer}")
    return (time.monotonic() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--size", type=int, default=10000)
    args = parser.parse_args()
    dataset = Dataset(args.binary, args.backend, args.size, reseed=False)
    started = time.monotonic()
    out = subprocess.run([args.binary, "documents", "rebuild"], env=dataset.env(), check=True,
                         capture_output=True, text=True).stdout.strip()
    print(f"- `dateline documents rebuild` ({args.backend}, {args.size:,} articles): {out} "
          f"({time.monotonic() - started:.1f} s with start-up)")
    database_mb, docs_mb, docs = storage(dataset)
    print(f"- storage: database {database_mb:,.0f} MB, of which stored documents {docs_mb:,.0f} MB "
          f"({docs:,} documents, {docs_mb * 1e6 / max(docs, 1) / 1e3:.1f} KB each)")
    server = Server(dataset, cache=False)
    try:
        port = server.port
        token = editor_token(port)
        _, tags, _ = request(port, "GET", "/api/v1/tags?per_page=100")
        narrow = tags["data"][-1]["slug"]
        _, listed, _ = request(port, "GET", f"/api/v1/articles?tag={narrow}&per_page=1&total=true")
        ms = timed(port, "PATCH", f"/api/v1/tags/{narrow}", token, {"description": f"Renamed {time.time()}"})
        print(f"- narrow write: tag `{narrow}` ({listed['meta']['total']:,} public articles) changed in {ms:.1f} ms "
              f"(their documents marked stale in the write)")
        rendered = metric(port, "dateline_stored_documents_rendered_total")
        time.sleep(1)
        rendered = metric(port, "dateline_stored_documents_rendered_total")
        _, sections, _ = request(port, "GET", "/api/v1/sections?per_page=100")
        section = sections["data"][0]["slug"]
        ms = timed(port, "PATCH", f"/api/v1/sections/{section}", token, {"description": f"Section, {time.time()}"})
        changed = time.monotonic()
        public = count(dataset, "SELECT count(*) FROM articles WHERE status = 'published' AND deleted_at IS NULL")
        print(f"- wide write: section `{section}` changed in {ms:.1f} ms (in every article's breadcrumb: the "
              f"generation moves on, one row written)")
        while True:
            time.sleep(0.5)
            now = metric(port, "dateline_stored_documents_rendered_total")
            if now - rendered >= public:
                break
            if time.monotonic() - changed > 3600:
                raise RuntimeError("not re-rendered within an hour")
        elapsed = time.monotonic() - changed
        print(f"- every document rendered again by the server's background renderer {elapsed:.1f} s after the "
              f"wide write ({public / elapsed:,.0f} articles/s, idle server; reads were live meanwhile)")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
