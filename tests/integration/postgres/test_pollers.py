"""Three `ipdash poll` processes on one PostgreSQL store against loopback provider APIs.

One poller is killed with SIGKILL while its request is in flight: no day is counted twice, each
source is polled by one process per interval, and the killed poller's source is polled by a
survivor at its next scheduled try (within one interval).
"""

from __future__ import annotations

import itertools
import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import psutil
import psycopg
import pytest
from providers.fakeapi import FIXTURES, FakeApi, Reply, Seen, fixture

INTERVAL = 10  # the shortest interval a source accepts
DATA = (FIXTURES / "microsoft-snds/data.csv").read_bytes()
STATUS = (FIXTURES / "microsoft-snds/ipstatus.csv").read_bytes()


class HeldStats:
    """/v3/stats: the first request is held until released (the poll is "mid-flight")."""

    def __init__(self) -> None:
        self.held = threading.Event()
        self.release = threading.Event()
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, seen: Seen) -> Reply:
        with self._lock:
            self.calls += 1
            first = self.calls == 1
        if first:
            self.held.set()
            self.release.wait(60)
        return fixture("sendgrid/stats-global.json")


@pytest.fixture
def api() -> Iterator[FakeApi]:
    with FakeApi() as server:
        yield server


def config_for(tmp_path: Path, api: FakeApi, url: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[store]
url = "{url}"
retention_days = 36500  # the documented examples are from 2015-2020

[[sources]]
kind = "sendgrid"
name = "sg"
api_key_env = "TEST_SG_KEY"
base_url = "{api.base_url}"
interval = {INTERVAL}
timeout = 120

[[sources]]
kind = "snds"
name = "snds"
api_key_env = "TEST_SNDS_KEY"
base_url = "{api.base_url}"
interval = {INTERVAL}
"""
    )
    return path


class Lines:
    """Reads the pollers' JSON lines as they come, waiting on their pipes (no sleeps)."""

    def __init__(self, processes: list[subprocess.Popen[str]], errors: Path) -> None:
        self.errors = errors
        self.selector = selectors.DefaultSelector()
        for process in processes:
            assert process.stdout is not None
            os.set_blocking(process.stdout.fileno(), False)
            self.selector.register(process.stdout, selectors.EVENT_READ, process.pid)
        self.seen: list[tuple[int, dict[str, object]]] = []
        self._partial: dict[int, str] = {}

    def until(self, wanted, deadline: float) -> tuple[int, dict[str, object]]:  # type: ignore[no-untyped-def]
        while time.monotonic() < deadline:
            for pid, line in self.seen:
                if wanted(pid, line):
                    return pid, line
            for key, _ in self.selector.select(timeout=max(0.0, deadline - time.monotonic())):
                chunk = key.fileobj.read()  # type: ignore[union-attr]
                if not chunk:
                    self.selector.unregister(key.fileobj)
                    continue
                text = self._partial.pop(key.data, "") + chunk
                *complete, rest = text.split("\n")
                self._partial[key.data] = rest
                self.seen += [(key.data, json.loads(c)) for c in complete if c.startswith("{")]
        raise AssertionError(
            f"not seen before the deadline; seen: {self.seen}; stderr: {self.errors.read_text()[-3000:]}"
        )


def holder_of_the_sg_claim(url: str, pollers: list[subprocess.Popen[str]]) -> subprocess.Popen[str]:
    """The poller whose connection holds sg's advisory lock: by definition the one polling sg now."""
    with psycopg.connect(url) as db:
        row = db.execute(
            """SELECT activity.client_port FROM pg_locks JOIN pg_stat_activity activity USING (pid)
               WHERE pg_locks.locktype = 'advisory' AND pg_locks.granted
                 AND (pg_locks.classid::bigint << 32 | pg_locks.objid::bigint) =
                     (hashtextextended('ipdash-source:sg', 0) & x'FFFFFFFFFFFFFFFF'::bigint)"""
        ).fetchone()
    assert row is not None, "nobody holds sg's claim while its request is in flight"
    [victim] = [
        p
        for p in pollers
        if any(c.laddr and c.laddr.port == row[0] for c in psutil.Process(p.pid).net_connections())
    ]
    return victim


def test_three_pollers_one_killed_mid_poll(tmp_path: Path, api: FakeApi, pg_url: str) -> None:
    held = HeldStats()
    api.route("GET", "/v3/ips", fixture("sendgrid/ips-list.json"))
    api.route("GET", "/v3/stats", held)
    api.route("GET", "/snds/data.aspx", Reply(body=DATA))
    api.route("GET", "/snds/ipStatus.aspx", Reply(body=STATUS))
    config = config_for(tmp_path, api, pg_url)
    env = {**os.environ, "TEST_SG_KEY": "sg-key", "TEST_SNDS_KEY": "snds-key"}
    errors = (tmp_path / "pollers.err").open("w")  # shown when an assertion fails
    pollers = [
        subprocess.Popen(
            [sys.executable, "-m", "ipdash", "poll", "--config", str(config), "--format", "json"],
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            env=env,
        )
        for _ in range(3)
    ]
    lines = Lines(pollers, tmp_path / "pollers.err")
    try:
        assert held.held.wait(60), "no poller asked for /v3/stats"
        victim = holder_of_the_sg_claim(pg_url, pollers)
        victim.send_signal(signal.SIGKILL)
        victim.wait(30)
        killed_at = time.time()
        held.release.set()
        survivors = {p.pid for p in pollers if p is not victim}
        pid, taken_over = lines.until(
            lambda pid, line: line["source"] == "sg" and line["status"] == "ok",
            time.monotonic() + 6 * INTERVAL,
        )
        assert pid in survivors
        # The survivors asked while the victim held the lock and were told to come back one interval
        # later: the takeover is that next try, so the only other /v3/stats call was the victim's.
        assert held.calls == 2
        gap = time.time() - killed_at
        print(f"sg taken over {gap:.1f} s after the kill (interval {INTERVAL} s)")
        # Each source is polled by one process per interval: two polls of snds are an interval apart.
        lines.until(
            lambda pid, line: sum(seen["source"] == "snds" for _, seen in lines.seen) >= 2,
            time.monotonic() + 4 * INTERVAL,
        )
        snds = sorted(
            datetime.fromisoformat(str(seen["fetched_at"]))
            for _, seen in lines.seen
            if seen["source"] == "snds"
        )
        assert all(
            later - earlier >= timedelta(seconds=INTERVAL) for earlier, later in itertools.pairwise(snds)
        )
    finally:
        for process in pollers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in pollers:
            try:
                process.wait(120)  # a poller finishes its alert analysis before it stops
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(30)
        errors.close()
    assert all(p.returncode in (0, -signal.SIGKILL) for p in pollers), [p.returncode for p in pollers]
    with psycopg.connect(pg_url) as db:
        repeated = db.execute(
            "SELECT day, ip, mailbox_provider, count(*) FROM daily_stats GROUP BY 1, 2, 3 HAVING count(*) > 1"
        ).fetchall()
        assert repeated == []
        days = db.execute("SELECT count(*) FROM daily_stats WHERE source = 'sg'").fetchone()[0]
        assert days == taken_over["stat_days"]
        [runs] = db.execute("SELECT count(*) FROM source_runs WHERE last_success IS NOT NULL").fetchall()
        assert runs == (2,)
