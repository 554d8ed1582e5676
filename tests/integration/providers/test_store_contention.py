"""Two `ipdash poll` daemons and a reader (what the TUI does) on one SQLite store, as real processes,
while a fourth process holds the write lock past every busy_timeout: the daemons say the store is
locked and retry with backoff, then every poll they report is in the store; nobody dies, nothing is lost.

No sleeps: each step waits for a line the processes print (locked, retrying, a poll line, released)."""

from __future__ import annotations

import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import IO

from ipdash.sources.store import SqliteStore

from .fakeapi import FIXTURES, FakeApi, Reply

DATA = (FIXTURES / "microsoft-snds/data.csv").read_bytes()
WORKER = Path(__file__).parents[2] / "unit" / "store" / "store_worker.py"
SOURCES_PER_DAEMON = 3
LOCK_HOLDER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
db.execute("COMMIT")
print("released", flush=True)
"""


class Lines:
    """A process's stdout and stderr lines, read by threads into one queue (no busy waiting)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.queue: queue.Queue[tuple[str, str]] = queue.Queue()
        self.seen: dict[str, list[str]] = {"out": [], "err": []}
        self.threads = [
            threading.Thread(target=self._pump, args=(name, stream), daemon=True)
            for name, stream in (("out", process.stdout), ("err", process.stderr))
        ]
        for thread in self.threads:
            thread.start()

    def _pump(self, name: str, stream: IO[str] | None) -> None:
        assert stream is not None
        for line in stream:
            self.queue.put((name, line.rstrip("\n")))
        self.queue.put((name, "<eof>"))

    def wait_for(self, stream: str, text: str, count: int = 1) -> list[str]:
        """Block until ``count`` lines of ``stream`` hold ``text`` (everything read is kept)."""
        while sum(text in line for line in self.seen[stream]) < count:
            name, line = self.queue.get(timeout=120)
            assert line != "<eof>" or name != stream, f"{stream} ended: {self.seen}"
            self.seen[name].append(line)
        return [line for line in self.seen[stream] if text in line]

    def finish(self) -> int:
        """Wait for the process to exit and read the rest of its output; its exit code."""
        code = self.process.wait(timeout=60)
        for thread in self.threads:
            thread.join(timeout=60)
        while not self.queue.empty():
            name, line = self.queue.get_nowait()
            if line != "<eof>":
                self.seen[name].append(line)
        return code


def _config(tmp_path: Path, daemon: str, base_url: str) -> Path:
    sources = "".join(
        f"""
[[sources]]
kind = "snds"
name = "{daemon}-{index}"
api_key_env = "TEST_SNDS_KEY"
base_url = "{base_url}"
interval = "1h"
"""
        for index in range(SOURCES_PER_DAEMON)
    )
    path = tmp_path / f"{daemon}.toml"
    path.write_text(
        f'[store]\npath = "history.sqlite3"\nretention_days = 36500\nbusy_timeout_ms = 100\n{sources}'
    )
    return path


def _spawn(*argv: str, stdin: int | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        list(argv),
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TEST_SNDS_KEY": "snds-key"},
    )


def test_two_daemons_and_a_reader_wait_out_a_held_lock_and_lose_no_write(
    tmp_path: Path, api: FakeApi
) -> None:
    api.route("GET", "/snds/data.aspx", Reply(body=DATA))
    api.route("GET", "/snds/ipStatus.aspx", Reply(body=b""))
    store_path = tmp_path / "history.sqlite3"
    SqliteStore(store_path).close()  # created and migrated once

    holder = _spawn(sys.executable, "-c", LOCK_HOLDER, str(store_path), stdin=subprocess.PIPE)
    held = Lines(holder)
    held.wait_for("out", "locked")
    daemons = {
        name: Lines(
            _spawn(
                sys.executable, "-m", "ipdash", "poll", "--config", str(_config(tmp_path, name, api.base_url))
            )
        )
        for name in ("a", "b")
    }
    reader = Lines(_spawn(sys.executable, str(WORKER), "count", str(store_path), "snds_days", "200"))
    for lines in daemons.values():  # the ready state: each daemon has met the held lock and is retrying
        lines.wait_for("err", "the history store is locked by another process; retrying in")
    assert holder.stdin is not None
    holder.stdin.write("\n")
    holder.stdin.flush()
    held.wait_for("out", "released")
    polled = {name: lines.wait_for("out", " ✓ ", SOURCES_PER_DAEMON) for name, lines in daemons.items()}
    for lines in daemons.values():
        lines.process.send_signal(signal.SIGTERM)
    for lines in [*daemons.values(), reader, held]:
        assert lines.finish() == 0, lines.seen
        assert not any("Traceback" in line or "poll failed" in line for line in lines.seen["err"]), lines.seen

    reads = [int(line) for line in reader.seen["out"]]
    rows_per_poll = DATA.decode().strip().count("\n") + 1
    assert len(reads) == 200 and reads == sorted(reads)  # never fewer rows later
    assert all(count % rows_per_poll == 0 for count in reads)  # whole polls only
    with SqliteStore(store_path) as store:
        runs = {run.source: run for run in store.source_runs()}
        assert store.integrity_check() == "ok"
    with sqlite3.connect(store_path) as db:
        per_source = dict(db.execute("SELECT source, COUNT(*) FROM snds_days GROUP BY source").fetchall())
    assert sorted(runs) == [f"{d}-{i}" for d in ("a", "b") for i in range(SOURCES_PER_DAEMON)]
    for name, lines in polled.items():
        assert {line.split(" ")[1] for line in lines} == {f"{name}-{i}" for i in range(SOURCES_PER_DAEMON)}
        for line in lines:  # every poll a daemon reported is the one the store holds for that source
            stamp, source = line.split(" ")[:2]
            assert runs[source].ok
            assert runs[source].last_attempt.replace(microsecond=0) == datetime.fromisoformat(stamp)
            assert per_source[source] == rows_per_poll
