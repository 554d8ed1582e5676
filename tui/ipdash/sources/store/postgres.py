"""The shared history store: PostgreSQL through psycopg 3 and its connection pool.

For teams: several ``ipdash poll`` processes write, many TUIs and reports read. Each poll is one
transaction (COPY into a temporary table, then one upsert per table that keeps the newest fetch),
so re-polling a day never double-counts and a killed poller leaves the whole poll or none of it.
The poll's commit notifies viewers (LISTEN/NOTIFY on :data:`CHANNEL`). Pollers coordinate with
session advisory locks (:meth:`PostgresStore.claim`): a lock dies with its connection, so a
crashed poller's sources are free at once.
"""

from __future__ import annotations

import functools
import json
import operator
import os
import socket
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from ipdash.domain.models import DailyStat, Dataset, PollResult
from ipdash.sources.store import pg_arrow, rows
from ipdash.sources.store.base import AlertRecord, Claim, SourceRun
from ipdash.sources.store.pg_schema import (
    DAILY_TABLES,
    PARTITION_LOCK,
    create_partition_sql,
    migrate,
    month_start,
    next_month,
    partition_name,
)
from ipdash.sources.store.schema import SchemaError
from ipdash.sources.store.sqlite import RETRY_SECONDS, BusyHook, StoreError, retried_while_locked

CHANNEL = "ipdash_history"
#: PostgreSQL's SQLSTATE for a statement that gave up waiting for a lock (``lock_timeout``).
LOCK_NOT_AVAILABLE = "55P03"
#: A write that lost to another session (a lock wait given up, a deadlock, a serialisation failure)
#: is tried again, as SQLite's are: a locked store delays a poll's write, it never drops it.
_RETRIED_STATES = frozenset({LOCK_NOT_AVAILABLE, "40P01", "40001"})
#: The drivers whose errors are the store's failures: psycopg, its pool, ADBC (the stats reader).
_DRIVER_MODULES = frozenset({"psycopg", "psycopg_pool", "adbc_driver_manager"})
F = TypeVar("F", bound=Callable[..., Any])
#: Who wrote a poll, so a viewer can skip its own process's notifications.
WRITER_ID = f"{socket.gethostname()}:{os.getpid()}"


def _to_pg(table: rows.Table, name: str, value: Any) -> Any:
    if name in table.datetimes and value is not None:
        return value.isoformat()  # kept as text: naive and aware values both round-trip exactly
    if name in table.tuples:
        return "\n".join(value)
    return value


def _pg_rows(
    table: rows.Table, stored: list[str], stamped: Iterable[tuple[Any, datetime]]
) -> Iterator[list[Any]]:
    """Each record's ``stored`` values (read in one C call) and its stamp; only the columns
    ``_to_pg`` changes (datetimes, tuples) go through it: a value at a time through it all, the rows
    of a 10,000-IP poll held the GIL the event loop waited for."""
    read = operator.attrgetter(*stored)  # every table stores several columns
    converted = [
        (at, name) for at, name in enumerate(stored) if name in table.datetimes or name in table.tuples
    ]
    for record, stamp in stamped:
        row = [*read(record), stamp]
        for at, name in converted:
            row[at] = _to_pg(table, name, row[at])
        yield row


def _from_pg(table: rows.Table, values: dict[str, Any]) -> Any:
    for name in table.datetimes:
        values[name] = datetime.fromisoformat(values[name]) if values[name] else None
    for name in table.tuples:
        values[name] = tuple(values[name].split("\n")) if values[name] else ()
    return table.record(**values)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _source_key(source: str) -> str:
    return f"ipdash-source:{source}"


def _driver_errors(method: F) -> F:
    """The method's driver errors (a lost connection, a lock wait given up, a full disk) become a
    :class:`StoreError` worded by :meth:`PostgresStore.explain`, as SQLite's failures are: commands
    and the TUI show a store's failure as one line, never a driver's traceback."""

    @functools.wraps(method)
    def wrapped(self: PostgresStore, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except StoreError:
            raise
        except Exception as error:
            if type(error).__module__.split(".")[0] not in _DRIVER_MODULES:
                raise
            raise StoreError(self.explain(error)) from error

    return wrapped  # type: ignore[return-value]


def _retried_while_locked(method: F) -> F:
    """The write again, with backoff, while another session's lock keeps it out; given up (a
    :class:`StoreError`) after ``retry_seconds``. Each try is a whole transaction of its own."""

    @functools.wraps(method)
    def wrapped(self: PostgresStore, *args: Any, **kwargs: Any) -> Any:
        def locked_out(error: Exception) -> bool:
            return isinstance(error, self._psycopg.Error) and error.sqlstate in _RETRIED_STATES

        def gave_up(error: Exception) -> StoreError:
            return StoreError(
                f"{_redacted(self.url)}: the history store has been locked by another session "
                f"for over {self.retry_seconds:g} s ({_first_line(error)}). See who holds it "
                "in pg_locks and pg_stat_activity"
            )

        return retried_while_locked(
            lambda: method(self, *args, **kwargs), locked_out, gave_up, self.retry_seconds, self.on_busy
        )

    return wrapped  # type: ignore[return-value]


class PostgresStore:
    def __init__(
        self,
        url: str,
        *,
        password: str | None = None,
        pool_size: int = 4,
        lock_timeout_ms: int = 10_000,
        on_busy: BusyHook | None = None,
    ) -> None:
        import psycopg
        from psycopg_pool import ConnectionPool

        self.url = url
        self._psycopg = psycopg
        self._partitions: set[str] = set()
        self._partition_lock = threading.Lock()
        self._claims: dict[str, Any] = {}
        self.lock_timeout_ms = int(lock_timeout_ms)
        self.on_busy = on_busy
        self.retry_seconds = RETRY_SECONDS
        # Every session waits at most [store] busy_timeout_ms for a lock another session holds (a
        # migration, a LOCK TABLE, a long VACUUM FULL): without it a report or a poll waits forever.
        kwargs: dict[str, Any] = {
            "connect_timeout": 10,
            "application_name": "ipdash",
            "options": f"-c lock_timeout={self.lock_timeout_ms}",
        }
        if password is not None:
            kwargs["password"] = password
        self.connect_kwargs = kwargs
        self._arrow_uri = pg_arrow.arrow_uri(
            url, password, kwargs["connect_timeout"], lock_timeout_ms=self.lock_timeout_ms
        )
        try:
            # One direct connection first: a wrong host or password fails now, with the server's words.
            with psycopg.connect(url, **kwargs) as first:
                _configure(first)
                migrate(first)
                self.columns = {table.name: _stored_columns(first, table) for table in rows.TABLES}
        except (psycopg.Error, SchemaError) as error:
            raise StoreError(
                f"{_redacted(url)}: cannot open the history store: {_first_line(error)}"
            ) from error
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs=kwargs,
            configure=_configure,
            open=False,
            name="ipdash",
        )
        self._pool.open()

    def explain(self, error: BaseException) -> str:
        """One line for a driver's error: what failed, in the store's words, and what to do."""
        where = _redacted(self.url)
        if getattr(error, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            return (
                f"{where}: the history store is locked by another session: a statement waited "
                f"{self.lock_timeout_ms / 1000:g} s for a lock and gave up ({_first_line(error)}). "
                "See who holds it in pg_locks and pg_stat_activity, or raise [store] busy_timeout_ms"
            )
        return f"{where}: the history store failed: {_first_line(error)}"

    # writing --------------------------------------------------------------------------------
    def _ensure_partitions(self, db: Any, table: str, days: set[date]) -> None:
        months = {month_start(day) for day in days}
        missing = [m for m in months if partition_name(table, m) not in self._partitions]
        if not missing:
            return
        with self._partition_lock, db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (PARTITION_LOCK,))
            for month in missing:
                db.execute(create_partition_sql(table, month))
        self._partitions.update(partition_name(table, m) for m in missing)

    @_driver_errors
    @_retried_while_locked
    def save_poll(self, result: PollResult) -> int:
        stamp = _aware(result.fetched_at)
        written = 0
        with self._pool.connection() as db:
            for table in rows.TABLES:
                records = table.records(result)
                if records and table.day_column:
                    self._ensure_partitions(db, table.name, {getattr(r, table.day_column) for r in records})
            with db.transaction():
                for table in rows.TABLES:
                    records = table.records(result)
                    if records:
                        written += self._upsert(db, table, records, stamp)
                self._record_run(db, result, stamp)
                payload = {"source": result.source, "fetched_at": stamp.isoformat(), "writer": WRITER_ID}
                db.execute("SELECT pg_notify(%s, %s)", (CHANNEL, json.dumps(payload)))
        return written

    def _upsert(self, db: Any, table: rows.Table, records: Any, stamp: datetime) -> int:
        return self._upsert_stamped(db, table, [(record, stamp) for record in records])

    def _upsert_stamped(self, db: Any, table: rows.Table, stamped: list[tuple[Any, datetime]]) -> int:
        stored = self.columns[table.name]
        columns = [*stored, "fetched_at"]
        key_of = operator.attrgetter(*table.key)  # every table's key has several columns
        # One batch may repeat a key: the last one wins, as in SQLite.
        latest = {key_of(record): (record, stamp) for record, stamp in stamped}
        scratch = f"incoming_{table.name}"
        db.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {scratch} (LIKE {table.name} INCLUDING DEFAULTS) "
            "ON COMMIT DELETE ROWS"
        )
        with db.cursor().copy(f"COPY {scratch} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in _pg_rows(table, stored, latest.values()):
                copy.write_row(row)
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in table.key)
        db.execute(
            f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM {scratch} "
            f"ON CONFLICT ({', '.join(table.key)}) DO UPDATE SET {updates} "
            f"WHERE {table.name}.fetched_at <= excluded.fetched_at"
        )
        return len(stamped)

    @_driver_errors
    @_retried_while_locked
    def import_records(self, table: rows.Table, stamped: list[tuple[Any, datetime]]) -> int:
        """Records with their own fetch times (``ipdash store migrate``), upserted like a poll's."""
        if table.day_column:
            with self._pool.connection() as db:
                self._ensure_partitions(db, table.name, {getattr(r, table.day_column) for r, _ in stamped})
        with self._pool.connection() as db, db.transaction():
            return self._upsert_stamped(db, table, [(r, _aware(stamp)) for r, stamp in stamped])

    @_driver_errors
    @_retried_while_locked
    def import_run(self, run: SourceRun) -> None:
        """One source's outcomes, kept when the store already has a later attempt."""
        with self._pool.connection() as db:
            db.execute(
                """INSERT INTO source_runs (source, kind, last_attempt, last_success, last_failure,
                       failure_kind, last_error, last_detail, consecutive_failures)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
                   ON CONFLICT (source) DO UPDATE SET kind = excluded.kind,
                       last_attempt = excluded.last_attempt, last_success = excluded.last_success,
                       last_failure = excluded.last_failure, failure_kind = excluded.failure_kind,
                       last_error = excluded.last_error, last_detail = excluded.last_detail,
                       consecutive_failures = excluded.consecutive_failures
                   WHERE source_runs.last_attempt <= excluded.last_attempt""",
                (
                    run.source,
                    run.kind,
                    _aware(run.last_attempt),
                    run.last_success and _aware(run.last_success),
                    run.last_failure and _aware(run.last_failure),
                    run.failure_kind,
                    run.last_error,
                    run.last_detail,
                    run.consecutive_failures,
                ),
            )

    @_driver_errors
    def count(self, table: str) -> int:
        with self._pool.connection() as db:
            return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def _record_run(self, db: Any, result: PollResult, stamp: datetime) -> None:
        if result.ok:
            db.execute(
                """INSERT INTO source_runs (source, kind, last_attempt, last_success, last_detail,
                       consecutive_failures) VALUES (%s, %s, %s, %s, %s, 0)
                   ON CONFLICT (source) DO UPDATE SET kind = excluded.kind,
                       last_attempt = excluded.last_attempt, last_success = excluded.last_success,
                       last_detail = excluded.last_detail, consecutive_failures = 0""",
                (result.source, result.kind, stamp, stamp, result.detail),
            )
        else:
            db.execute(
                """INSERT INTO source_runs (source, kind, last_attempt, last_failure, failure_kind,
                       last_error, consecutive_failures) VALUES (%s, %s, %s, %s, %s, %s, 1)
                   ON CONFLICT (source) DO UPDATE SET kind = excluded.kind,
                       last_attempt = excluded.last_attempt, last_failure = excluded.last_failure,
                       failure_kind = excluded.failure_kind, last_error = excluded.last_error,
                       consecutive_failures = source_runs.consecutive_failures + 1""",
                (result.source, result.kind, stamp, stamp, result.failure, result.detail),
            )

    # reading --------------------------------------------------------------------------------
    @_driver_errors
    def load(self, since: date | None = None, *, stats_since: date | None = None) -> Dataset:
        dataset = Dataset()
        with self._pool.connection() as db, db.transaction():
            db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")  # one snapshot
            for table in rows.TABLES:
                first = stats_since if table is rows.DAILY_STATS and stats_since is not None else since
                self._load_table(db, table, dataset, since=first)
        return dataset

    @_driver_errors
    def load_stats(self, since: date | None, before: date, ips: Collection[str]) -> Dataset:
        """The daily stats of ``ips`` from ``since`` (None: the first) to before ``before`` (the
        month partitions outside the range are not scanned)."""
        dataset = Dataset()
        if not ips:
            return dataset
        with self._pool.connection() as db, db.transaction():
            db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            self._load_table(db, rows.DAILY_STATS, dataset, since=since, before=before, ips=ips)
        return dataset

    @_driver_errors
    def stats_ips(self, since: date | None, before: date) -> set[str]:
        """IPs with daily stats from ``since`` (None: the first) to before ``before``."""
        query, params = "SELECT DISTINCT ip FROM daily_stats WHERE day < %s", [before]
        if since is not None:
            query += " AND day >= %s"
            params.append(since)
        with self._pool.connection() as db:
            return {ip for (ip,) in db.execute(query, params)}

    @_driver_errors
    def held_until(self, since: date | None, before: date) -> set[tuple[str, str]]:
        """(IP, source) pairs whose newest daily stat is from ``since`` (None: the first) to before ``before``."""
        query, params = "SELECT ip, source FROM stat_latest WHERE last_day < %s", [before]
        if since is not None:
            query += " AND last_day >= %s"
            params.append(since)
        with self._pool.connection() as db:
            return {(ip, source) for ip, source in db.execute(query, params)}

    @_driver_errors
    def load_changes(self, since: date | None, changed: Mapping[str, datetime | None]) -> Dataset:
        """What these sources' polls wrote after the given fetch times (all of a source given None)."""
        dataset = Dataset()
        with self._pool.connection() as db, db.transaction():
            db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            for table in rows.TABLES:
                self._load_table(db, table, dataset, since=since, changed=changed)
        return dataset

    @_driver_errors
    def load_poll(self, source: str, fetched_at: datetime) -> PollResult:
        """The records one poll wrote (those it fetched at ``fetched_at``), for viewers told of it."""
        dataset = Dataset()
        with self._pool.connection() as db, db.transaction():
            db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            for table in rows.TABLES:
                self._load_table(db, table, dataset, fetched_at=_aware(fetched_at))
            run = db.execute(
                "SELECT kind, failure_kind, last_error, last_detail, last_success FROM source_runs "
                "WHERE source = %s",
                (source,),
            ).fetchone()
        kind, failure, error, detail, success = run or ("unknown", None, "", "", None)
        ok = success is not None and success == _aware(fetched_at)
        return PollResult(
            source=source,
            kind=kind,
            fetched_at=_aware(fetched_at),
            stats=tuple(dataset.stats.values()),
            facts=tuple(dataset.facts.values()),
            snds=tuple(dataset.snds.values()),
            warmups=tuple(dataset.warmups.values()),
            listings=tuple(dataset.listings.values()),
            account_days=tuple(dataset.accounts.values()),
            failure=None if ok else (failure or "unavailable"),
            detail=detail if ok else error,
        )

    def _load_table(
        self,
        db: Any,
        table: rows.Table,
        dataset: Dataset,
        *,
        since: date | None = None,
        fetched_at: datetime | None = None,
        changed: Mapping[str, datetime | None] | None = None,
        before: date | None = None,
        ips: Collection[str] | None = None,
    ) -> None:
        names = self.columns[table.name]
        query = f"SELECT {', '.join(names)} FROM {table.name}"
        conditions: list[str] = []
        params: list[Any] = []
        if fetched_at is not None:
            conditions.append("fetched_at = %s")
            params.append(fetched_at)
        if changed is not None:
            clause, values = rows.changed_condition(changed, "%s", _aware)
            conditions.append(clause)
            params.extend(values)
        if since is not None and table.day_column and fetched_at is None:
            conditions.append(f"{table.day_column} >= %s")
            params.append(since)
        if before is not None and table.day_column:
            conditions.append(f"{table.day_column} < %s")
            params.append(before)
        if ips is not None:
            conditions.append("ip = ANY(%s)")
            params.append(sorted(ips))
        where = " WHERE " + " AND ".join(conditions) if conditions else ""
        if table.record is DailyStat:
            frame = self._stats_frame(db, where, params, names)
            if frame is not None:
                dataset.add_frame(frame)
            return
        cursor = db.cursor()
        cursor.execute(query + where + " ORDER BY fetched_at", params)
        for row in cursor:
            table.add(dataset, _from_pg(table, dict(zip(names, row, strict=True))))

    def _stats_frame(self, db: Any, where: str, params: list[Any], names: list[str]) -> Any:
        """Daily stats as a polars frame read by ADBC in the binary COPY format (``pg_arrow``), in
        this transaction's snapshot. The last fetched record of a (day, IP, mailbox provider) wins."""
        from ipdash.domain.stats_table import conform

        sql = self._psycopg.sql
        query = f"SELECT {', '.join(names)}, fetched_at FROM daily_stats{where}"
        # Bound client-side, as literals the server parses (psycopg's quoting), for the other driver.
        bound = sql.SQL(query.replace("%s", "{}")).format(*(sql.Literal(value) for value in params))
        snapshot = db.execute("SELECT pg_export_snapshot()").fetchone()[0]
        frame = pg_arrow.read_frame(self._arrow_uri, bound.as_string(db), snapshot)
        if frame.height == 0:
            return None
        return conform(pg_arrow.newest_per_key(frame))

    @_driver_errors
    def latest_day(self) -> date | None:
        """The newest day of any daily record held (None: none)."""
        with self._pool.connection() as db:
            found = [db.execute(f"SELECT max(day) FROM {table}").fetchone()[0] for table in DAILY_TABLES]
        return max((day for day in found if day is not None), default=None)

    @_driver_errors
    def source_runs(self) -> list[SourceRun]:
        with self._pool.connection() as db:
            found = db.execute(
                """SELECT source, kind, last_attempt, last_success, last_failure, failure_kind, last_error,
                          last_detail, consecutive_failures FROM source_runs ORDER BY source"""
            ).fetchall()
        return [SourceRun(*row) for row in found]

    # retention ------------------------------------------------------------------------------
    @_driver_errors
    def prune(self, before: date) -> int:
        """Whole months before ``before`` are dropped as partitions; the rest row by row."""
        deleted = 0
        with self._pool.connection() as db, db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (PARTITION_LOCK,))
            for table in DAILY_TABLES:
                for name, upper in self._partitions_of(db, table):
                    if upper <= before:
                        deleted += db.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
                        db.execute(f"DROP TABLE {name}")
                        self._partitions.discard(name)
                # This statement fires the data version's trigger even when the drops left it no row (a
                # DROP fires none).
                deleted += db.execute(f"DELETE FROM {table} WHERE day < %s", (before,)).rowcount
            db.execute("DELETE FROM stat_latest WHERE last_day < %s", (before,))  # none of theirs left
        return deleted

    def _partitions_of(self, db: Any, table: str) -> list[tuple[str, date]]:
        found = db.execute(
            """SELECT child.relname FROM pg_inherits
               JOIN pg_class parent ON pg_inherits.inhparent = parent.oid
               JOIN pg_class child ON pg_inherits.inhrelid = child.oid
               WHERE parent.relname = %s""",
            (table,),
        ).fetchall()
        months = []
        for (name,) in found:
            stamp = name.rsplit("_p", 1)[-1]
            months.append((name, next_month(date(int(stamp[:4]), int(stamp[4:]), 1))))
        return months

    # alerts ---------------------------------------------------------------------------------
    @_driver_errors
    def open_alerts(self) -> dict[str, AlertRecord]:
        with self._pool.connection() as db:
            found = db.execute("SELECT key, source, opened_at, payload FROM alerts").fetchall()
        return {key: AlertRecord(key, source, opened, payload) for key, source, opened, payload in found}

    @_driver_errors
    @_retried_while_locked
    def open_alert(self, record: AlertRecord) -> None:
        from psycopg.types.json import Jsonb

        with self._pool.connection() as db:
            db.execute(
                """INSERT INTO alerts (key, source, opened_at, payload) VALUES (%s, %s, %s, %s)
                   ON CONFLICT (key) DO UPDATE SET source = excluded.source,
                       opened_at = excluded.opened_at, payload = excluded.payload""",
                (record.key, record.source, _aware(record.opened_at), Jsonb(record.payload)),
            )

    @_driver_errors
    @_retried_while_locked
    def close_alert(self, key: str) -> None:
        with self._pool.connection() as db:
            db.execute("DELETE FROM alerts WHERE key = %s", (key,))

    # acknowledgements (the TUI's alerts panel) -------------------------------------------
    @_driver_errors
    def acknowledged_alerts(self) -> dict[str, datetime]:
        with self._pool.connection() as db:
            found = db.execute("SELECT key, acknowledged_at FROM alert_acks").fetchall()
        return {key: at for key, at in found}

    @_driver_errors
    @_retried_while_locked
    def acknowledge_alert(self, key: str, at: datetime) -> None:
        with self._pool.connection() as db:
            db.execute(
                """INSERT INTO alert_acks (key, acknowledged_at) VALUES (%s, %s)
                   ON CONFLICT (key) DO UPDATE SET acknowledged_at = excluded.acknowledged_at""",
                (key, _aware(at)),
            )

    # analysis snapshots (sources.store.snapshots) ------------------------------------------
    @_driver_errors
    def data_version(self) -> int:
        """Bumped in the same transaction as every write of what an analysis reads (triggers)."""
        with self._pool.connection() as db:
            return int(db.execute("SELECT version FROM data_version").fetchone()[0])

    @_driver_errors
    def read_snapshot(self, key: str) -> tuple[int, bytes] | None:
        """The snapshot stored under ``key``: (the data version it was made at, its payload). Read in
        binary: as text a bytea comes hex-encoded, twice its size (a 10k view of 25 MB: 0.31-0.53 s
        against 0.10-0.14 s)."""
        with self._pool.connection() as db:
            row = db.execute(
                "SELECT data_version, payload FROM analysis_snapshots WHERE key = %s", (key,), binary=True
            ).fetchone()
        return None if row is None else (int(row[0]), bytes(row[1]))

    @_driver_errors
    @_retried_while_locked
    def write_snapshot(self, key: str, version: int, payload: bytes) -> None:
        """Store a snapshot made at data version ``version``; those of older versions (no viewer can
        match them again) are deleted."""
        with self._pool.connection() as db, db.transaction():
            db.execute("DELETE FROM analysis_snapshots WHERE data_version < %s", (version,))
            db.execute(
                """INSERT INTO analysis_snapshots (key, data_version, written_at, payload)
                   VALUES (%s, %s, now(), %s)
                   ON CONFLICT (key) DO UPDATE SET data_version = excluded.data_version,
                       written_at = excluded.written_at, payload = excluded.payload""",
                (key, version, payload),
            )

    # coordination ---------------------------------------------------------------------------
    @_driver_errors
    def claim(self, source: str, interval_seconds: float, now: datetime) -> Claim:
        """Try the source's advisory lock on a connection of its own, held while the poll runs."""
        db = self._psycopg.connect(self.url, autocommit=True, **self.connect_kwargs)
        try:
            got = db.execute(
                "SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (_source_key(source),)
            ).fetchone()
            if not (got and got[0]):
                db.close()
                return Claim(source, False, now + timedelta(seconds=interval_seconds), "polled elsewhere now")
            row = db.execute("SELECT last_attempt FROM source_runs WHERE source = %s", (source,)).fetchone()
            due = row[0] + timedelta(seconds=interval_seconds) if row else None
            if due is not None and due > _aware(now):
                _unlock_and_close(db, source)
                return Claim(source, False, due, "polled elsewhere within the interval")
        except BaseException:
            db.close()
            raise
        self._claims[source] = db
        return Claim(source, True, now)

    def release(self, claim: Claim) -> None:
        db = self._claims.pop(claim.source, None)
        if db is not None:
            _unlock_and_close(db, claim.source)

    def close(self) -> None:
        for db in self._claims.values():
            db.close()
        self._claims.clear()
        self._pool.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _stored_columns(db: Any, table: rows.Table) -> list[str]:
    """The record's fields the schema has a column for. A field added to a domain record without a
    migration is left out (and the store tests fail) rather than breaking polls."""
    found = db.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND table_schema = current_schema()",
        (table.name,),
    ).fetchall()
    existing = {name for (name,) in found}
    return [name for name in table.field_names if name in existing]


def _configure(connection: Any) -> None:
    connection.execute("SET TIME ZONE 'UTC'")
    connection.commit()


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _redacted(url: str) -> str:
    """The URL without a password, should one have been given in code (config refuses one)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if not parts.password:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))


def _unlock_and_close(db: Any, source: str) -> None:
    """Unlock, then close: a closed session's locks are freed only when its server process has
    ended, a moment after the client closed, so another poller asking at once was refused."""
    try:
        db.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (_source_key(source),))
    except Exception:  # a dead connection: its lock goes with it
        pass
    finally:
        db.close()
