"""The embedded history store: SQLite (standard library) in WAL mode.

One process writes while others read: WAL lets readers see the last committed poll
while a writer works, and ``busy_timeout`` makes concurrent writers queue instead of
failing. Each poll is one ``BEGIN IMMEDIATE`` transaction, so a kill -9 mid-write
leaves either the whole poll or none of it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ipdash.domain.models import Dataset, PollResult
from ipdash.sources.store import rows
from ipdash.sources.store.base import AlertRecord, SourceRun
from ipdash.sources.store.schema import SchemaError, migrate


class StoreError(Exception):
    """The store cannot be opened or used; the message names the file."""


class SqliteStore:
    def __init__(self, path: Path, *, busy_timeout_ms: int = 10_000) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                path, timeout=busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False
            )
            self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreError(f"{path}: cannot switch the store to WAL mode (got {mode})")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            migrate(self._db)
            self.columns = {table.name: table.stored_columns(self._db) for table in rows.TABLES}
        except (sqlite3.DatabaseError, SchemaError, OSError) as error:
            raise StoreError(f"{path}: cannot open the history store: {error}") from error

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def save_poll(self, result: PollResult) -> int:
        stamp = result.fetched_at.isoformat()
        written = 0
        with self._write() as db:
            for table in rows.TABLES:
                records = table.records(result)
                if records:
                    stored = self.columns[table.name]
                    db.executemany(table.upsert(stored), [table.to_row(r, stamp, stored) for r in records])
                    written += len(records)
            self._record_run(db, result, stamp)
        return written

    def _record_run(self, db: sqlite3.Connection, result: PollResult, stamp: str) -> None:
        if result.ok:
            db.execute(
                """INSERT INTO source_runs (source, kind, last_attempt, last_success, last_detail,
                       consecutive_failures) VALUES (?, ?, ?, ?, ?, 0)
                   ON CONFLICT(source) DO UPDATE SET kind = excluded.kind, last_attempt = excluded.last_attempt,
                       last_success = excluded.last_success, last_detail = excluded.last_detail,
                       consecutive_failures = 0""",
                (result.source, result.kind, stamp, stamp, result.detail),
            )
        else:
            db.execute(
                """INSERT INTO source_runs (source, kind, last_attempt, last_failure, failure_kind, last_error,
                       consecutive_failures) VALUES (?, ?, ?, ?, ?, ?, 1)
                   ON CONFLICT(source) DO UPDATE SET kind = excluded.kind, last_attempt = excluded.last_attempt,
                       last_failure = excluded.last_failure, failure_kind = excluded.failure_kind,
                       last_error = excluded.last_error,
                       consecutive_failures = source_runs.consecutive_failures + 1""",
                (result.source, result.kind, stamp, stamp, result.failure, result.detail),
            )

    def load(self, since: date | None = None) -> Dataset:
        dataset = Dataset()
        with self._lock:
            self._db.execute("BEGIN")  # one snapshot across tables, even while a writer commits
            try:
                for table in rows.TABLES:
                    table.load_into(self._db, dataset, since, self.columns[table.name])
            finally:
                self._db.execute("COMMIT")
        return dataset

    def source_runs(self) -> list[SourceRun]:
        with self._lock:
            found = self._db.execute(
                """SELECT source, kind, last_attempt, last_success, last_failure, failure_kind, last_error,
                          last_detail, consecutive_failures FROM source_runs ORDER BY source"""
            ).fetchall()
        return [
            SourceRun(
                source=row[0],
                kind=row[1],
                last_attempt=datetime.fromisoformat(row[2]),
                last_success=_when(row[3]),
                last_failure=_when(row[4]),
                failure_kind=row[5],
                last_error=row[6],
                last_detail=row[7],
                consecutive_failures=row[8],
            )
            for row in found
        ]

    def prune(self, before: date) -> int:
        cutoff = before.isoformat()
        with self._write() as db:
            return sum(
                db.execute(f"DELETE FROM {table} WHERE day < ?", (cutoff,)).rowcount
                for table in ("daily_stats", "snds_days", "account_days")
            )

    def open_alerts(self) -> dict[str, AlertRecord]:
        with self._lock:
            found = self._db.execute("SELECT key, source, opened_at, payload FROM alerts").fetchall()
        return {
            key: AlertRecord(key, source, datetime.fromisoformat(opened), json.loads(payload))
            for key, source, opened, payload in found
        }

    def open_alert(self, record: AlertRecord) -> None:
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO alerts (key, source, opened_at, payload) VALUES (?, ?, ?, ?)",
                (record.key, record.source, record.opened_at.isoformat(), json.dumps(record.payload)),
            )

    def close_alert(self, key: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM alerts WHERE key = ?", (key,))

    def stamped_records(self, table: rows.Table, batch: int = 50_000) -> Iterator[list[tuple[Any, datetime]]]:
        """Every record of ``table`` with its fetch time, in batches (for ``ipdash store migrate``)."""
        stored = self.columns[table.name]
        with self._lock:
            cursor = self._db.execute(
                f"SELECT {', '.join(stored)}, fetched_at FROM {table.name} ORDER BY rowid"
            )
            while chunk := cursor.fetchmany(batch):
                yield [(table.from_row(row[:-1], stored), datetime.fromisoformat(row[-1])) for row in chunk]

    def count(self, table: str) -> int:
        with self._lock:
            return int(self._db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    def integrity_check(self) -> str:
        with self._lock:
            return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
