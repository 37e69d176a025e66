#!/usr/bin/env python3
"""Login floods against a real release server (SQLite), from a second process.

1. A burst: 100 wrong passwords for one account, sent at once from one address. At most the
   per-(account, address) limit may be verified (401); every other answer is 429 with Retry-After.
2. A distributed flood: wrong passwords for the owner's account and for random e-mails, from
   thousands of forwarded addresses
   (the server trusts 127.0.0.1 as a proxy), while the owner logs in now and then from an address
   of their own, sending the device token of an earlier login. Every owner login must be answered
   200 (the known device has a hashing turn of its own); the flood's logins are answered 401, 429
   or 503 with Retry-After. The script prints how long the owner's logins took.

Exits non-zero when an invariant breaks; timings are printed, not asserted.

    scripts/login_flood.py [--seconds 8] [--flooders 64]
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sys
import threading
import time

from harness import EDITOR_EMAIL, EDITOR_PASSWORD, Database, Server, percentile


def login(port: int, email: str, password: str, forwarded_for: str | None = None, device_token: str | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json", "Connection": "close"}
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    try:
        body = {"email": email, "password": password}
        if device_token:
            body["device_token"] = device_token
        conn.request("POST", "/api/v1/auth/login", json.dumps(body), headers)
        response = conn.getresponse()
        answer = response.read()
        if response.status == 200 and device_token is None:
            return response.status, json.loads(answer)["device_token"]
        return response.status, response.getheader("Retry-After")
    finally:
        conn.close()


def burst(port: int) -> bool:
    barrier = threading.Barrier(100)
    answers: list[tuple[int, str | None]] = []
    lock = threading.Lock()

    def one() -> None:
        barrier.wait()
        answer = login(port, EDITOR_EMAIL, "a wrong password, again", "203.0.113.50")
        with lock:
            answers.append(answer)

    started = time.monotonic()
    threads = [threading.Thread(target=one) for _ in range(100)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    verified = sum(1 for status, _ in answers if status == 401)
    limited = [retry for status, retry in answers if status == 429]
    print(f"burst: 100 wrong passwords at once -> {verified} verified (401), {len(limited)} refused (429) in {elapsed:.2f}s")
    ok = verified <= 5 and verified + len(limited) == 100 and all(limited)
    if not ok:
        print(f"FAILED: answers {sorted(set(s for s, _ in answers))}, verified {verified}")
    return ok


def flood(port: int, seconds: float, flooders: int) -> bool:
    # The owner has logged in from this laptop before: it holds a device token.
    status, device_token = login(port, EDITOR_EMAIL, EDITOR_PASSWORD, "192.0.2.77")
    if status != 200:
        print(f"FAILED: the owner's first login answered {status}")
        return False
    stop = threading.Event()
    counts: dict[int, int] = {}
    lock = threading.Lock()

    def flooder(n: int) -> None:
        rng = random.Random(n)
        while not stop.is_set():
            address = f"10.{n}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            # Half the flood guesses the owner's password, half sprays unknown e-mails.
            email = EDITOR_EMAIL if n % 2 else f"nobody{rng.randrange(10**9)}@example.com"
            status, _ = login(port, email, "guess guess guess", address)
            with lock:
                counts[status] = counts.get(status, 0) + 1

    threads = [threading.Thread(target=flooder, args=(n,)) for n in range(flooders)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    owner: list[tuple[int, float, str | None]] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        status, retry = login(port, EDITOR_EMAIL, EDITOR_PASSWORD, "192.0.2.77", device_token)
        owner.append((status, time.monotonic() - started, retry))
        time.sleep(0.2)
    stop.set()
    for t in threads:
        t.join()
    served = [took for status, took, _ in owner if status == 200]
    busy = [retry for status, _, retry in owner if status == 503]
    total = sum(counts.values())
    print(
        f"flood: {flooders} clients, {total} wrong logins in {seconds:.0f}s "
        f"({', '.join(f'{k}: {v}' for k, v in sorted(counts.items()))})"
    )
    print(
        f"owner: {len(owner)} logins, {len(served)} answered 200 "
        f"(p50 {percentile(served, 50) * 1000:.0f} ms, p99 {percentile(served, 99) * 1000:.0f} ms, "
        f"max {max(served, default=float('nan')) * 1000:.0f} ms), {len(busy)} answered 503"
    )
    ok = bool(owner) and all(status == 200 for status, _, _ in owner)
    ok = ok and set(counts) <= {401, 429, 503}
    if not ok:
        print(f"FAILED: owner answers {sorted(set(s for s, _, _ in owner))}, flood answers {sorted(counts)}")
    return bool(ok)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--flooders", type=int, default=64)
    args = parser.parse_args()
    db = Database("sqlite")
    server = Server(
        db,
        {
            "DATELINE_TRUSTED_PROXIES": "127.0.0.1",
            "DATELINE_LOGIN_MAX_FAILURES_PER_ADDRESS": "1000000",
        },
    )
    try:
        server.start()
        server.editor_token()
        ok = burst(server.port) and flood(server.port, args.seconds, args.flooders)
    finally:
        server.stop()
        db.drop()
    print("login floods: OK" if ok else "login floods: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
