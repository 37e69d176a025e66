#!/usr/bin/env python3
"""Database faults: restart PostgreSQL under load. Only requests made while the database is
down may fail, and only with 503 (problem+json, Retry-After); the service recovers by itself,
without a restart, and the time to its first success after PostgreSQL is back is reported.

    scripts/pg_restart.py [--clients 6] [--before 3] [--after 8]

Needs to run as a user allowed to run `pg_ctlcluster` (root on the CI machine).
"""

from __future__ import annotations

import argparse
import glob
import os
import subprocess
import sys
import threading
import time

from harness import Database, Server, percentile, request


def cluster_version() -> str:
    versions = sorted(os.path.basename(p) for p in glob.glob("/etc/postgresql/*"))
    if not versions:
        raise SystemExit("no PostgreSQL cluster under /etc/postgresql")
    return versions[-1]


def pg(action: str) -> None:
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster_version(), "main", action],
                   check=True, capture_output=True)


def pg_ready() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"]).returncode == 0


class Load:
    def __init__(self, port: int, slugs: list[str]):
        self.port = port
        self.slugs = slugs
        self.results: list[tuple[float, int | str, bool]] = []  # (time, status, retry-after given)
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def run(self, worker: int) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            slug = self.slugs[(worker * 31 + n) % len(self.slugs)]
            try:
                if n % 3 == 0:
                    body = {"author_name": "Reader", "body": f"During the restart {worker}-{n}"}
                    status, _, headers = request(self.port, "POST", f"/api/v1/articles/{slug}/comments", body, timeout=5)
                else:
                    status, _, headers = request(self.port, "GET", f"/api/v1/articles/{slug}", timeout=5)
                outcome = (time.monotonic(), status, "Retry-After" in headers or "retry-after" in headers)
            except OSError as err:
                outcome = (time.monotonic(), type(err).__name__, False)
            with self.lock:
                self.results.append(outcome)
            time.sleep(0.005)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--before", type=float, default=3)
    parser.add_argument("--after", type=float, default=8)
    args = parser.parse_args()

    db = Database("postgres")
    server = Server(db, {"DATELINE_DB_POOL_TIMEOUT_MS": "1000", "DATELINE_DB_POOL_SIZE": "6"})
    try:
        server.cli("seed", "--articles", "200")
        server.start()
        status, listing, _ = request(server.port, "GET", "/api/v1/articles?per_page=50")
        slugs = [item["slug"] for item in listing["data"]]
        load = Load(server.port, slugs)
        threads = [threading.Thread(target=load.run, args=(w,), daemon=True) for w in range(args.clients)]
        for thread in threads:
            thread.start()
        time.sleep(args.before)
        down_at = time.monotonic()
        pg("stop")
        time.sleep(2)
        pg("start")
        while not pg_ready():
            time.sleep(0.05)
        back_at = time.monotonic()
        time.sleep(args.after)
        load.stop.set()
        for thread in threads:
            thread.join(timeout=10)
        still_alive = server.process.poll() is None

        results = sorted(load.results)
        ok = [r for r in results if isinstance(r[1], int) and 200 <= r[1] < 300]
        failed = [r for r in results if not (isinstance(r[1], int) and 200 <= r[1] < 300)]
        first_success = next((t for t, s, _ in results if t > back_at and isinstance(s, int) and s < 300), None)
        recovery = (first_success - back_at) if first_success else None
        # Outside [down, back + recovery] nothing may fail; inside, only 503 with Retry-After.
        settle = back_at + (recovery or 0) + 0.5
        outside = [r for r in failed if r[0] < down_at or r[0] > settle]
        wrong_kind = [r for r in failed if r[1] != 503 or not r[2]]
        print("PostgreSQL restart under load")
        print(f"  requests: {len(results)}, succeeded: {len(ok)}, failed: {len(failed)} "
              f"(statuses: {sorted({str(r[1]) for r in failed})})")
        print(f"  database down for {back_at - down_at:.2f}s; failures outside the outage: {len(outside)}; "
              f"failures other than 503 with Retry-After: {len(wrong_kind)}")
        print(f"  time to first success after PostgreSQL was back: "
              f"{'never' if recovery is None else f'{recovery * 1000:.0f} ms'}; server still running: {still_alive}")
        if ok:
            latencies_ok = len(ok)
            print(f"  successes after recovery: {sum(1 for r in ok if r[0] > settle)} of {latencies_ok}")
        server.stop()
        return 0 if still_alive and recovery is not None and recovery < 10 and not outside and not wrong_kind else 1
    finally:
        if not pg_ready():
            pg("start")
        server.kill()
        db.drop()


if __name__ == "__main__":
    sys.exit(main())
