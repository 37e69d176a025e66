#!/usr/bin/env python3
"""Dateline's benchmark suite: one command.

Builds release, generates the datasets with `dateline seed`, starts the server, and drives it
with wrk from a second process, for each public scenario, at each concurrency, on each backend
and dataset size, with the response cache on and off; measures the reference server in
bench/ceiling in the same run and reports every figure as a ratio to its ceilings. Each read
scenario is warmed up for 2 s (not measured) before its figures are taken.

    bench/run.py                                  # the whole matrix (about an hour on 2 cores)
    bench/run.py --backends sqlite --sizes 10000 --seconds 5   # a quick look
    bench/run.py --mixed --binary target/release/dateline --backends sqlite --sizes 10000
    bench/run.py --no-ceiling --caches off --profile bench/results/profiles ...   # where the CPU goes (perf)

The mixed-traffic scenario (in the matrix with the cache on; --mixed runs it alone): wrk reads
in turn an article, the first list page, a section page and an article's related articles, over
1,000 articles, while bench/mixed_writers.py, in a second process, posts 20 comments a second and
an editor saves an article every 2 s. Its figures: read throughput and p99 next to those of the
same reads without writers (measured just before), the response-cache hit ratio (from /metrics),
and for each writer what the server answered; for comments, how many it accepted but lost.

Needs wrk (Debian: apt-get install -y wrk) and, for PostgreSQL, the server on 127.0.0.1:5432.
Datasets are kept in bench/data (SQLite files) and in databases named dateline_bench_<size>, so
a second run does not seed again (--reseed to force it). Results: a Markdown table on stdout
and in bench/results/<time>.md.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from harness import PG_SERVER, free_port, psql, request  # noqa: E402

DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
EDITOR = ("bench-editor@example.com", "bench editor passphrase")
WARM_UP_SECONDS = 2
METRICS_TOKEN = "bench-metrics-token-of-some-length"
MIXED = "mixed traffic"
ARTICLE_SAVE = "article save (editor, 200 articles in turn)"
MIXED_READS = "mixed reads, no writers"
COMMENTS_PER_SECOND = 20
SAVE_EVERY_SECONDS = 2


def target_dir() -> Path:
    return Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))


def build(binary: str | None, ceiling: bool) -> tuple[str, str | None]:
    """The server binary (the one given, else a fresh release build) and, when this run measures
    it, the ceiling server's: a given binary is used as it is, to compare builds of two commits
    without rebuilding, or while someone else uses the target directory."""
    if binary:
        if not os.access(binary, os.X_OK):
            raise SystemExit(f"--binary {binary}: not an executable file")
        dateline = str(Path(binary).resolve())
    else:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        dateline = str(target_dir() / "release" / "dateline")
    if not ceiling:
        return dateline, None
    env = {**os.environ, "CARGO_TARGET_DIR": str(target_dir())}
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT / "bench" / "ceiling", env=env, check=True)
    return dateline, str(target_dir() / "release" / "dateline-ceiling")


def wait_ready(port: int, path: str = "/healthz", timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if request(port, "GET", path)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("server did not start")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ---------------------------------------------------------------- wrk

LUA_ROTATE = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1], %s)
end
"""

LUA_POST = """
counter = 0
request = function()
  counter = counter + 1
  local body = %s
  return wrk.format("POST", "%s", {["Content-Type"] = "application/json"}, body)
end
"""


# An editor saving articles in turn (a new summary each time; `If-Match: *` as a tool that has just
# read the article would send its ETag).
LUA_SAVE = """
counter = 0
paths = {%s}
request = function()
  counter = counter + 1
  local body = '{"summary":"Bench summary ' .. counter .. '"}'
  local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer %s", ["If-Match"] = "*"}
  return wrk.format("PATCH", paths[(counter %% #paths) + 1], headers, body)
end
"""


def lua_headers(headers: dict[str, str]) -> str:
    if not headers:
        return "nil"
    return "{" + ", ".join(f'["{k}"] = {json.dumps(v)}' for k, v in headers.items()) + "}"


def wrk(url: str, script: str, connections: int, seconds: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
        lua = f.name
    try:
        out = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s", "-s", lua, url],
            capture_output=True, text=True, check=True,
        ).stdout
    finally:
        os.unlink(lua)
    return parse_wrk(out)


def to_ms(value: str) -> float:
    number = float(re.match(r"[\d.]+", value).group())
    unit = value[len(re.match(r"[\d.]+", value).group()):]
    return number * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}.get(unit, 1)


def parse_wrk(out: str) -> dict:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    p50 = to_ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = to_ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    socket = 0
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        socket = sum(int(x) for x in m.groups())
    return {"rps": rps, "p50": p50, "p99": p99, "errors": non2xx + socket, "requests": total, "non2xx": non2xx}


# ---------------------------------------------------------------- datasets and servers

def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


class Dataset:
    """A seeded database, reused by later runs. It is seeded under a temporary name and renamed
    when complete, so an interrupted seed is never mistaken for a finished one."""

    def __init__(self, bin_: str, backend: str, size: int, reseed: bool, tag: str = ""):
        self.bin, self.backend, self.size = bin_, backend, size
        if backend == "sqlite":
            DATA.mkdir(parents=True, exist_ok=True)
            self.path = DATA / f"sqlite{tag}-{size}.db"
            if reseed:
                remove_sqlite(self.path)
            if not self.path.exists():
                final, self.path = self.path, DATA / f"sqlite{tag}-{size}.partial.db"
                remove_sqlite(self.path)
                self.url = f"sqlite://{self.path}"
                self.seed()
                # The seed has exited, so SQLite has checkpointed its WAL; move any leftovers too.
                for suffix in ("-wal", "-shm", ""):
                    if Path(f"{self.path}{suffix}").exists():
                        Path(f"{self.path}{suffix}").rename(f"{final}{suffix}")
                self.path = final
            self.url = f"sqlite://{self.path}"
        else:
            self.name = f"dateline_bench{tag.replace('-', '_')}_{size}"
            base = PG_SERVER.rsplit("/", 1)[0]
            if reseed:
                psql(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
            if psql(f"SELECT 1 FROM pg_database WHERE datname = '{self.name}'") != "1":
                partial = f"{self.name}_partial"
                psql(f"DROP DATABASE IF EXISTS {partial} WITH (FORCE)")
                psql(f"CREATE DATABASE {partial}")
                self.url = f"{base}/{partial}"
                self.seed()
                psql(f"ALTER DATABASE {partial} RENAME TO {self.name}")
            self.url = f"{base}/{self.name}"

    def seed(self) -> None:
        started = time.monotonic()
        self.cli("seed", "--articles", str(self.size))
        self.cli("user", "create", "--email", EDITOR[0], "--name", "Bench Editor", "--role", "editor",
                 env={"DATELINE_PASSWORD": EDITOR[1]})
        print(f"  seeded {self.size} articles on {self.backend} in {time.monotonic() - started:.0f}s", flush=True)

    def render_documents(self) -> None:
        """Renders the stored documents of the articles without a fresh one (`dateline documents
        rebuild`), so that the cache-off figures are the steady state of a running site rather
        than its background renderer's first minutes. Builds without stored documents skip it."""
        usage = subprocess.run([self.bin, "--help"], capture_output=True, text=True).stdout
        if "documents" not in usage:
            return
        started = time.monotonic()
        out = self.cli("documents", "rebuild").strip()
        print(f"  {out} ({self.backend}, {time.monotonic() - started:.0f}s in all)", flush=True)

    def env(self) -> dict[str, str]:
        # The seed's photographs and any upload live beside the dataset.
        media = DATA / f"media-{self.backend}-{self.size}"
        return {**os.environ, "DATABASE_URL": self.url, "DATELINE_LOG": "warn", "DATELINE_MEDIA_DIR": str(media)}

    def cli(self, *args: str, env: dict[str, str] | None = None) -> str:
        return subprocess.run([self.bin, *args], env={**self.env(), **(env or {})}, check=True,
                              capture_output=True, text=True).stdout

    def count_comments(self) -> int:
        if self.backend == "sqlite":
            import sqlite3
            with sqlite3.connect(self.path) as conn:
                return conn.execute("SELECT count(*) FROM comments").fetchone()[0]
        return int(psql("SELECT count(*) FROM comments", self.name))


class Server:
    def __init__(self, dataset: Dataset, cache: bool, extra_env: dict[str, str] | None = None):
        self.port = free_port()
        env = {
            **dataset.env(),
            "DATELINE_BIND": f"127.0.0.1:{self.port}",
            "DATELINE_JWT_SECRET": "bench-secret-of-at-least-thirty-two-bytes",
            "DATELINE_RESPONSE_CACHE_MB": "64" if cache else "0",
            "DATELINE_COMMENTS_PER_MINUTE": "0",
            "DATELINE_COMMENT_DUPLICATE_WINDOW_SECS": "0",
            "DATELINE_LOGIN_MAX_FAILURES": "1000000",
            "DATELINE_LOGIN_MAX_FAILURES_PER_ADDRESS": "1000000",
            # The response cache's hit and miss counters, for the mixed scenario.
            "DATELINE_METRICS_TOKEN": METRICS_TOKEN,
            **(extra_env or {}),
        }
        self.process = subprocess.Popen([dataset.bin, "serve"], env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        wait_ready(self.port)

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> float:
        rss = peak_rss_mb(self.process.pid)
        self.process.terminate()
        self.process.wait(timeout=60)
        return rss


def targets(port: int) -> dict:
    """Slugs and filters the scenarios use, read through the API."""
    slugs, cursor = [], None
    while len(slugs) < 1000:
        path = "/api/v1/articles?per_page=100" + (f"&cursor={cursor}" if cursor else "")
        _, page, _ = request(port, "GET", path)
        slugs += [a["slug"] for a in page["data"]]
        cursor = page["meta"].get("next_cursor")
        if not cursor:
            break
    _, sections, _ = request(port, "GET", "/api/v1/sections?per_page=100")
    parent = next(s["slug"] for s in sections["data"] if s["depth"] == 0)
    every_section = [s["slug"] for s in sections["data"]]
    _, tags, _ = request(port, "GET", "/api/v1/tags?per_page=1")
    # A deep page: 10,000 articles in (or as deep as the archive goes).
    deep = None
    path = "/api/v1/articles?per_page=100"
    for _ in range(100):
        _, page, _ = request(port, "GET", path)
        deep = page["meta"].get("next_cursor") or deep
        if not page["meta"].get("next_cursor"):
            break
        path = f"/api/v1/articles?per_page=100&cursor={deep}"
    _, _, headers = request(port, "GET", f"/api/v1/articles/{slugs[0]}")
    return {"slugs": slugs, "section": parent, "sections": every_section, "tag": tags["data"][0]["slug"],
            "deep": deep, "etag": headers.get("ETag") or headers.get("etag"), "token": editor_token(port)}


def rotate(paths: list[str], headers: dict[str, str] | None = None) -> str:
    """A wrk script requesting `paths` in turn."""
    return LUA_ROTATE % (", ".join(json.dumps(p) for p in paths), lua_headers(headers or {}))


# Two-word searches for a subject, drawn from `dateline seed`'s vocabulary (its places and its
# themes' words: each matches a few percent of the archive, as such queries do in a real one).
SEARCH = "search (two words, c=32 target p99 < 50 ms)"
SEARCH_QUERIES = [
    "border talks", "trade agreement", "energy crisis", "foreign minister", "market prices",
    "economic growth", "security council", "budget reform", "court ruling", "union negotiations",
    "flooding relief", "vaccine study", "company profits", "workers strike", "embassy visit",
    "pakistan border", "iran talks", "kenya vote", "brazil prices", "india trade",
    "ukraine security", "china energy", "spain parliament", "nigeria hospital",
]
# The worst case: two of the general words that nearly every story contains, so each search
# ranks its full candidate bound (`models::search::MAX_HITS`). Reported, not a target.
SEARCH_COMMON = "search, common words (worst case)"
SEARCH_COMMON_QUERIES = [
    "government officials", "country week", "people region", "announced plans", "public support",
    "national leaders", "local residents", "years expected",
]


def scenarios(t: dict) -> list[tuple[str, str, str]]:
    """(name, path for the URL, wrk Lua script)."""
    slugs = t["slugs"]
    comment = '\'{"author_name":"Bench","body":"Benchmark comment \' .. counter .. \' \' .. math.random(1, 1000000000) .. \'"}\''
    login = json.dumps(json.dumps({"email": EDITOR[0], "password": EDITOR[1]}))
    return [
        ("article by slug (1,000 slugs)", "/", rotate([f"/api/v1/articles/{s}" for s in slugs])),
        ("first page of the list", "/", rotate(["/api/v1/articles"])),
        ("section page", "/", rotate([f"/api/v1/articles?section={t['section']}"])),
        ("tag page", "/", rotate([f"/api/v1/articles?tag={t['tag']}"])),
        ("deep page (cursor)", "/", rotate([f"/api/v1/articles?cursor={t['deep']}"])),
        ("related articles", "/", rotate([f"/api/v1/articles/{s}/related" for s in slugs[:200]])),
        (SEARCH, "/", rotate([f"/api/v1/search?q={q.replace(' ', '+')}" for q in SEARCH_QUERIES])),
        (SEARCH_COMMON, "/", rotate([f"/api/v1/search?q={q.replace(' ', '+')}" for q in SEARCH_COMMON_QUERIES])),
        ("approved comments", "/", rotate([f"/api/v1/articles/{s}/comments" for s in slugs[:200]])),
        ("304 revalidation", "/", rotate([f"/api/v1/articles/{slugs[0]}"], {"If-None-Match": t["etag"]})),
        ("comment submission", "/", LUA_POST % (comment, f"/api/v1/articles/{slugs[0]}/comments")),
        ("login", "/", LUA_POST % (login, "/api/v1/auth/login")),
        (ARTICLE_SAVE, "/", LUA_SAVE % (", ".join(json.dumps(f"/api/v1/articles/{s}") for s in slugs[200:400]),
                                         t["token"])),
    ]


# ---------------------------------------------------------------- mixed traffic

def mixed_paths(t: dict) -> list[str]:
    """For each of the 1,000 articles in turn: its page, the first list page, a section page and
    its related articles, so each kind is a quarter of the reads, as on a site where readers
    arrive on many articles and move on to lists. Sections rotate over all of them."""
    sections, paths = t["sections"], []
    for i, slug in enumerate(t["slugs"]):
        paths += [f"/api/v1/articles/{slug}", "/api/v1/articles?per_page=20",
                  f"/api/v1/articles?section={sections[i % len(sections)]}", f"/api/v1/articles/{slug}/related"]
    return paths


def cache_counters(port: int) -> dict[str, int]:
    """The response cache's counters since the server started, from /metrics: lookups by result
    (`hit`, `miss`) and, in builds that count them, invalidations by scope (`keys`,
    `everything`). Counted by the server itself: wrk cannot tell a cached answer from another."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        response = conn.getresponse()
        text = response.read().decode()
    finally:
        conn.close()
    if response.status != 200:
        raise RuntimeError(f"/metrics answered {response.status}")
    counters = {"hit": 0, "miss": 0}
    for name, label, value in re.findall(
            r'^dateline_response_cache_(total|invalidations_total)\{\w+="(\w+)"\} (\S+)$', text, re.M):
        counters[label if name == "total" else f"invalidated {label}"] = int(float(value))
    return counters


def since(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in after.items()}


def hit_ratio(counts: dict[str, int]) -> float | None:
    """Hits over lookups; None without lookups (the cache is off)."""
    lookups = counts["hit"] + counts["miss"]
    return counts["hit"] / lookups if lookups else None


def editor_token(port: int) -> str:
    status, body, _ = request(port, "POST", "/api/v1/auth/login", {"email": EDITOR[0], "password": EDITOR[1]})
    if status != 200:
        raise RuntimeError(f"the bench editor cannot log in: {status} {body}")
    return body["access_token"]


def start_writers(port: int, seconds: int, slugs: list[str], token: str) -> subprocess.Popen:
    """bench/mixed_writers.py in a process of its own; it starts its clock when its stdin is
    closed, that is just before wrk starts."""
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "mixed_writers.py")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    proc.stdin.write(json.dumps({"port": port, "seconds": seconds, "slugs": slugs, "token": token,
                                 "comments_per_second": COMMENTS_PER_SECOND, "save_every": SAVE_EVERY_SECONDS}))
    proc.stdin.close()
    return proc


def finish_writers(proc: subprocess.Popen, seconds: int) -> dict:
    out = proc.stdout.read()
    if proc.wait(timeout=seconds + 60) != 0:
        raise RuntimeError(f"bench/mixed_writers.py exited with {proc.returncode}")
    return json.loads(out)


def stored_comment_ids(port: int, token: str, ids: list[int]) -> set[int]:
    """The ids among `ids` that the moderation queue (every status, newest first) holds, read as
    the editor: through the API, as a moderator would look for them. Pages are read until all
    are found or a page holds only comments older than the oldest of `ids` (the seeded comments
    and those of earlier runs are older, so this reads a few pages, whatever the dataset)."""
    wanted, found, page = {i for i in ids if i is not None}, set(), 1
    if not wanted:
        return found
    lowest = min(wanted)
    while True:
        status, body, _ = request(port, "GET", f"/api/v1/comments?per_page=100&page={page}", token=token)
        if status != 200:
            raise RuntimeError(f"the moderation queue answered {status}: {body}")
        page_ids = [c["id"] for c in body["data"]]
        found.update(i for i in page_ids if i in wanted)
        if found == wanted or not page_ids or max(page_ids) < lowest or page * 100 >= body["meta"]["total"]:
            return found
        page += 1


def run_mixed(server: Server, t: dict, connections: int, seconds: int) -> list[dict]:
    """The same reads twice, without then with the writers, one after the other on one server:
    the ratio of the two is the cost of the writes, whatever the machine."""
    script, port = rotate(mixed_paths(t)), server.port
    token = editor_token(port)
    wrk(server.url(), script, connections, WARM_UP_SECONDS)
    before = cache_counters(port)
    alone = wrk(server.url(), script, connections, seconds)
    between = cache_counters(port)
    writers = start_writers(port, seconds, t["slugs"], token)
    try:
        mixed = wrk(server.url(), script, connections, seconds)
    finally:
        written = finish_writers(writers, seconds)
    after = cache_counters(port)
    comments, saves = written["comments"], written["saves"]
    stored = stored_comment_ids(port, token, comments["ids"])
    comments["lost"] = sum(1 for i in comments.pop("ids") if i not in stored)
    during = since(between, after)
    return [
        {"scenario": MIXED_READS, **alone, "hit_ratio": hit_ratio(since(before, between))},
        {"scenario": MIXED, **mixed, "hit_ratio": hit_ratio(during), "lost": comments["lost"],
         "invalidations": {k.split()[1]: v for k, v in during.items() if k.startswith("invalidated")},
         "alone_rps": alone["rps"], "alone_p99": alone["p99"], "articles_read": len(t["slugs"]),
         "comments": comments, "saves": saves},
    ]


def percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def refusals(tally: dict) -> str:
    return ", ".join(f"{status}: {n}" for status, n in sorted(tally["refused"].items())) or "none"


def invalidations(r: dict) -> str:
    """The cache invalidations the writes caused, where the build counts them."""
    counted = r.get("invalidations")
    return f", invalidations: {', '.join(f'{k} {v}' for k, v in counted.items())}" if counted else ""


def writer_lines(r: dict) -> list[str]:
    """What the server answered each writer of a mixed run."""
    c, s = r["comments"], r["saves"]
    ms = lambda v: "-" if v is None else f"{v:.1f} ms"  # noqa: E731
    return [
        f"  - comments: {c['sent']} sent ({c['per_second']:.1f}/s), {c['accepted']} accepted, "
        f"{c['sent'] - c['accepted']} refused ({refusals(c)}), {c['lost']} lost; "
        f"p50 {ms(c['p50_ms'])}, p99 {ms(c['p99_ms'])}",
        f"  - editor saves (one every {SAVE_EVERY_SECONDS} s: GET with the token, PATCH with If-Match): "
        f"{s['sent']} made, {s['accepted']} ok, {s['sent'] - s['accepted']} failed ({refusals(s)}); "
        f"p50 {ms(s['p50_ms'])}, max {ms(s['max_ms'])}",
    ]


def mixed_report(rows: list[dict]) -> list[str]:
    """The mixed runs: reads with writers against the same reads alone, and each writer's line."""
    mixed = [r for r in rows if r["scenario"] == MIXED]
    if not mixed:
        return []
    out = ["", f"Mixed traffic: wrk reads, in turn, an article, the first list page, a section page and related "
           f"articles over {mixed[0]['articles_read']:,} articles, while a second process posts "
           f"{COMMENTS_PER_SECOND} comments/s (anonymous, held for moderation) and an editor saves an article "
           f"every {SAVE_EVERY_SECONDS} s. \"no writers\": the same reads just before, on the same server.", ""]
    alone = {(r["backend"], r["size"], r["cache"], r["connections"]): r for r in rows if r["scenario"] == MIXED_READS}
    for r in mixed:
        a = alone[(r["backend"], r["size"], r["cache"], r["connections"])]
        out.append(f"- {r['backend']} {r['size']:,}, cache {r['cache']}, c={r['connections']}: reads "
                   f"{r['rps']:.0f} req/s with writers, {a['rps']:.0f} without ({r['rps'] / a['rps']:.0%}); "
                   f"p99 {r['p99']:.2f} ms ({a['p99']:.2f} without); cache hit ratio {percent(r['hit_ratio'])} "
                   f"({percent(a['hit_ratio'])} without){invalidations(r)}; read errors {r['errors']}")
        out += writer_lines(r)
    return out


def wanted(only: str, name: str) -> bool:
    """Whether `--only` (substrings separated by `|`, empty for all) selects scenario `name`."""
    return not only or any(part and part in name for part in only.split("|"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--connections", default="32,256")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--caches", default=None, help="on,off (the default), or on with --mixed")
    parser.add_argument("--only", default="",
                        help="run only scenarios whose name contains this (alternatives separated by |)")
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--dataset-tag", default="",
                        help="name the datasets sqlite-<tag>-<size>.db and dateline_bench_<tag>_<size>, to keep "
                             "those of a branch with other migrations apart (the server migrates a dataset it opens)")
    parser.add_argument("--binary", help="use this release build of dateline instead of building one")
    parser.add_argument("--no-ceiling", action="store_true",
                        help="skip the reference server (no build of bench/ceiling, no %% columns)")
    parser.add_argument("--mixed", action="store_true",
                        help="run only the mixed-traffic scenario (no ceiling; cache on unless --caches)")
    parser.add_argument("--profile", metavar="DIR",
                        help="record the server with `perf record -g` during each read figure and write a "
                             "summary per figure (where its CPU went, by library and by function) into DIR; "
                             "perf costs throughput, so take figures from a run without it")
    parser.add_argument("--callers", action="store_true",
                        help="with --profile: unwind each sample's stack from DWARF call frames (the release "
                             "build has no frame pointers) and add each function's inclusive share, so the "
                             "caller of a cost shows; heavier on the recording")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is needed: apt-get install -y wrk", file=sys.stderr)
        return 2
    connections = [int(c) for c in args.connections.split(",")]
    caches = (args.caches or ("on" if args.mixed else "on,off")).split(",")
    dateline, ceiling_bin = build(args.binary, ceiling=not (args.mixed or args.no_ceiling))
    rows: list[dict] = []
    postgres = "postgres" in args.backends.split(",")
    ceilings = measure_ceilings(ceiling_bin, connections, args.seconds, rows, postgres) if ceiling_bin else {}

    for backend in args.backends.split(","):
        for size in [int(s) for s in args.sizes.split(",")]:
            print(f"== {backend}, {size} articles", flush=True)
            tag = f"-{args.dataset_tag}" if args.dataset_tag else ""
            dataset = Dataset(dateline, backend, size, args.reseed, tag)
            for cache in caches:
                dataset.render_documents()
                server = Server(dataset, cache == "on")
                t = targets(server.port)
                for name, _, script in scenarios(t):
                    if args.mixed or not wanted(args.only, name):
                        continue
                    if name in READS:
                        # Warm up first (caches, pages, connections): the figures are the steady
                        # state of a running site, not its first seconds after a restart.
                        wrk(server.url(), script, connections[0], WARM_UP_SECONDS)
                    for c in connections:
                        before = dataset.count_comments() if name == "comment submission" else 0
                        recorder = (start_profile(server, args.profile, f"{backend}-{size}-cache-{cache}-{name}-c{c}",
                                                  args.seconds, args.callers)
                                    if args.profile and name in READS else None)
                        result = wrk(server.url(), script, c, args.seconds)
                        if recorder:
                            print(f"  profile: {finish_profile(*recorder)}", flush=True)
                        lost = None
                        if name == "comment submission":
                            time.sleep(0.5)
                            stored = dataset.count_comments() - before
                            acknowledged = result["requests"] - result["non2xx"]
                            lost = max(0, acknowledged - stored)
                        rows.append({"backend": backend, "size": size, "cache": cache, "scenario": name,
                                     "connections": c, **result, "lost": lost, "rss": None})
                        extra = f" lost {lost}" if lost is not None else ""
                        print(f"  cache {cache} {name} c={c}: {result['rps']:.0f} req/s p50 {result['p50']:.2f} ms "
                              f"p99 {result['p99']:.2f} ms errors {result['errors']}{extra}", flush=True)
                # Last, because it edits articles and adds comments; in the matrix with the cache
                # on only, as a site runs.
                if args.mixed or (cache == "on" and wanted(args.only, MIXED)):
                    for c in connections:
                        for result in run_mixed(server, t, c, args.seconds):
                            rows.append({"backend": backend, "size": size, "cache": cache, "connections": c,
                                         **result, "rss": None})
                            print(f"  cache {cache} {result['scenario']} c={c}: {result['rps']:.0f} req/s "
                                  f"p50 {result['p50']:.2f} ms p99 {result['p99']:.2f} ms errors {result['errors']} "
                                  f"hit ratio {percent(result['hit_ratio'])}", flush=True)
                        print("\n".join(writer_lines(rows[-1])), flush=True)
                rss = server.stop()
                print(f"  cache {cache}: peak RSS {rss:.1f} MB", flush=True)
                for row in rows:
                    if row["backend"] == backend and row["size"] == size and row["cache"] == cache:
                        row["rss"] = rss

    report = render(rows, ceilings, args)
    print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{datetime.datetime.now(datetime.UTC).strftime('%Y%m%dT%H%M%SZ')}.md"
    out.write_text(report)
    (RESULTS / "latest.json").write_text(json.dumps(rows, indent=1))
    print(f"written to {out}")
    return 0


def start_profile(server: Server, folder: str, label: str, seconds: int,
                  callers: bool = False) -> tuple[subprocess.Popen, Path, bool]:
    """Starts `perf record` on the server for the length of one figure: frame-pointer call
    chains, or with `callers` stacks unwound from DWARF call frames (at a lower rate: each
    sample copies 16 KB of stack)."""
    out = Path(folder) / (re.sub(r"[^A-Za-z0-9.-]+", "_", label) + ".perf.data")
    out.parent.mkdir(parents=True, exist_ok=True)
    graph = ["-F", "299", "--call-graph", "dwarf,16384"] if callers else ["-F", "999", "-g"]
    proc = subprocess.Popen(["perf", "record", *graph, "-o", str(out), "-p", str(server.process.pid),
                             "--", "sleep", str(seconds)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return proc, out, callers


def finish_profile(proc: subprocess.Popen, data: Path, callers: bool = False) -> Path:
    """Waits for the recording and writes its summary beside it: the share of samples per
    library, then per function (self time), the functions over 0.5%; with `callers`, also each
    function's inclusive share (itself and what it calls), the functions over 2%."""
    proc.wait(timeout=300)
    summary = data.with_suffix("").with_suffix(".txt")
    parts = []
    reports = [("--no-children", "dso", "1"), ("--no-children", "dso,sym", "0.5")]
    if callers:
        reports.append(("--children", "sym", "2"))
    for children, sort, limit in reports:
        report = subprocess.run(["perf", "report", "-i", str(data), children, "--stdio", "-g", "none",
                                 "--sort", sort, "--percent-limit", limit],
                                capture_output=True, text=True, check=False).stdout
        parts.append("\n".join(line for line in report.splitlines() if line and not line.startswith("#")))
    summary.write_text("\n\n".join(parts) + "\n")
    return summary


CEILING_PG_DATABASE = "dateline_ceiling"


def measure_ceilings(ceiling_bin: str, connections: list[int], seconds: int, rows: list[dict],
                     postgres: bool) -> dict:
    """The reference server's req/s by (path, connections); its rows are added to `rows`. With
    `postgres`, also one row read from PostgreSQL (`/pgrow/{id}`), the ceiling of an indexed read
    on that backend."""
    print("== ceiling (bench/ceiling)", flush=True)
    port = free_port()
    ceilings: dict[tuple[str, int], float] = {}
    env = dict(os.environ)
    paths_by_name = [("/static", ["/static"]), ("/row/{id}", [f"/row/{i}" for i in range(1, 1001)])]
    if postgres:
        psql(f"DROP DATABASE IF EXISTS {CEILING_PG_DATABASE} WITH (FORCE)")
        psql(f"CREATE DATABASE {CEILING_PG_DATABASE}")
        env["CEILING_PG_URL"] = f"{PG_SERVER.rsplit('/', 1)[0]}/{CEILING_PG_DATABASE}"
        paths_by_name.append(("/pgrow/{id}", [f"/pgrow/{i}" for i in range(1, 1001)]))
    with tempfile.TemporaryDirectory() as tmp:
        ceiling = subprocess.Popen([ceiling_bin, f"127.0.0.1:{port}", f"{tmp}/ceiling.db"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_ready(port, "/static")
        for name, paths in paths_by_name:
            for c in connections:
                result = wrk(f"http://127.0.0.1:{port}", rotate(paths), c, seconds)
                ceilings[(name, c)] = result["rps"]
                rows.append({"backend": "ceiling", "size": "-", "cache": "-", "scenario": name, "connections": c,
                             **result, "rss": None})
                print(f"  {name} c={c}: {result['rps']:.0f} req/s p50 {result['p50']:.2f} ms p99 {result['p99']:.2f} ms", flush=True)
        ceiling.terminate()
        ceiling.wait()
    return ceilings


def render(rows: list[dict], ceilings: dict, args) -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    lines = [
        f"Benchmark run {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, commit {commit}, "
        f"{os.cpu_count()} CPUs, {platform.platform()}; wrk -t2, {args.seconds}s per figure, on the same machine.",
        "",
        "| backend | articles | cache | scenario | conns | req/s | p50 ms | p99 ms | errors | % of /static | % of /row "
        "| % of /pgrow | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        static = ceilings.get(("/static", r["connections"]))
        row = ceilings.get(("/row/{id}", r["connections"]))
        # A PostgreSQL read is measured against PostgreSQL's own one-row read as well.
        pg_row = ceilings.get(("/pgrow/{id}", r["connections"])) if r["backend"] == "postgres" else None
        pct = lambda base: f"{100 * r['rps'] / base:.0f}%" if base else "-"  # noqa: E731
        errors = f"{r['errors']}" + (f" (lost {r['lost']})" if r.get("lost") is not None else "")
        rss = f"{r['rss']:.0f}" if r.get("rss") else "-"
        lines.append(f"| {r['backend']} | {r['size']} | {r['cache']} | {r['scenario']} | {r['connections']} | "
                     f"{r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} | {errors} | {pct(static)} | {pct(row)} | "
                     f"{pct(pg_row)} | {rss} |")
    lines += mixed_report(rows)
    lines += check_targets(rows, ceilings)
    return "\n".join(lines) + "\n"


READS = ["article by slug (1,000 slugs)", "first page of the list", "section page", "tag page",
         "deep page (cursor)", "related articles", "approved comments", "304 revalidation", SEARCH,
         SEARCH_COMMON]


def check_targets(rows: list[dict], ceilings: dict) -> list[str]:
    """The issue's targets, each marked met or MISSED, from this run's rows."""
    index = {(r["backend"], r["size"], r["cache"], r["scenario"], r["connections"]): r for r in rows}
    backends = sorted({r["backend"] for r in rows if r["backend"] != "ceiling"})
    sizes = sorted({r["size"] for r in rows if r["backend"] != "ceiling"})
    verdict = lambda ok: "met" if ok else "MISSED"  # noqa: E731
    out = ["", "Targets (32 connections unless said):", ""]
    # The cache issue's targets: cache-off reads against one row by primary key, cache-on reads
    # against a fixed body from memory, both measured in the same run.
    off_targets = [("article by slug (1,000 slugs)", 0.5), ("first page of the list", 0.4), ("section page", 0.4),
                   ("related articles", 0.25), ("approved comments", 0.25)]
    on_targets = [("article by slug (1,000 slugs)", 0.6), ("first page of the list", 0.6)]
    for backend in backends:
        for size in sizes:
            for scenario, target in on_targets:
                if (on := index.get((backend, size, "on", scenario, 32))) and ("/static", 32) in ceilings:
                    share = on["rps"] / ceilings[("/static", 32)]
                    out.append(f"- {backend} {size:,}, cache on, {scenario}: {share:.0%} of /static, p99 "
                               f"{on['p99']:.1f} ms (target >= {target:.0%}): {verdict(share >= target)}")
            for scenario, target in off_targets:
                if (off := index.get((backend, size, "off", scenario, 32))) and ("/row/{id}", 32) in ceilings:
                    share = off["rps"] / ceilings[("/row/{id}", 32)]
                    out.append(f"- {backend} {size:,}, cache off, {scenario}: {share:.0%} of /row "
                               f"(target >= {target:.0%}): {verdict(share >= target)}")
                    if backend == "postgres" and ("/pgrow/{id}", 32) in ceilings:
                        share = off["rps"] / ceilings[("/pgrow/{id}", 32)]
                        out.append(f"  - against PostgreSQL's own one-row read: {share:.0%} of /pgrow "
                                   f"(target >= {target:.0%}): {verdict(share >= target)}")
    for (backend, size, cache, scenario, c), r in index.items():
        if scenario == SEARCH and c == 32:
            out.append(f"- {backend} {size:,}, cache {cache}, search: p99 {r['p99']:.1f} ms "
                       f"(target < 50 ms): {verdict(r['p99'] < 50)}")
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        kept, misses = 0, []
        for (backend, size, cache, scenario, c), r in index.items():
            if size != small or scenario not in READS:
                continue
            if big := index.get((backend, large, cache, scenario, c)):
                ratio = big["rps"] / r["rps"]
                if ratio >= 0.8:
                    kept += 1
                else:
                    misses.append(f"  - {backend}, cache {cache}, {scenario}, c={c}: {ratio:.0%}")
        out.append(f"- {large:,} vs {small:,} articles, every read scenario keeps >= 80% of its req/s: "
                   f"{kept} of {kept + len(misses)} {verdict(not misses)}")
        out += misses
    for (backend, size, cache, scenario, c), r in index.items():
        if backend == "sqlite" and scenario == "comment submission":
            ok = r["rps"] >= 2000 and r["lost"] == 0
            out.append(f"- sqlite {size:,}, cache {cache}, comment submission c={c}: {r['rps']:.0f}/s, lost "
                       f"{r['lost']} (target >= 2,000/s, none lost): {verdict(ok)}")
    for r in rows:
        if r["scenario"] == MIXED and r["cache"] == "on" and r["connections"] == 32:
            share, hits = r["rps"] / r["alone_rps"], r["hit_ratio"]
            ok = share >= 0.8 and hits is not None and hits >= 0.95 and r["p99"] < 10 and r["lost"] == 0
            out.append(f"- {r['backend']} {r['size']:,}, cache {r['cache']}, mixed traffic: reads {share:.0%} of "
                       f"no writers, cache hit ratio {percent(hits)}, p99 {r['p99']:.1f} ms, {r['lost']} comments "
                       f"lost (target >= 80%, >= 95%, p99 < 10 ms, none lost): {verdict(ok)}")
    for backend in backends:
        for cache in ("on", "off"):
            peaks = [r["rss"] for r in rows if (r["backend"], r["size"], r["cache"]) == (backend, max(sizes), cache)]
            if peaks and peaks[0]:
                out.append(f"- {backend} {max(sizes):,}, cache {cache}: peak RSS {peaks[0]:.0f} MB "
                           f"(target < 150 MB): {verdict(peaks[0] < 150)}")
    return out


if __name__ == "__main__":
    sys.exit(main())
