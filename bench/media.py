#!/usr/bin/env python3
"""Media benchmarks (issue 13), against a release build on this machine, from a second process.

    bench/media.py                      # builds release; SQLite, 10,000 seeded articles
    bench/media.py --binary PATH --seconds 10

What it measures, each reported as figures (nothing here is a pass/fail test):
1. A 12-megapixel JPEG of about 5 MB uploaded with every variant ready (the 201 answer comes
   once all renditions are stored): wall time of five sequential uploads.
2. Peak RSS of the server (VmHWM) while 4 such uploads run at once, with the default
   DATELINE_MEDIA_CONCURRENCY (2) and with 4.
3. Public article reads (wrk, 1,000 slugs, cache off so every read reaches the database) alone,
   then while two clients upload 12-megapixel JPEGs back to back: throughput and p99.
4. Serving a variant of about 100 KB from the local disk (wrk on its URL) next to the ceiling
   server answering 100 KB from memory (bench/ceiling `/blob`), in the same run.

The photograph is generated with Pillow (installed into ~/.cache/dateline-bench-venv on first
use) and kept in bench/data/photo-12mp.jpg.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path.home() / ".cache" / "dateline-bench-venv"
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "scripts"))

try:
    from PIL import Image  # noqa: F401
except ImportError:  # Re-run inside a virtualenv that has Pillow.
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "--quiet", "pillow"], check=True)
    os.execv(str(python), [str(python), __file__, *sys.argv[1:]])

from harness import request  # noqa: E402
from run import DATA, EDITOR, Dataset, Server, build, peak_rss_mb, rotate, targets, wait_ready, wrk  # noqa: E402

PHOTO = DATA / "photo-12mp.jpg"
BOUNDARY = "dateline-bench-boundary"


def photograph() -> bytes:
    """A 4000 x 3000 JPEG of about 5 MB: gradients, shapes and grain, as a camera's would be."""
    if PHOTO.exists():
        return PHOTO.read_bytes()
    import random
    from PIL import Image, ImageDraw, ImageFilter

    random.seed(12)
    width, height = 4000, 3000
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(400):
        x, y = random.randrange(width), random.randrange(height)
        r = random.randrange(20, 300)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(random.randrange(256) for _ in range(3)))
    image = image.filter(ImageFilter.GaussianBlur(3))
    noise = Image.effect_noise((width, height), 40).convert("RGB")
    image = Image.blend(image, noise, 0.22)
    DATA.mkdir(parents=True, exist_ok=True)
    image.save(PHOTO, quality=92)
    return PHOTO.read_bytes()


def multipart(photo: bytes) -> bytes:
    head = (
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\nA benchmark photograph\r\n"
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"credit\"\r\n\r\nBench\r\n"
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo.jpg\"\r\n"
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    return head + photo + f"\r\n--{BOUNDARY}--\r\n".encode()


def upload(port: int, token: str, body: bytes) -> tuple[float, dict]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("POST", "/api/v1/media", body=body, headers={
        "Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
    response = conn.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - started
    if response.status != 201:
        raise RuntimeError(f"upload answered {response.status}: {data[:300]!r}")
    import json
    return elapsed, json.loads(data)


def login(port: int) -> str:
    status, body, _ = request(port, "POST", "/api/v1/auth/login", {"email": EDITOR[0], "password": EDITOR[1]})
    if status != 200:
        raise RuntimeError(f"login answered {status}")
    return body["access_token"]


def concurrent_uploads(port: int, token: str, body: bytes, count: int) -> list[float]:
    times: list[float] = []
    threads = [threading.Thread(target=lambda: times.append(upload(port, token, body)[0])) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", help="a dateline release binary (default: build one)")
    parser.add_argument("--size", type=int, default=10_000, help="seeded articles")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    dateline, ceiling = build(args.binary, True)
    photo = photograph()
    body = multipart(photo)
    print(f"photograph: 4000 x 3000, {len(photo) / 1e6:.1f} MB; {os.cpu_count()} cores", flush=True)
    dataset = Dataset(dateline, "sqlite", args.size, args.reseed)
    lines = ["| measure | figure |", "|---|---|"]

    # 1. Upload latency, sequential.
    server = Server(dataset, cache=False)
    token = login(server.port)
    times = [upload(server.port, token, body)[0] for _ in range(5)]
    _, item = upload(server.port, token, body)
    lines.append(f"| 12 MP JPEG ({len(photo) / 1e6:.1f} MB) uploaded, all {len(item['variants'])} variants stored: "
                 f"median of 5 | {statistics.median(times) * 1000:.0f} ms (max {max(times) * 1000:.0f} ms) |")

    # 4. Serving a ~100 KB variant from disk vs 100 KB from memory in the ceiling.
    sizes = []
    for variant in item["variants"]:
        conn = http.client.HTTPConnection("127.0.0.1", server.port)
        conn.request("GET", variant["url"])
        response = conn.getresponse()
        length = len(response.read())
        if response.status != 200:
            raise RuntimeError(f"{variant['url']} answered {response.status}")
        sizes.append((abs(length - 100_000), variant["url"], length))
    _, variant_url, variant_bytes = min(sizes)
    wrk(server.url(variant_url), rotate([variant_url]), args.connections, 2)
    served = wrk(server.url(variant_url), rotate([variant_url]), args.connections, args.seconds)
    server.stop()
    ceiling_port = __import__("harness").free_port()
    ceiling_proc = subprocess.Popen([ceiling, f"127.0.0.1:{ceiling_port}", str(DATA / "ceiling-media.db")],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(ceiling_port, "/static")
    url = f"http://127.0.0.1:{ceiling_port}/blob"
    wrk(url, rotate(["/blob"]), args.connections, 2)
    blob = wrk(url, rotate(["/blob"]), args.connections, args.seconds)
    ceiling_proc.terminate()
    ceiling_proc.wait()
    lines.append(f"| variant of {variant_bytes / 1000:.0f} KB from local disk, c={args.connections} | "
                 f"{served['rps']:.0f} req/s, p99 {served['p99']:.1f} ms; ceiling (100 KB from memory) "
                 f"{blob['rps']:.0f} req/s: **{served['rps'] / blob['rps'] * 100:.0f}%** |")

    # 2. Peak RSS during 4 concurrent uploads, per DATELINE_MEDIA_CONCURRENCY.
    for turns in ("1", "2", "4"):
        server = Server(dataset, cache=False, extra_env={"DATELINE_MEDIA_CONCURRENCY": turns})
        token = login(server.port)
        before = peak_rss_mb(server.process.pid)
        times = concurrent_uploads(server.port, token, body, 4)
        peak = server.stop()
        lines.append(f"| peak RSS, 4 concurrent 12 MP uploads, DATELINE_MEDIA_CONCURRENCY={turns} | "
                     f"**{peak:.0f} MB** (at start {before:.0f} MB); uploads took {min(times):.1f}-{max(times):.1f} s |")

    # 3. Article reads alone, then while two clients upload back to back (default settings:
    # DATELINE_MEDIA_CONCURRENCY is half the cores), with the response cache on (the default) and off.
    for cache in (True, False):
        server = Server(dataset, cache=cache)
        token = login(server.port)
        slugs = targets(server.port)["slugs"]
        script = rotate([f"/api/v1/articles/{s}" for s in slugs])
        wrk(server.url(), script, args.connections, 2)
        alone = wrk(server.url(), script, args.connections, args.seconds)
        stop = threading.Event()
        done: list[float] = []

        def uploader() -> None:
            while not stop.is_set():
                done.append(upload(server.port, token, body)[0])

        workers = [threading.Thread(target=uploader) for _ in range(2)]
        for w in workers:
            w.start()
        time.sleep(1)
        during = wrk(server.url(), script, args.connections, args.seconds)
        stop.set()
        for w in workers:
            w.join()
        server.stop()
        label = "cache on" if cache else "cache off"
        lines.append(f"| article reads (1,000 slugs, {label}, c={args.connections}) alone | "
                     f"{alone['rps']:.0f} req/s, p99 {alone['p99']:.1f} ms |")
        lines.append(f"| the same reads while 2 clients upload 12 MP JPEGs back to back ({len(done)} uploads, "
                     f"{statistics.median(done):.1f} s each) | "
                     f"{during['rps']:.0f} req/s, **p99 {during['p99']:.1f} ms**, errors {during['errors']} |")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
