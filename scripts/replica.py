#!/usr/bin/env python3
"""Read replicas against a REAL PostgreSQL streaming replica.

Creates a standby of the local server with `pg_basebackup -R -X stream` in a temporary data
directory, starts it on another loopback port (its own small postgresql.conf and pg_hba.conf:
Debian keeps the server's configuration outside the data directory), and runs two release
servers over one database with DATABASE_REPLICA_URLS pointing at it: A with its response cache
off (every read reaches a database) and B with it on. Then proves:

- anonymous reads are served by the replica (A's `dateline_db_reads_total`, and the statements
  the replica itself logged);
- writes go to the primary and never reach the replica as statements (its log holds no
  read-only-transaction error), yet arrive there through replication;
- with replay paused (`pg_wal_replay_pause()`), a write through A is read back at once through A
  and, once B has heard of it (LISTEN/NOTIFY, milliseconds), through B; a write through B is read
  back through A (cache off, but following writes for its replica) within 500 ms; never the
  replica's older copy, which is checked to still be older; the replica is
  reported `lagging` by /readyz past DATELINE_REPLICA_MAX_LAG_MS, and reads go to the primary;
  resumed, it serves reads again by itself;
- killed (`pg_ctl stop -m immediate`), it is reported `down` and every read still succeeds;
  restarted, it serves reads again by itself.

Removes the replica, the database and the replication entry it added to pg_hba.conf.

    scripts/replica.py
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cross_instance import Client, save
from harness import Database, Server, free_port, psql, request

ARTICLE = "/api/v1/articles/replicated"
HBA_LINE = "host replication all 127.0.0.1/32 trust  # added by dateline scripts/replica.py"
METRICS_TOKEN = "replica-check-metrics-token"
MAX_LAG_MS = 1000


def pg_bin(name: str) -> str:
    version = sorted(os.listdir("/usr/lib/postgresql"))[-1]
    return f"/usr/lib/postgresql/{version}/bin/{name}"


def as_postgres(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["runuser", "-u", "postgres", "--", *args], check=check, capture_output=True, text=True)


class Standby:
    """A streaming replica of the local server in a temporary data directory."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="dateline-replica-"))
        shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"
        self.port = free_port()
        self.hba_file = psql("SHOW hba_file")
        self.added_hba = False

    def create(self) -> float:
        hba = Path(self.hba_file).read_text()
        if HBA_LINE not in hba:
            Path(self.hba_file).write_text(hba.rstrip("\n") + "\n" + HBA_LINE + "\n")
            self.added_hba = True
            psql("SELECT pg_reload_conf()")
        started = time.monotonic()
        as_postgres(
            pg_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "-D", str(self.data),
            "-R", "-X", "stream", "--checkpoint=fast",
        )
        took = time.monotonic() - started
        (self.data / "postgresql.conf").write_text(
            f"port = {self.port}\n"
            "listen_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.dir}'\n"
            "hot_standby = on\n"
            "shared_buffers = 32MB\n"
            "ssl = off\n"
            "log_min_error_statement = error\n"
            # Every statement it runs is logged: the proof that reads reach it.
            "log_statement = 'all'\n"
        )
        (self.data / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 trust\n"
        )
        (self.data / "pg_ident.conf").write_text("")
        for name in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
            shutil.chown(self.data / name, "postgres", "postgres")
        return took

    def start(self) -> None:
        as_postgres(pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def kill(self) -> None:
        as_postgres(pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)

    @property
    def log(self) -> Path:
        return self.dir / "standby.log"

    def article_reads(self) -> int:
        """Statements reading the articles table, as the standby logged them."""
        return sum(
            1 for line in self.log.read_text(errors="replace").splitlines()
            if re.search(r"LOG:  (statement|execute [^:]*): SELECT", line) and '"articles"' in line
        )

    def sql(self, query: str, database: str = "postgres") -> str:
        out = subprocess.run(
            ["psql", f"postgres://postgres@127.0.0.1:{self.port}/{database}", "-Atc", query],
            check=True, capture_output=True, text=True,
        )
        return out.stdout.strip()

    def remove(self) -> None:
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)
        if self.added_hba:
            lines = Path(self.hba_file).read_text().splitlines()
            Path(self.hba_file).write_text("\n".join(line for line in lines if line != HBA_LINE) + "\n")
            psql("SELECT pg_reload_conf()")


def wait_for(what: str, check, timeout: float = 10.0, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def replica_state(server: Server) -> dict:
    status, body, _ = request(server.port, "GET", "/readyz")
    assert status == 200, (status, body)
    (replica,) = body["replicas"]
    return replica


def reads_by_target(server: Server, token: str = METRICS_TOKEN) -> dict[str, int]:
    """Public reads by where they ran (`primary` or a replica's name), from /metrics."""
    status, text, _ = request(server.port, "GET", "/metrics", token=token)
    assert status == 200, status
    counts = {}
    for match in re.finditer(r'^dateline_db_reads_total\{target="([^"]+)"\} (\d+)', text, re.M):
        counts[match.group(1)] = int(match.group(2))
    return counts


def read_summary(client: Client) -> str:
    status, body, _ = client.call("GET", ARTICLE)
    assert status == 200, (status, body)
    return body["summary"]


def main() -> int:
    standby = Standby()
    db = Database("postgres")
    servers: list[Server] = []
    try:
        took = standby.create()
        standby.start()
        streaming = wait_for(
            "the standby to stream",
            lambda: int(psql("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")) > 0,
        )
        print(f"standby created with pg_basebackup in {took:.1f} s; streaming: {streaming}")
        wait_for("the database on the standby", lambda: standby.sql(f"SELECT 1 FROM pg_database WHERE datname = '{db.name}'") == "1")
        replica_url = f"postgres://postgres@127.0.0.1:{standby.port}/{db.name}"
        replica_name = f"127.0.0.1:{standby.port}/{db.name}"
        common = {
            "DATABASE_REPLICA_URLS": replica_url,
            "DATELINE_REPLICA_MAX_LAG_MS": str(MAX_LAG_MS),
            "DATELINE_METRICS_TOKEN": METRICS_TOKEN,
        }
        a = Server(db, {**common, "DATELINE_RESPONSE_CACHE_MB": "0"})
        b = Server(db, common)
        servers += [a, b]
        a.start()
        b.start()
        for server in servers:
            wait_for("the replica to be reported ok", lambda s=server: replica_state(s)["status"] == "ok")
        print(f"/readyz: {replica_state(a)}")

        token = a.editor_token()
        auth = {"Authorization": f"Bearer {token}"}
        editor = Client(a.port)
        status, body, _ = editor.call("POST", "/api/v1/sections", {"slug": "world-news", "name": "World News"}, auth)
        assert status == 201, (status, body)
        article = {"headline": "Replicated", "section": "world-news", "status": "published",
                   "summary": "first", "body": "<p>Body</p>"}
        status, body, _ = editor.call("POST", "/api/v1/articles", article, auth)
        assert status == 201, (status, body)
        wait_for("the article on the standby", lambda: standby.sql(
            "SELECT summary FROM articles WHERE slug = 'replicated'", db.name) == "first")

        # 1. Anonymous reads are served by the replica.
        reader_a, reader_b = Client(a.port), Client(b.port)
        time.sleep(1.2)  # the fence raised after the writes above is checked on the next round
        before = reads_by_target(a)
        logged = standby.article_reads()
        for _ in range(50):
            assert read_summary(reader_a) == "first"
        after = reads_by_target(a)
        on_replica = after.get(replica_name, 0) - before.get(replica_name, 0)
        logged = standby.article_reads() - logged
        print(f"50 anonymous reads through A: {on_replica} on the replica "
              f"(its log shows {logged} statements reading articles)")
        assert on_replica >= 45, (before, after)
        assert logged >= on_replica, logged

        # 2. Writes go to the primary and reach the replica only by replication.
        save(editor, token, "second", ARTICLE)
        wait_for("the write on the standby", lambda: standby.sql(
            "SELECT summary FROM articles WHERE slug = 'replicated'", db.name) == "second")
        assert read_summary(reader_a) == "second" and read_summary(reader_b) == "second"

        # 3. Replay paused: the write is read back at once, never the replica's older copy.
        standby.sql("SELECT pg_wal_replay_pause()")
        wait_for("replay to pause", lambda: standby.sql("SELECT pg_get_wal_replay_pause_state()") == "paused")
        primary_before = reads_by_target(a).get("primary", 0)
        editor_b = Client(b.port)
        save(editor_b, token, "written through B while replay is paused", ARTICLE)
        seen_at = time.monotonic()
        wait_for("A to read B's write", lambda: read_summary(reader_a) == "written through B while replay is paused",
                 timeout=0.5, every=0.002)
        print(f"replay paused: a write through B read through A after {(time.monotonic() - seen_at) * 1000:.1f} ms")
        save(editor, token, "written while replay is paused", ARTICLE)
        stale = sum(read_summary(reader_a) != "written while replay is paused" for _ in range(20))
        wait_for("B to hear of A's write", lambda: read_summary(reader_b) == "written while replay is paused",
                 timeout=1, every=0.002)
        stale += sum(read_summary(reader_b) != "written while replay is paused" for _ in range(20))
        held = standby.sql("SELECT summary FROM articles WHERE slug = 'replicated'", db.name)
        print(f"replay paused: 40 reads through A and B after a write, {stale} stale; the standby still holds {held!r}")
        assert stale == 0
        assert held == "second", held
        lagging = wait_for("the replica to be reported lagging",
                           lambda: (r := replica_state(a))["status"] == "lagging" and r, timeout=MAX_LAG_MS / 1000 + 5)
        print(f"/readyz while paused: {lagging}")
        assert lagging["lag_ms"] >= MAX_LAG_MS, lagging
        replica_before = reads_by_target(a).get(replica_name, 0)
        for _ in range(10):
            assert read_summary(reader_a) == "written while replay is paused"
        counts = reads_by_target(a)
        assert counts.get(replica_name, 0) == replica_before, "a lagging replica served a read"
        assert counts["primary"] >= primary_before + 30, (primary_before, counts)

        standby.sql("SELECT pg_wal_replay_resume()")
        resumed_at = time.monotonic()
        wait_for("the replica to be ok again", lambda: replica_state(a)["status"] == "ok", timeout=10)
        print(f"replay resumed: reported ok again after {time.monotonic() - resumed_at:.1f} s")
        wait_for("reads to go to the replica again", lambda: (
            read_summary(reader_a) == "written while replay is paused"
            and reads_by_target(a).get(replica_name, 0) > replica_before), timeout=5)

        # 4. Killed and restarted.
        standby.kill()
        killed_at = time.monotonic()
        failures = 0
        while time.monotonic() - killed_at < 2.0:
            for reader in (reader_a, reader_b):
                try:
                    failures += read_summary(reader) != "written while replay is paused"
                except AssertionError:
                    failures += 1
        down = replica_state(a)
        print(f"replica killed: {failures} failed reads in 2 s; /readyz: {down}")
        assert failures == 0
        assert down["status"] == "down", down
        save(editor, token, "written while the replica is down", ARTICLE)
        assert read_summary(reader_a) == "written while the replica is down"
        standby.start()
        restarted_at = time.monotonic()
        wait_for("the restarted replica to be ok", lambda: replica_state(a)["status"] == "ok", timeout=30)
        replica_before = reads_by_target(a).get(replica_name, 0)
        wait_for("reads to go to the restarted replica", lambda: (
            read_summary(reader_a) == "written while the replica is down"
            and reads_by_target(a).get(replica_name, 0) > replica_before), timeout=5)
        print(f"replica restarted: serving reads again after {time.monotonic() - restarted_at:.1f} s")

        refused = [line for line in standby.log.read_text(errors="replace").splitlines() if "read-only transaction" in line]
        assert not refused, refused
        print("the standby's log holds no refused write")
        for server in servers:
            assert request(server.port, "GET", "/healthz")[0] == 200
    finally:
        for server in servers:
            server.stop()
        standby.remove()
        db.drop()
    print("read replicas: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
