"""Several processes on one store: a writer with readers, and a writer killed mid-write."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from ipdash.sources.store import SqliteStore

WORKER = Path(__file__).with_name("store_worker.py")
IPS = 300


def spawn(*args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_one_writer_two_readers_and_a_second_writer(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    SqliteStore(db).close()  # created and migrated once, as `ipdash poll` would
    writer = spawn("write", db, 0, 40, IPS)
    second_writer = spawn("write", db, 40, 20, IPS)
    readers = [spawn("read", db, 30) for _ in range(2)]
    outputs = {}
    for process in [writer, second_writer, *readers]:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err  # no "database is locked" anywhere
        outputs[process.pid] = out
    for reader in readers:
        counts = [int(line) for line in outputs[reader.pid].split()]
        assert len(counts) == 30 and all(count % IPS == 0 for count in counts)
    with SqliteStore(db) as store:
        dataset = store.load()
        assert len(dataset.stats) == 60 * IPS
        assert store.integrity_check() == "ok"


def test_readers_only_ever_see_whole_polls(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    SqliteStore(db).close()
    writer = spawn("write", db, 0, 30, IPS)
    reader = spawn("read", db, 40)
    reader_out, reader_err = reader.communicate(timeout=120)
    writer.communicate(timeout=120)
    assert reader.returncode == 0, reader_err
    counts = [int(line) for line in reader_out.split()]
    assert counts and all(count % IPS == 0 for count in counts), counts
    assert counts == sorted(counts)


def test_kill_9_mid_write_leaves_a_valid_store(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    writer = spawn("write-forever", db, 2000)
    assert writer.stdout is not None
    # Wait for a few committed polls, then kill while the next one is being written.
    for _ in range(3):
        assert writer.stdout.readline(), writer.stderr.read() if writer.stderr else ""
    time.sleep(0.05)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=30)
    assert writer.returncode == -signal.SIGKILL

    raw = sqlite3.connect(db)
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    per_day = raw.execute("SELECT day, COUNT(*) FROM daily_stats GROUP BY day").fetchall()
    raw.close()
    assert len(per_day) >= 3
    assert all(count == 2000 for _, count in per_day), per_day  # no half-written poll
    with SqliteStore(db) as store:  # and ipdash opens it and writes on
        assert len(store.load().stats) == 2000 * len(per_day)
        assert store.integrity_check() == "ok"
