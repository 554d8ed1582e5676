"""The embedded history store: SQLite (standard library) in WAL mode.

One process writes while others read: WAL lets readers see the last committed poll
while a writer works, and ``busy_timeout`` makes concurrent writers queue instead of
failing. A lock held past it (another daemon's long write, a checkpoint) is retried with
backoff for up to ``RETRY_SECONDS``: a locked store delays a write, never drops it. Each
poll is one ``BEGIN IMMEDIATE`` transaction, so a kill -9 mid-write leaves either the whole
poll or none of it. A damaged file (bad pages, a dropped table, an unreadable stored value)
is a :class:`StoreError` that says so and how to recover, never a traceback.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from ipdash.domain.models import DailyStat, Dataset, PollResult
from ipdash.sources.store import rows
from ipdash.sources.store.base import AlertRecord, SourceRun
from ipdash.sources.store.schema import NewerSchemaError, SchemaError, migrate

#: How long a write locked out by other processes is retried (after each busy_timeout) before failing.
RETRY_SECONDS = 300.0
_FIRST_BACKOFF, _MAX_BACKOFF = 0.05, 2.0
_BUSY_CODES = (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED (extended codes keep them in the low byte)
T = TypeVar("T")
#: Called (from the writing thread) with the seconds until the next try when the store is locked.
BusyHook = Callable[[float], None]


class StoreError(Exception):
    """The store cannot be opened or used; the message names the file."""


class StoreDamaged(StoreError):
    """The file is damaged, not an ipdash store, or holds a value that cannot be read."""


def damaged(path: Path, problem: object) -> StoreDamaged:
    problem = str(problem).strip().splitlines()[0] if str(problem).strip() else type(problem).__name__
    return StoreDamaged(
        f"{path}: the history store is damaged or not an ipdash store ({problem}). Check it with "
        f"sqlite3 '{path}' 'PRAGMA integrity_check'; to start afresh, move the file aside "
        "(ipdash creates a new one; the providers' recent days are fetched again)"
    )


def retried_while_locked(
    action: Callable[[], T],
    locked_out: Callable[[Exception], bool],
    gave_up: Callable[[Exception], StoreError],
    retry_seconds: float,
    on_busy: BusyHook | None,
) -> T:
    """``action``, tried again with backoff (told to ``on_busy``) while its error says another
    process or session holds the lock, until ``retry_seconds`` have passed: then ``gave_up``'s
    StoreError. Both stores' writers wait this way: a locked store delays a write, never drops it."""
    backoff, give_up_at = _FIRST_BACKOFF, time.monotonic() + retry_seconds
    while True:
        try:
            return action()
        except Exception as error:
            if not locked_out(error):
                raise
            if time.monotonic() + backoff > give_up_at:
                raise gave_up(error) from error
        if on_busy is not None:
            on_busy(backoff)
        time.sleep(backoff)  # in the writing thread, never on the event loop
        backoff = min(backoff * 2, _MAX_BACKOFF)


def is_busy(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _BUSY_CODES
    return "locked" in str(error) or "busy" in str(error)


class SqliteStore:
    def __init__(self, path: Path, *, busy_timeout_ms: int = 10_000, on_busy: BusyHook | None = None) -> None:
        self.path = path
        self.on_busy = on_busy
        self.retry_seconds = RETRY_SECONDS
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        try:
            self._open(busy_timeout_ms)
        except StoreError:
            self._close_quietly()
            raise
        except sqlite3.OperationalError as error:
            self._close_quietly()
            if is_busy(error):
                raise StoreError(
                    f"{path}: the history store stayed locked by another process: {error}"
                ) from error
            raise damaged(path, error) from error
        except NewerSchemaError as error:
            self._close_quietly()
            raise StoreError(
                f"{path}: {error}, or point [store] path at another file (this one is left untouched)"
            ) from error
        except (sqlite3.DatabaseError, SchemaError) as error:
            self._close_quietly()
            raise damaged(path, error) from error
        except OSError as error:
            self._close_quietly()
            raise StoreError(f"{path}: cannot open the history store: {error}") from error

    def _open(self, busy_timeout_ms: int) -> None:
        path = self.path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = db = sqlite3.connect(
            path, timeout=busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False
        )
        db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        mode = self._retrying(lambda: db.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        if str(mode).lower() != "wal":
            raise StoreError(f"{path}: cannot switch the store to WAL mode (got {mode})")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        self._retrying(lambda: migrate(db))
        self.columns = self._retrying(lambda: {table.name: table.stored_columns(db) for table in rows.TABLES})
        missing = [name for name, stored in self.columns.items() if not stored]
        missing += [name for name in _OTHER_TABLES if not _has_table(db, name)]
        if missing:
            raise SchemaError(
                f"its schema version says it has the table(s) {', '.join(missing)}, but it has not"
            )

    def _connection(self) -> sqlite3.Connection:
        assert self._db is not None
        return self._db

    def _close_quietly(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()

    def _retrying(self, action: Callable[[], T]) -> T:
        """``action``, tried again with backoff while another process holds the lock; a damaged
        file or an unreadable stored value becomes a StoreError that says how to recover."""

        def locked_out(error: Exception) -> bool:
            return isinstance(error, sqlite3.OperationalError) and is_busy(error)

        def gave_up(error: Exception) -> StoreError:
            return StoreError(
                f"{self.path}: the history store has been locked by another process for over "
                f"{self.retry_seconds:.0f} s ({error})"
            )

        try:
            return retried_while_locked(action, locked_out, gave_up, self.retry_seconds, self.on_busy)
        except (
            sqlite3.DatabaseError
        ) as error:  # not busy: "database disk image is malformed", "not a database"
            raise damaged(self.path, error) from error

    def _reading(self, action: Callable[[sqlite3.Connection], T]) -> T:
        def attempt() -> T:
            with self._lock:
                try:
                    return action(self._connection())
                except (ValueError, TypeError) as error:  # a stored value that cannot be read
                    raise damaged(self.path, f"a stored value cannot be read: {error}") from error
                except Exception as error:
                    if type(error).__module__.startswith("polars"):
                        raise damaged(self.path, f"a stored value cannot be read: {error}") from error
                    raise
                finally:
                    if self._connection().in_transaction:
                        self._connection().execute("ROLLBACK")

        return self._retrying(attempt)

    def _writing(self, action: Callable[[sqlite3.Connection], T]) -> T:
        """``action`` in one BEGIN IMMEDIATE transaction, retried whole while the store is locked."""

        def attempt() -> T:
            with self._lock:
                db = self._connection()
                db.execute("BEGIN IMMEDIATE")
                try:
                    value = action(db)
                    db.execute("COMMIT")
                except BaseException:
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    raise
                return value

        return self._retrying(attempt)

    def save_poll(self, result: PollResult) -> int:
        stamp = result.fetched_at.isoformat()
        batches = []
        for table in rows.TABLES:
            records = table.records(result)
            if records:
                stored = self.columns[table.name]
                batches.append((table, stored, table.to_rows(records, stamp, stored)))

        def write(db: sqlite3.Connection) -> int:
            written = 0
            for table, stored, found in batches:
                try:
                    db.executemany(table.upsert(stored), found)
                except OverflowError as error:  # the poller refuses these first; never a traceback here
                    raise StoreError(
                        f"{self.path}: a value in {result.source}'s {table.name} is too large for SQLite "
                        f"(over 2^63-1): the poll was not saved ({error})"
                    ) from error
                written += len(found)
            self._record_run(db, result, stamp)
            return written

        return self._writing(write)

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

    def load(self, since: date | None = None, *, stats_since: date | None = None) -> Dataset:
        def read(db: sqlite3.Connection) -> Dataset:
            dataset = Dataset()
            db.execute("BEGIN")  # one snapshot across tables, even while a writer commits
            for table in rows.TABLES:
                first = stats_since if table.record is DailyStat and stats_since is not None else since
                table.load_into(db, dataset, first, self.columns[table.name])
            db.execute("COMMIT")
            return dataset

        return self._reading(read)

    def load_stats(self, since: date | None, before: date, ips: Collection[str]) -> Dataset:
        """The daily stats of ``ips`` from ``since`` (None: the first) to before ``before``."""
        if not ips:
            return Dataset()

        def read(db: sqlite3.Connection) -> Dataset:
            dataset = Dataset()
            table = rows.DAILY_STATS
            table.load_into(db, dataset, since, self.columns[table.name], before=before, ips=ips)
            return dataset

        return self._reading(read)

    def stats_ips(self, since: date | None, before: date) -> set[str]:
        """IPs with daily stats from ``since`` (None: the first) to before ``before``."""

        def read(db: sqlite3.Connection) -> set[str]:
            query, params = "SELECT DISTINCT ip FROM daily_stats WHERE day < ?", [before.isoformat()]
            if since is not None:
                query += " AND day >= ?"
                params.append(since.isoformat())
            return {ip for (ip,) in db.execute(query, params)}

        return self._reading(read)

    def held_until(self, since: date | None, before: date) -> set[tuple[str, str]]:
        """(IP, source) pairs whose newest daily stat is from ``since`` (None: the first) to before ``before``."""

        def read(db: sqlite3.Connection) -> set[tuple[str, str]]:
            query, params = "SELECT ip, source FROM stat_latest WHERE last_day < ?", [before.isoformat()]
            if since is not None:
                query += " AND last_day >= ?"
                params.append(since.isoformat())
            return {(ip, source) for ip, source in db.execute(query, params)}

        return self._reading(read)

    def load_changes(self, since: date | None, changed: Mapping[str, datetime | None]) -> Dataset:
        """What these sources' polls wrote after the given fetch times (all of a source given None)."""

        def read(db: sqlite3.Connection) -> Dataset:
            dataset = Dataset()
            db.execute("BEGIN")
            for table in rows.TABLES:
                table.load_into(db, dataset, since, self.columns[table.name], changed)
            db.execute("COMMIT")
            return dataset

        return self._reading(read)

    def latest_day(self) -> date | None:
        """The newest day of any daily record held (None: none); an index lookup per table."""

        def read(db: sqlite3.Connection) -> date | None:
            newest: date | None = None
            for table in rows.TABLES:
                if table.day_column:
                    day = db.execute(f"SELECT max({table.day_column}) FROM {table.name}").fetchone()[0]
                    try:
                        found = date.fromisoformat(day) if day else None
                    except (TypeError, ValueError):
                        raise ValueError(f"{table.name} has a day that is not a date: {day!r}") from None
                    newest = max(newest, found) if newest and found else newest or found
            return newest

        return self._reading(read)

    def source_runs(self) -> list[SourceRun]:
        return self._reading(self._source_runs)

    def _source_runs(self, db: sqlite3.Connection) -> list[SourceRun]:
        found = db.execute(
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

        def delete(db: sqlite3.Connection) -> int:
            deleted = sum(
                db.execute(f"DELETE FROM {table} WHERE day < ?", (cutoff,)).rowcount
                for table in ("daily_stats", "snds_days", "account_days")
            )
            db.execute("DELETE FROM stat_latest WHERE last_day < ?", (cutoff,))  # none of theirs left
            return deleted

        return self._writing(delete)

    def open_alerts(self) -> dict[str, AlertRecord]:
        def read(db: sqlite3.Connection) -> dict[str, AlertRecord]:
            found = db.execute("SELECT key, source, opened_at, payload FROM alerts").fetchall()
            return {
                key: AlertRecord(key, source, datetime.fromisoformat(opened), json.loads(payload))
                for key, source, opened, payload in found
            }

        return self._reading(read)

    def open_alert(self, record: AlertRecord) -> None:
        self._writing(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO alerts (key, source, opened_at, payload) VALUES (?, ?, ?, ?)",
                (record.key, record.source, record.opened_at.isoformat(), json.dumps(record.payload)),
            )
        )

    def close_alert(self, key: str) -> None:
        self._writing(lambda db: db.execute("DELETE FROM alerts WHERE key = ?", (key,)))

    # acknowledgements (the TUI's alerts panel) -------------------------------------------
    def acknowledged_alerts(self) -> dict[str, datetime]:
        found = self._reading(lambda db: db.execute("SELECT key, acknowledged_at FROM alert_acks").fetchall())
        acks = {}
        for key, at in found:
            when = _stored_time(at)
            if isinstance(key, str) and when is not None:  # a hand-edited row that cannot be read: left out
                acks[key] = when
        return acks

    def acknowledge_alert(self, key: str, at: datetime) -> None:
        self._writing(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO alert_acks (key, acknowledged_at) VALUES (?, ?)",
                (key, at.isoformat()),
            )
        )

    def stamped_records(self, table: rows.Table, batch: int = 50_000) -> Iterator[list[tuple[Any, datetime]]]:
        """Every record of ``table`` with its fetch time, in batches (for ``ipdash store migrate``)."""
        stored = self.columns[table.name]
        with self._lock:
            try:
                cursor = self._connection().execute(
                    f"SELECT {', '.join(stored)}, fetched_at FROM {table.name} ORDER BY rowid"
                )
                while chunk := cursor.fetchmany(batch):
                    yield [
                        (table.from_row(row[:-1], stored), datetime.fromisoformat(row[-1])) for row in chunk
                    ]
            except (sqlite3.DatabaseError, ValueError, TypeError) as error:
                raise damaged(self.path, error) from error

    # analysis snapshots (sources.store.snapshots) ------------------------------------------
    def data_version(self) -> int:
        """Bumped in the same transaction as every write of what an analysis reads (triggers)."""
        return self._reading(lambda db: int(db.execute("SELECT version FROM data_version").fetchone()[0]))

    def read_snapshot(self, key: str) -> tuple[int, bytes] | None:
        """The snapshot stored under ``key``: (the data version it was made at, its payload)."""

        def read(db: sqlite3.Connection) -> tuple[int, bytes] | None:
            row = db.execute(
                "SELECT data_version, payload FROM analysis_snapshots WHERE key = ?", (key,)
            ).fetchone()
            return None if row is None else (int(row[0]), bytes(row[1]))

        return self._reading(read)

    def write_snapshot(self, key: str, version: int, payload: bytes) -> None:
        """Store a snapshot made at data version ``version``; those of older versions (no viewer can
        match them again) are deleted."""

        def write(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM analysis_snapshots WHERE data_version < ?", (version,))
            db.execute(
                """INSERT INTO analysis_snapshots (key, data_version, written_at, payload) VALUES (?, ?, ?, ?)
                   ON CONFLICT (key) DO UPDATE SET data_version = excluded.data_version,
                       written_at = excluded.written_at, payload = excluded.payload""",
                (key, version, datetime.now(UTC).isoformat(), payload),
            )

        self._writing(write)

    def count(self, table: str) -> int:
        return self._reading(lambda db: int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]))

    def integrity_check(self) -> str:
        return self._reading(lambda db: str(db.execute("PRAGMA integrity_check").fetchone()[0]))

    def close(self) -> None:
        with self._lock:
            self._close_quietly()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_OTHER_TABLES = ("source_runs", "alerts")


def _has_table(db: sqlite3.Connection, name: str) -> bool:
    found = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
    return found is not None


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _stored_time(text: object) -> datetime | None:
    """A stored ISO time (UTC when written without an offset), None when it is not one."""
    if not isinstance(text, str):
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
