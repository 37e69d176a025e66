"""Shared helpers for the reliability scripts: start a real release server on a fresh database,
talk HTTP to it, and stop or kill it. Standard library only."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("DATELINE_CI_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
EDITOR_EMAIL = "reliability-editor@example.com"
EDITOR_PASSWORD = "reliability editor passphrase"


def binary() -> str:
    explicit = os.environ.get("DATELINE_BIN")
    if explicit:
        return explicit
    target = os.environ.get("CARGO_TARGET_DIR", str(ROOT / "target"))
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    return str(Path(target) / "release" / "dateline")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(sql: str, database: str = "postgres") -> str:
    url = PG_SERVER.rsplit("/", 1)[0] + "/" + database
    out = subprocess.run(["psql", url, "-Atc", sql], check=True, capture_output=True, text=True)
    return out.stdout.strip()


class Database:
    """A fresh database: a SQLite file in a temporary folder, or a PostgreSQL database."""

    def __init__(self, backend: str):
        self.backend = backend
        self.dir = tempfile.TemporaryDirectory(prefix="dateline-reliability-")
        if backend == "sqlite":
            self.path = Path(self.dir.name) / "dateline.db"
            self.url = f"sqlite://{self.path}"
        else:
            self.name = f"dateline_reliability_{uuid.uuid4().hex[:10]}"
            psql(f"CREATE DATABASE {self.name}")
            self.url = PG_SERVER.rsplit("/", 1)[0] + "/" + self.name

    def query(self, sql: str) -> list[tuple]:
        if self.backend == "sqlite":
            import sqlite3

            with sqlite3.connect(self.path) as conn:
                return conn.execute(sql).fetchall()
        out = psql(sql, self.name)
        return [tuple(line.split("|")) for line in out.splitlines() if line]

    def drop(self) -> None:
        if self.backend == "postgres":
            psql(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
        self.dir.cleanup()


class Server:
    """A `dateline serve` process over `db`."""

    def __init__(self, db: Database, extra_env: dict[str, str] | None = None):
        self.bin = binary()
        self.db = db
        self.port = free_port()
        self.env = {
            **os.environ,
            "DATABASE_URL": db.url,
            # Media files beside the database, never in the working tree.
            "DATELINE_MEDIA_DIR": str(Path(db.dir.name) / "media"),
            "DATELINE_BIND": f"127.0.0.1:{self.port}",
            "DATELINE_LOG": os.environ.get("DATELINE_LOG", "warn"),
            "DATELINE_JWT_SECRET": "reliability-secret-of-at-least-32-bytes!",
            "DATELINE_COMMENTS_PER_MINUTE": "0",
            "DATELINE_COMMENT_DUPLICATE_WINDOW_SECS": "0",
            **(extra_env or {}),
        }
        self.log = open(Path(db.dir.name) / f"server-{self.port}.log", "ab")
        self.process: subprocess.Popen | None = None

    def cli(self, *args: str, env: dict[str, str] | None = None) -> str:
        out = subprocess.run(
            [self.bin, *args], env={**self.env, **(env or {})}, check=True, capture_output=True, text=True
        )
        return out.stdout

    def start(self, timeout: float = 30) -> None:
        self.process = subprocess.Popen([self.bin, "serve"], env=self.env, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if request(self.port, "GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}")
            time.sleep(0.05)
        raise RuntimeError("the server did not start")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> int:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            return self.process.wait(timeout=60)
        return self.process.returncode if self.process else 0

    def editor_token(self) -> str:
        try:
            self.cli(
                "user", "create", "--email", EDITOR_EMAIL, "--name", "Reliability Editor", "--role", "editor",
                env={"DATELINE_PASSWORD": EDITOR_PASSWORD},
            )
        except subprocess.CalledProcessError:
            pass  # exists already (a restart)
        status, body, _ = request(
            self.port, "POST", "/api/v1/auth/login", {"email": EDITOR_EMAIL, "password": EDITOR_PASSWORD}
        )
        if status != 200:
            raise RuntimeError(f"login failed: {status} {body}")
        return body["access_token"]


def request(port: int, method: str, path: str, body=None, token: str | None = None, timeout: float = 10,
            headers: dict[str, str] | None = None):
    """One HTTP request on a fresh connection: (status, parsed JSON or text, headers)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Connection": "close", **(headers or {})}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        data = response.read()
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = data.decode(errors="replace")
        return response.status, parsed, dict(response.getheaders())
    finally:
        conn.close()


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]
