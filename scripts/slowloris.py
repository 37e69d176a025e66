#!/usr/bin/env python3
"""Slow clients: hundreds of connections trickle their headers or bodies a byte at a time while a
normal client keeps asking. The slow ones are cut off by the header and body timeouts; the
normal requests are answered all along. Prints the figures; exits non-zero if a normal request
failed or a slow connection was not cut off.

    scripts/slowloris.py [--slow-headers 200] [--slow-bodies 40] [--seconds 8]
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
import time

from harness import Database, Server, percentile, request

HEADER_TIMEOUT_MS = 2000
BODY_TIMEOUT_SECS = 3


def trickle_headers(port: int, results: list, stop: threading.Event) -> None:
    started = time.monotonic()
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.sendall(b"GET /api/v1/articles HTTP/1.1\r\nHost: localhost\r\n")
        while not stop.is_set():
            sock.sendall(b"X")  # a header that never ends
            time.sleep(0.5)
        results.append(("still open", time.monotonic() - started))
    except OSError:
        results.append(("cut off", time.monotonic() - started))


def trickle_body(port: int, slug: str, results: list, stop: threading.Event) -> None:
    started = time.monotonic()
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.sendall(
            f"POST /api/v1/articles/{slug}/comments HTTP/1.1\r\nHost: localhost\r\n"
            "Content-Type: application/json\r\nContent-Length: 4000\r\n\r\n".encode()
        )
        sock.settimeout(0.5)
        while not stop.is_set():
            try:
                answer = sock.recv(4096)
            except socket.timeout:
                sock.sendall(b" ")
                continue
            status = answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/1.1") else "closed"
            results.append((status, time.monotonic() - started))
            return
        results.append(("still open", time.monotonic() - started))
    except OSError:
        results.append(("cut off", time.monotonic() - started))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--slow-headers", type=int, default=200)
    parser.add_argument("--slow-bodies", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=8)
    args = parser.parse_args()

    db = Database("sqlite")
    server = Server(db, {
        "DATELINE_HEADER_TIMEOUT_MS": str(HEADER_TIMEOUT_MS),
        "DATELINE_BODY_TIMEOUT_SECS": str(BODY_TIMEOUT_SECS),
    })
    try:
        server.cli("seed", "--articles", "100")
        server.start()
        _, listing, _ = request(server.port, "GET", "/api/v1/articles?per_page=1")
        slug = listing["data"][0]["slug"]

        stop = threading.Event()
        header_results: list = []
        body_results: list = []
        threads = [threading.Thread(target=trickle_headers, args=(server.port, header_results, stop), daemon=True)
                   for _ in range(args.slow_headers)]
        threads += [threading.Thread(target=trickle_body, args=(server.port, slug, body_results, stop), daemon=True)
                    for _ in range(args.slow_bodies)]
        for thread in threads:
            thread.start()

        latencies, failures = [], 0
        deadline = time.monotonic() + args.seconds
        while time.monotonic() < deadline:
            began = time.monotonic()
            try:
                status = request(server.port, "GET", f"/api/v1/articles/{slug}", timeout=5)[0]
            except OSError:
                status = 0
            latencies.append((time.monotonic() - began) * 1000)
            failures += status != 200
            time.sleep(0.02)
        stop.set()
        for thread in threads:
            thread.join(timeout=5)

        header_cut = [t for outcome, t in header_results if outcome == "cut off"]
        body_cut = [t for outcome, t in body_results if outcome in ("408", "cut off", "closed")]
        print(f"slow clients: {args.slow_headers} trickling headers, {args.slow_bodies} trickling bodies, "
              f"for {args.seconds}s (header timeout {HEADER_TIMEOUT_MS} ms, body timeout {BODY_TIMEOUT_SECS} s)")
        print(f"  normal requests: {len(latencies)}, failed: {failures}, "
              f"p50 {percentile(latencies, 50):.1f} ms, p99 {percentile(latencies, 99):.1f} ms, "
              f"max {max(latencies):.1f} ms")
        print(f"  slow-header connections cut off: {len(header_cut)}/{args.slow_headers}, "
              f"after {percentile(header_cut, 50):.1f}s (median)")
        print(f"  slow-body requests answered 408 or cut off: {len(body_cut)}/{args.slow_bodies}, "
              f"after {percentile(body_cut, 50):.1f}s (median); outcomes: {sorted({o for o, _ in body_results})}")
        server.stop()
        ok = (failures == 0 and len(header_cut) == args.slow_headers and len(body_cut) == args.slow_bodies
              and percentile(latencies, 99) < 1000)
        return 0 if ok else 1
    finally:
        server.kill()
        db.drop()


if __name__ == "__main__":
    sys.exit(main())
