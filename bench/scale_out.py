#!/usr/bin/env python3
"""Scale-out benchmarks on PostgreSQL: Varnish in front, two instances, a streaming replica.

1. Through Varnish: article reads rotating over 1,000 slugs (wrk -t2), all cached, through
   Varnish (deploy/varnish/dateline.vcl), next to the same reads straight from one Dateline
   instance (its in-process cache) and the static ceiling (bench/ceiling's `/static`: a fixed
   4 KB body from memory), in one run.
2. Two instances behind Varnish (its round-robin director), over one PostgreSQL primary with a
   real streaming replica (pg_basebackup, as scripts/replica.py) serving their anonymous reads,
   each instance purging Varnish by Surrogate-Key: bench/run.py's mixed traffic (article, list,
   section and related reads through Varnish while bench/mixed_writers.py posts 20 comments a
   second and an editor saves an article every 2 s, also through Varnish), next to the same
   reads without writers. Reports throughput, p99, Varnish's hit ratio, where the instances'
   database reads ran, comments lost and saves answered. Reads send `Accept-Encoding: gzip`, as
   browsers do.

    bench/scale_out.py [--binary PATH] [--size 10000] [--connections 32] [--seconds 10]

Needs wrk, varnish and varnish-modules (Debian), the PostgreSQL server on 127.0.0.1:5432, and
root (the standby runs as the postgres user). The dataset is bench/run.py's
dateline_bench_<size>. Results: Markdown on stdout and in bench/results/scale-out-<time>.md.
"""

from __future__ import annotations

import argparse
import datetime
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))
from harness import free_port  # noqa: E402
from replica import Standby, reads_by_target  # noqa: E402
from run import (  # noqa: E402
    METRICS_TOKEN, RESULTS, WARM_UP_SECONDS, Dataset, Server, build, editor_token, finish_writers, mixed_paths,
    rotate, start_writers, stored_comment_ids, targets, wait_ready, wrk,
)
from varnish_purge import Varnish  # noqa: E402



def varnish_counters(varnish: Varnish) -> dict[str, int]:
    out = subprocess.run(
        ["varnishstat", "-n", str(Path(varnish.dir) / "work"), "-1", "-f", "MAIN.cache_hit", "-f", "MAIN.cache_miss",
         "-f", "MAIN.s_pass"],
        capture_output=True, text=True, check=True,
    ).stdout
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^MAIN\.(\w+)\s+(\d+)", out, re.M)}


def line(name: str, r: dict, extra: str = "") -> str:
    return f"| {name} | {r['rps']:,.0f} req/s | {r['p50']:.2f} ms | {r['p99']:.2f} ms | {r['errors']} | {extra} |"


def through_varnish(bin_: str, ceiling_bin: str, dataset: Dataset, connections: int, seconds: int) -> list[str]:
    print("== 1. cached article reads: ceiling, Dateline, Varnish", flush=True)
    rows = ["| reads | throughput | p50 | p99 | errors | note |", "|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        ceiling = subprocess.Popen([ceiling_bin, f"127.0.0.1:{port}", f"{tmp}/ceiling.db"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_ready(port, "/static")
            static = wrk(f"http://127.0.0.1:{port}", rotate(["/static"]), connections, seconds)
        finally:
            ceiling.terminate()
            ceiling.wait()
    rows.append(line("static ceiling (`/static`, 4 KB from memory)", static, "100%"))
    print(rows[-1], flush=True)
    server = Server(dataset, cache=True, extra_env={})
    varnish = Varnish(server.port, memory="256m")
    try:
        varnish.start()
        t = targets(server.port)
        paths = [f"/api/v1/articles/{s}" for s in t["slugs"]]
        # Without Accept-Encoding (as wrk sends) and with gzip (as every browser does): Varnish
        # keeps answers gzipped and unzips them for a client that does not take gzip.
        for encoding, headers in [("identity", {}), ("gzip", {"Accept-Encoding": "gzip"})]:
            script = rotate(paths, headers)
            wrk(server.url(), script, connections, WARM_UP_SECONDS)
            direct = wrk(server.url(), script, connections, seconds)
            rows.append(line(f"Dateline directly (in-process cache), {encoding}", direct,
                             f"{direct['rps'] / static['rps']:.0%} of static"))
            print(rows[-1], flush=True)
            proxy = f"http://127.0.0.1:{varnish.port}"
            wrk(proxy, script, connections, WARM_UP_SECONDS)
            before = varnish_counters(varnish)
            cached = wrk(proxy, script, connections, seconds)
            after = varnish_counters(varnish)
            hits = after["cache_hit"] - before["cache_hit"]
            lookups = hits + after["cache_miss"] - before["cache_miss"]
            rows.append(line(f"through Varnish (hits), {encoding}", cached,
                             f"{cached['rps'] / static['rps']:.0%} of static; Varnish hit ratio {hits / max(lookups, 1):.1%}"))
            print(rows[-1], flush=True)
    finally:
        varnish.cleanup()
        server.stop()
    return rows


def two_instances(bin_: str, dataset: Dataset, connections: int, seconds: int) -> list[str]:
    print("== 2. two instances behind Varnish, one primary and a streaming replica, mixed traffic", flush=True)
    standby = Standby()
    servers: list[Server] = []
    varnish = None
    rows = []
    try:
        standby.create()
        standby.start()
        replica_url = f"postgres://postgres@127.0.0.1:{standby.port}/{dataset.name}"
        varnish_port = free_port()
        env = {"DATABASE_REPLICA_URLS": replica_url, "DATELINE_PURGE_URLS": f"http://127.0.0.1:{varnish_port}"}
        servers = [Server(dataset, cache=True, extra_env=env) for _ in range(2)]
        varnish = Varnish(*(s.port for s in servers), memory="256m")
        varnish.port = varnish_port
        varnish.start()
        for server in servers:
            wait_ready(server.port, "/readyz")
        time.sleep(2)  # the first replica checks
        t = targets(servers[0].port)
        token = editor_token(servers[0].port)
        script = rotate(mixed_paths(t), {"Accept-Encoding": "gzip"})
        proxy = f"http://127.0.0.1:{varnish.port}"
        wrk(proxy, script, connections, WARM_UP_SECONDS)
        alone = wrk(proxy, script, connections, seconds)
        reads_before = [reads_by_target(s, METRICS_TOKEN) for s in servers]
        before = varnish_counters(varnish)
        writers = start_writers(varnish.port, seconds, t["slugs"], token)
        try:
            mixed = wrk(proxy, script, connections, seconds)
        finally:
            written = finish_writers(writers, seconds)
        after = varnish_counters(varnish)
        reads_after = [reads_by_target(s, METRICS_TOKEN) for s in servers]
        comments, saves = written["comments"], written["saves"]
        stored = stored_comment_ids(servers[0].port, token, comments["ids"])
        lost = sum(1 for i in comments["ids"] if i not in stored)
        hits = after["cache_hit"] - before["cache_hit"]
        lookups = hits + after["cache_miss"] - before["cache_miss"]
        on = {}
        for b, a in zip(reads_before, reads_after):
            for target, n in a.items():
                kind = "primary" if target == "primary" else "replica"
                on[kind] = on.get(kind, 0) + n - b.get(target, 0)
        rows = [
            "| phase | throughput | p50 | p99 | errors | note |", "|---|---|---|---|---|---|",
            line("reads through Varnish, no writers", alone),
            line("mixed: same reads with writers", mixed,
                 f"{mixed['rps'] / alone['rps']:.0%} of no writers; Varnish hit ratio {hits / max(lookups, 1):.1%}"),
            "",
            f"During the mixed phase the instances' database reads ran {on.get('replica', 0):,} times on the replica "
            f"and {on.get('primary', 0):,} times on the primary; comments: {comments['accepted']} of "
            f"{comments['sent']} accepted (refused: {comments['refused'] or 'none'}; p50 {comments['p50_ms']:.1f} ms, "
            f"p99 {comments['p99_ms']:.1f} ms), {lost} accepted but lost; saves: {saves['accepted']} of "
            f"{saves['sent']} (refused: {saves['refused'] or 'none'}; p50 {saves['p50_ms']:.1f} ms).",
        ]
        for row in rows:
            print(row, flush=True)
    finally:
        if varnish:
            varnish.cleanup()
        for server in servers:
            server.stop()
        standby.remove()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", help="a release build of dateline to use instead of building one")
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--only", choices=["varnish", "instances"])
    args = parser.parse_args()
    bin_, ceiling_bin = build(args.binary, ceiling=args.only != "instances")
    dataset = Dataset(bin_, "postgres", args.size, reseed=False)
    out = [f"# Scale-out run {datetime.datetime.now():%Y-%m-%d %H:%M}", "",
           f"PostgreSQL, {args.size:,} articles, wrk -t2 -c{args.connections}, {args.seconds} s per figure.", ""]
    if args.only != "instances":
        out += through_varnish(bin_, ceiling_bin, dataset, args.connections, args.seconds) + [""]
    if args.only != "varnish":
        out += two_instances(bin_, dataset, args.connections, args.seconds)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"scale-out-{datetime.datetime.now():%Y%m%d-%H%M%S}.md"
    path.write_text("\n".join(out) + "\n")
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
