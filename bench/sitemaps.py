#!/usr/bin/env python3
"""Sitemaps and feeds at scale: on the datasets of bench/run.py (1,000,000 articles by default),
with the response cache off so that every request is built from the database, times

- the sitemap index (it probes the publication index once per month),
- the largest monthly sitemap (keyset reads in batches of 1,000; found by reading every month
  once), with its URL count and size,
- the News sitemap, and the site's RSS feed with full content,

each as the median and the slowest of --samples requests from a second process, and reports the
server's peak RSS.

    bench/sitemaps.py                                   # both backends, 1,000,000 articles
    bench/sitemaps.py --backends sqlite --sizes 10000 --binary target/release/dateline
"""

from __future__ import annotations

import argparse
import http.client
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import Dataset, Server, build  # noqa: E402


def fetch(port: int, path: str) -> tuple[int, bytes, float]:
    """One GET on a fresh connection: status, body, seconds."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    return response.status, body, time.perf_counter() - started


def timed(port: int, path: str, samples: int) -> tuple[float, float, bytes]:
    """Median and slowest time in ms over `samples` requests, and the last body."""
    times, body = [], b""
    for _ in range(samples):
        status, body, seconds = fetch(port, path)
        if status != 200:
            raise RuntimeError(f"{path}: {status} {body[:200]!r}")
        times.append(seconds * 1000)
    return statistics.median(times), max(times), body


def measure(server: Server, samples: int) -> list[str]:
    port = server.port
    rows = []
    p50, worst, index = timed(port, "/api/v1/sitemap.xml", samples)
    months = re.findall(rb"/sitemaps/articles/([0-9-]+\.xml)</loc>", index)
    rows.append(("sitemap index", f"{len(months)} monthly sitemaps", p50, worst, len(index)))
    # The largest month: read each once.
    sizes = {}
    for month in months:
        status, body, _ = fetch(port, f"/api/v1/sitemaps/articles/{month.decode()}")
        sizes[month.decode()] = (body.count(b"<url>"), status)
    largest = max(sizes, key=lambda m: sizes[m][0])
    p50, worst, body = timed(port, f"/api/v1/sitemaps/articles/{largest}", samples)
    rows.append((f"largest monthly sitemap ({largest})", f"{sizes[largest][0]:,} URLs", p50, worst, len(body)))
    status, body, _ = fetch(port, "/api/v1/sitemaps/news.xml")
    if status == 200:
        p50, worst, body = timed(port, "/api/v1/sitemaps/news.xml", samples)
        rows.append(("News sitemap (48 h)", f"{body.count(b'<url>'):,} URLs", p50, worst, len(body)))
    p50, worst, body = timed(port, "/api/v1/feeds/rss?content=full", samples)
    rows.append(("site RSS feed, full content", f"{body.count(b'<item>')} items", p50, worst, len(body)))
    return [f"| {name} | {what} | {p50:.1f} | {worst:.1f} | {size / 1024:,.0f} |" for name, what, p50, worst, size in rows]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--sizes", default="1000000")
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--binary", help="a release binary to use instead of building one")
    args = parser.parse_args()
    binary, _ = build(args.binary, ceiling=False)
    print("| backend | articles | document | size of it | p50 ms | slowest ms | KiB |")
    print("|---|---|---|---|---|---|---|")
    for backend in args.backends.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            dataset = Dataset(binary, backend, size, reseed=False)
            server = Server(dataset, cache=False)
            try:
                for line in measure(server, args.samples):
                    print(f"| {backend} | {size:,} {line}", flush=True)
            finally:
                rss = server.stop()
            print(f"| {backend} | {size:,} | peak RSS of the server | {rss:.0f} MB | | | |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
