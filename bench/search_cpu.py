#!/usr/bin/env python3
"""CPU time the server spends on one uncached search, per query: a figure that, unlike latency
under load, hardly moves with whatever else the machine is doing, so two builds can be compared
on a busy machine. Starts each binary given on an existing dataset (the response cache off),
sends each query a few times to warm it, then N times, one at a time, and divides the CPU time
spent by N: the server process's user + system time, plus, on PostgreSQL, that of every
`postgres` process on this machine (the database does most of the work there; run it where no
other database load is going on).

    bench/search_cpu.py --dataset bench/data/sqlite-zipf-100000.db \\
        --binary /path/to/dateline-before --binary /path/to/dateline-after
    bench/search_cpu.py --dataset postgres://postgres@127.0.0.1:5432/dateline_bench_zipf_100000 \\
        --binary /path/to/dateline-before --binary /path/to/dateline-after

Run older binaries first: a newer one migrates the dataset on start. Standard library only.
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import free_port  # noqa: E402
from run import wait_ready  # noqa: E402

QUERIES = ["border talks", "kenya vote", "energy crisis", "government officials", "foreign minister", "company profits"]
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def postgres_cpu_seconds() -> float:
    """CPU time of every PostgreSQL process on this machine (server, backends, workers)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # the process ended meanwhile
        if text.split("(", 1)[1].startswith("postgres)"):
            fields = text.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / TICK
    return total


def measure(binary: str, dataset: str, count: int) -> dict[str, float]:
    port = free_port()
    postgres = dataset.startswith("postgres://")
    url = dataset if postgres else f"sqlite://{Path(dataset).resolve()}"
    media = Path(__file__).resolve().parent / "data" / "media-search-cpu"
    env = {**os.environ, "DATABASE_URL": url, "DATELINE_LOG": "warn",
           "DATELINE_BIND": f"127.0.0.1:{port}", "DATELINE_RESPONSE_CACHE_MB": "0",
           "DATELINE_JWT_SECRET": "bench-secret-of-at-least-thirty-two-bytes",
           "DATELINE_MEDIA_DIR": str(media)}

    def spent() -> float:
        return cpu_seconds(server.pid) + (postgres_cpu_seconds() if postgres else 0.0)

    server = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(port)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        figures = {}
        for query in QUERIES:
            path = "/api/v1/search?q=" + query.replace(" ", "+")
            for _ in range(3):
                conn.request("GET", path)
                conn.getresponse().read()
            before = spent()
            for _ in range(count):
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    raise SystemExit(f"{path}: {response.status}")
            figures[query] = (spent() - before) / count * 1000
        return figures
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", required=True,
                        help="a SQLite file or a PostgreSQL URL, seeded by `dateline seed`")
    parser.add_argument("--binary", action="append", required=True, help="a release build (repeatable)")
    parser.add_argument("--count", type=int, default=80, help="searches per query and binary")
    args = parser.parse_args()
    print("| binary | " + " | ".join(f"`{q}`" for q in QUERIES) + " |")
    print("|---|" + "---|" * len(QUERIES))
    for binary in args.binary:
        figures = measure(binary, args.dataset, args.count)
        print(f"| {Path(binary).name} | " + " | ".join(f"{figures[q]:.1f} ms" for q in QUERIES) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
