#!/usr/bin/env python3
"""Varnish with the xkey module in front of a release server, purged by Dateline.

Starts the server (DATELINE_PURGE_URLS pointing at Varnish) and Varnish on loopback with
deploy/varnish/dateline.vcl, then proves through Varnish:
1. repeated anonymous reads are hits, and tracked links (`utm_*`, `_`) hit the plain link's answer;
2. a write's purge makes the next read fresh within one second, and an answer the write did not
   touch stays a hit;
3. an answer to a request with a token (a draft read by its editor) is never cached;
4. a purge that fails (Varnish down) is retried until it is delivered;
5. a change that invalidates everything (a section renamed) purges every answer.

    scripts/varnish_purge.py --backend sqlite|postgres
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import Database, Server, free_port

ROOT = Path(__file__).resolve().parent.parent
METRICS_TOKEN = "varnish-check-metrics-token-0123456789"


def call(port: int, method: str, path: str, body=None, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=payload, headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        data = response.read()
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = data.decode(errors="replace")
        return response.status, parsed, {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()


class Varnish:
    """varnishd in the foreground on loopback, with our VCL pointed at the servers (one backend
    each, in its round-robin director)."""

    def __init__(self, *backend_ports: int, memory: str = "64m"):
        self.port = free_port()
        self.memory = memory
        self.dir = tempfile.mkdtemp(prefix="dateline-varnish-")
        vcl = (ROOT / "deploy" / "varnish" / "dateline.vcl").read_text()
        first, *others = backend_ports
        block = re.search(r"backend dateline1 \{.*?\n\}\n", vcl, re.S).group(0)
        extra = "".join(
            block.replace("dateline1", f"dateline{n}").replace('"8080"', f'"{port}"')
            for n, port in enumerate(others, start=2)
        )
        vcl = vcl.replace(block, block.replace('"8080"', f'"{first}"') + extra)
        adds = "".join(f"    instances.add_backend(dateline{n});\n" for n in range(2, len(backend_ports) + 1))
        vcl = vcl.replace("    instances.add_backend(dateline1);\n", "    instances.add_backend(dateline1);\n" + adds)
        self.vcl = Path(self.dir) / "dateline.vcl"
        self.vcl.write_text(vcl)
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(Path(self.dir) / "varnishd.log", "ab")
        self.process = subprocess.Popen(
            ["varnishd", "-F", "-j", "none", "-a", f"127.0.0.1:{self.port}", "-f", str(self.vcl),
             "-n", str(Path(self.dir) / "work"), "-s", f"malloc,{self.memory}"],
            stdout=log, stderr=log,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if call(self.port, "GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError("varnishd exited: " + (Path(self.dir) / "varnishd.log").read_text()[-2000:])
            time.sleep(0.1)
        raise RuntimeError("varnishd did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def through(varnish: Varnish, path: str, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    status, body, headers = call(varnish.port, "GET", path, headers=headers)
    return status, body, headers.get("x-cache")


def purges_sent(server: Server) -> tuple[int, int]:
    _, text, _ = call(server.port, "GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    counts = {"sent": 0, "failed": 0}
    for line in text.splitlines():
        for result in counts:
            if line.startswith(f'dateline_cache_purges_total{{result="{result}"}}'):
                counts[result] = int(float(line.split()[-1]))
    return counts["sent"], counts["failed"]


def purges_delivered(db: Database, timeout: float = 10) -> None:
    """Waits until Varnish has been sent every invalidation written so far."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        number = lambda v: int(v) if v not in (None, "") else None  # noqa: E731
        newest = number(db.query("SELECT max(id) FROM cache_invalidations")[0][0])
        cursor = number(db.query("SELECT max(last_id) FROM cache_purges")[0][0])
        if newest is None or (cursor is not None and cursor >= newest):
            return
        time.sleep(0.05)
    raise AssertionError("the purges of the set-up were not delivered")


def check(condition: bool, what: str) -> None:
    if not condition:
        raise AssertionError(what)
    print(f"  ok: {what}")


def fresh_after(varnish: Varnish, path: str, summary: str, limit: float) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        status, body, _ = through(varnish, path)
        if status == 200 and body.get("summary") == summary:
            return time.monotonic() - started
        time.sleep(0.01)
    return None


def save(server: Server, token: str, slug: str, change: dict) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    status, _, headers = call(server.port, "GET", f"/api/v1/articles/{slug}", headers=auth)
    assert status == 200, status
    status, body, _ = call(server.port, "PATCH", f"/api/v1/articles/{slug}", change, {**auth, "If-Match": headers["etag"]})
    assert status == 200, (status, body)


def run(backend: str) -> None:
    db = Database(backend)
    server = None
    varnish = None
    try:
        # The server needs Varnish's address first, Varnish the server's.
        varnish_port = free_port()
        server = Server(db, {
            "DATELINE_PURGE_URLS": f"http://127.0.0.1:{varnish_port}",
            "DATELINE_METRICS_TOKEN": METRICS_TOKEN,
        })
        server.start()
        varnish = Varnish(server.port)
        varnish.port = varnish_port
        varnish.start()
        token = server.editor_token()
        auth = {"Authorization": f"Bearer {token}"}
        status, _, _ = call(server.port, "POST", "/api/v1/sections", {"slug": "world-news", "name": "World News"}, auth)
        assert status == 201, status
        for slug in ("one", "two"):
            article = {"slug": slug, "headline": f"Story {slug}", "section": "world-news",
                       "status": "published", "summary": "first", "body": "<p>Body</p>"}
            status, body, _ = call(server.port, "POST", "/api/v1/articles", article, auth)
            assert status == 201, (status, body)
        print(f"varnish ({backend}): Varnish on :{varnish.port} in front of Dateline on :{server.port}")
        purges_delivered(db)

        for path in ("/api/v1/articles/one", "/api/v1/articles/two", "/api/v1/articles"):
            first = through(varnish, path)[2]
            second = through(varnish, path)[2]
            check((first, second) == ("MISS", "HIT"), f"{path}: a miss, then a hit")
        for tracked in ("/api/v1/articles/one?utm_source=newsletter&utm_medium=email",
                        "/api/v1/articles?_=1733140000", "/api/v1/articles?utm_campaign=x&_=2"):
            status, _, cache = through(varnish, tracked)
            check((status, cache) == (200, "HIT"), f"{tracked}: the plain link's cached answer")
        check(through(varnish, "/api/v1/articles?per_page=3&utm_source=x")[2] == "MISS",
              "a real parameter still makes its own answer")

        delays = []
        for n in range(10):
            summary = f"saved {n}"
            save(server, token, "one", {"summary": summary})
            delay = fresh_after(varnish, "/api/v1/articles/one", summary, 5)
            check(delay is not None and delay < 1.0, f"save {n} of `one` fresh through Varnish after {delay * 1000:.0f} ms")
            delays.append(delay)
        check(through(varnish, "/api/v1/articles/two")[2] == "HIT", "`two`, untouched by the saves, is still a hit")
        delays.sort()
        print(f"  purge to fresh read: median {delays[len(delays) // 2] * 1000:.0f} ms, max {delays[-1] * 1000:.0f} ms")

        draft = {"slug": "draft", "headline": "A draft", "section": "world-news", "summary": "secret"}
        status, _, _ = call(server.port, "POST", "/api/v1/articles", draft, auth)
        assert status == 201, status
        answers = [through(varnish, "/api/v1/articles/draft", token) for _ in range(3)]
        check(all(a[0] == 200 and a[2] == "MISS" for a in answers), "a draft read with a token is never cached")
        check(through(varnish, "/api/v1/articles/draft")[0] == 404, "and the public is not shown it")

        sent_before, failed_before = purges_sent(server)
        varnish.stop()
        save(server, token, "two", {"summary": "while Varnish was down"})
        deadline = time.monotonic() + 10
        while purges_sent(server)[1] == failed_before and time.monotonic() < deadline:
            time.sleep(0.1)
        check(purges_sent(server)[1] > failed_before, "the purge failed while Varnish was down")
        varnish.start()
        deadline = time.monotonic() + 60
        while purges_sent(server)[0] == sent_before and time.monotonic() < deadline:
            time.sleep(0.1)
        check(purges_sent(server)[0] > sent_before, "and was sent again once Varnish was back")

        purges_delivered(db)
        through(varnish, "/api/v1/articles/two")
        check(through(varnish, "/api/v1/articles/two")[2] == "HIT", "`two` cached again")
        status, _, headers = call(server.port, "GET", "/api/v1/sections/world-news", headers=auth)
        status, _, _ = call(server.port, "PATCH", "/api/v1/sections/world-news", {"name": "World"},
                            {**auth, "If-Match": headers["etag"]})
        assert status == 200, status
        deadline = time.monotonic() + 1
        missed = False
        while time.monotonic() < deadline and not missed:
            status, body, cache = through(varnish, "/api/v1/articles/two")
            missed = cache == "MISS" and body["section"]["name"] == "World"
            time.sleep(0.01)
        check(missed, "renaming a section purged every answer within a second")
    finally:
        if varnish:
            varnish.cleanup()
        if server:
            server.stop()
        db.drop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    try:
        run(args.backend)
    except AssertionError as e:
        print(f"FAILED: {e}")
        return 1
    print("varnish purge: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
