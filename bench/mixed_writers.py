#!/usr/bin/env python3
"""The writers of bench/run.py's mixed-traffic scenario, in a process of their own.

bench/run.py starts this next to wrk (which does the reads) and sends it, as JSON on stdin:
{"port", "seconds", "slugs", "token", "comments_per_second", "save_every"}. For `seconds` it

- submits anonymous comments at `comments_per_second`, each on an article picked at random among
  `slugs`, each with a text of its own (so the duplicate check, if on, refuses none);
- saves an article as the editor every `save_every` seconds: GET with the token for its ETag,
  then PATCH of the summary with If-Match, as an editing client does;

and prints, as JSON on stdout, what the server answered to each. A separate process, so that
Python's own work (and its GIL) never slows wrk, and the writers keep their pace whatever the
reads do. Standard library only.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

# Comments are sent from a pool, so that a slow answer delays no later submission: the rate is
# the one asked for, whatever the server's latency (up to this many in flight).
COMMENT_WORKERS = 16
ACCEPTED = (201, 202)
# The editor's marker at the end of a summary; replaced by each save, so repeated runs on a
# kept dataset do not make summaries grow.
SAVE_MARK = re.compile(r" \[bench save \d+\]$")


def call(port: int, method: str, path: str, body=None, headers: dict[str, str] | None = None):
    """One request on a fresh connection: (status, parsed JSON or None, headers with lower-case
    names). A fresh connection, because a kept-alive one the server has closed meanwhile would
    fail a POST that never reached it, and retrying a POST could count a comment twice."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    sent = {"Connection": "close", **(headers or {})}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=payload, headers=sent)
        response = conn.getresponse()
        data = response.read()
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = None
        return response.status, parsed, {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Tally:
    """Answers of one writer: accepted ones (with the ids the server gave), refusals by status
    (or by exception name when no answer came), and latencies. Thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sent, self.ids, self.refused, self.latencies_ms = 0, [], Counter(), []

    def record(self, started: float, status: int | str, accepted: bool, id_: int | None = None) -> None:
        with self.lock:
            self.sent += 1
            self.latencies_ms.append((time.monotonic() - started) * 1000)
            if accepted:
                self.ids.append(id_)
            else:
                self.refused[str(status)] += 1

    def summary(self, seconds: float) -> dict:
        return {"sent": self.sent, "accepted": len(self.ids), "refused": dict(self.refused), "ids": self.ids,
                "per_second": self.sent / seconds if seconds else 0.0,
                "p50_ms": percentile(self.latencies_ms, 50), "p99_ms": percentile(self.latencies_ms, 99),
                "max_ms": max(self.latencies_ms, default=None)}


def submit_comment(port: int, slug: str, text: str, tally: Tally) -> None:
    started = time.monotonic()
    try:
        status, body, _ = call(port, "POST", f"/api/v1/articles/{slug}/comments",
                               {"author_name": "Bench Reader", "body": text})
    except (OSError, http.client.HTTPException) as e:
        tally.record(started, type(e).__name__, False)
        return
    accepted = status in ACCEPTED
    tally.record(started, status, accepted, body.get("id") if accepted and isinstance(body, dict) else None)


def comments(config: dict, start: float, tally: Tally) -> None:
    """Submissions on a fixed schedule (start + i / rate), not one after the other: a reader does
    not wait for another reader's comment to be stored before posting."""
    rng = random.Random(1)
    run = uuid.uuid4().hex[:12]
    interval = 1 / config["comments_per_second"]
    with ThreadPoolExecutor(COMMENT_WORKERS) as pool:
        i = 0
        while (due := start + i * interval) < start + config["seconds"]:
            time.sleep(max(0.0, due - time.monotonic()))
            text = f"Mixed traffic comment {i} of run {run}."
            pool.submit(submit_comment, config["port"], rng.choice(config["slugs"]), text, tally)
            i += 1


def save_article(port: int, token: str, slug: str, tally: Tally) -> None:
    """One editor's save: read the current version (with the token, so not from the public
    cache), change the summary, write it back conditionally on that version."""
    auth = {"Authorization": f"Bearer {token}"}
    started = time.monotonic()
    try:
        status, article, headers = call(port, "GET", f"/api/v1/articles/{slug}", headers=auth)
        if status != 200 or "etag" not in headers:
            tally.record(started, f"GET {status}", False)
            return
        summary = SAVE_MARK.sub("", article.get("summary") or "")[:1900]
        patch = {"summary": f"{summary} [bench save {time.time_ns()}]"}
        status, _, _ = call(port, "PATCH", f"/api/v1/articles/{slug}", patch,
                            {**auth, "If-Match": headers["etag"]})
    except (OSError, http.client.HTTPException) as e:
        tally.record(started, type(e).__name__, False)
        return
    tally.record(started, f"PATCH {status}", status == 200)


def editor(config: dict, start: float, tally: Tally) -> None:
    """Saves at start, start + every, ...: the newest articles first, as a newsroom updates
    its latest stories (they are also the ones on the first list page). One editor: a save
    that takes longer than the interval delays the next one."""
    k = 0
    while (due := start + k * config["save_every"]) < start + config["seconds"]:
        time.sleep(max(0.0, due - time.monotonic()))
        save_article(config["port"], config["token"], config["slugs"][k % len(config["slugs"])], tally)
        k += 1


def main() -> int:
    config = json.load(sys.stdin)
    comment_tally, save_tally = Tally(), Tally()
    start = time.monotonic()
    saver = threading.Thread(target=editor, args=(config, start, save_tally))
    saver.start()
    comments(config, start, comment_tally)
    saver.join()
    elapsed = time.monotonic() - start
    saves = save_tally.summary(config["seconds"])
    del saves["ids"]  # a save has no id of its own
    json.dump({"seconds": elapsed, "comments": comment_tally.summary(config["seconds"]), "saves": saves},
              sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
