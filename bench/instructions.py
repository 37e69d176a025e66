#!/usr/bin/env python3
"""CPU instructions one request costs the server, counted by valgrind's callgrind.

wrk's figures on this 2-core machine move by 10-20% from one run to the next, more than many
changes to a hot path are worth. Instructions do not: callgrind counts them the same for the same
binary and inputs whatever else the machine is doing. This starts a release build under
callgrind on an already seeded SQLite dataset (bench/run.py seeds them), asks each path N times
in turn over one keep-alive connection, stops the server and reads the total; it does so twice,
with a few requests and with many, so that the difference divided by the extra requests is the
cost of one request alone (start-up, migrations and background work cancel out).

    bench/instructions.py --binary target/release/dateline "/api/v1/articles?section=world-news" /api/v1/articles
    bench/instructions.py --binary old --binary new /api/v1/articles    # builds side by side

Needs valgrind (Debian: apt-get install -y valgrind). The response cache is off, so every
request is answered from the database; the figure covers the whole server (HTTP, middleware,
queries, JSON), not the kernel's side of the sockets.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"


def total_instructions(binary: str, size: int, path: str, requests: int) -> int:
    """Instructions the server ran, start to stop, answering `path` `requests` times."""
    with tempfile.TemporaryDirectory() as tmp:
        port = 20000 + os.getpid() % 10000
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite://{DATA / f'sqlite-{size}.db'}",
            "DATELINE_MEDIA_DIR": str(DATA / f"media-sqlite-{size}"),
            "DATELINE_BIND": f"127.0.0.1:{port}",
            "DATELINE_JWT_SECRET": "bench-secret-of-at-least-thirty-two-bytes",
            "DATELINE_RESPONSE_CACHE_MB": "0",
            "DATELINE_WORKERS": "1",
            "DATELINE_LOG": "warn",
        }
        out = Path(tmp) / "callgrind.out"
        server = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary, "serve"],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_ready(server, port)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            for _ in range(requests):
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    raise SystemExit(f"{path} answered {response.status}")
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=300)
        return sum(read_total(f) for f in Path(tmp).glob("callgrind.out*"))


def wait_ready(server: subprocess.Popen, port: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server exited while starting (is the dataset seeded? run bench/run.py first)")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not answer in time")


def read_total(output: Path) -> int:
    """The instruction total of one callgrind output file (one per thread part, if split)."""
    for line in output.read_text().splitlines():
        if line.startswith(("totals:", "summary:")):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", help="paths to ask, each answering 200")
    parser.add_argument("--binary", action="append", required=True, help="a release build (repeat to compare)")
    parser.add_argument("--size", type=int, default=10000, help="the seeded SQLite dataset (articles)")
    parser.add_argument("--few", type=int, default=100)
    parser.add_argument("--many", type=int, default=500)
    args = parser.parse_args()
    print("| path | build | instructions per request |")
    print("|---|---|---|")
    for path in args.paths:
        for binary in args.binary:
            few = total_instructions(binary, args.size, path, args.few)
            many = total_instructions(binary, args.size, path, args.many)
            per_request = (many - few) / (args.many - args.few)
            print(f"| `{path}` | {Path(binary).name} | {per_request:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
