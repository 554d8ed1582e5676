"""Domain records <-> SQLite rows, one :class:`Table` per record type.

Dates are ISO text, timestamps ISO 8601 with offset, tuples joined by newlines.
Loading orders rows by ``fetched_at`` so that, where two sources or two polls give
the same key, the newest fetch wins in the Dataset.
"""

from __future__ import annotations

import functools
import json
import operator
import sqlite3
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from ipdash.domain.models import (
    AccountDay,
    DailyStat,
    Dataset,
    IpFacts,
    PollResult,
    ProviderListing,
    ProviderWarmup,
    SndsDay,
)


def _to_db(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, tuple):
        return "\n".join(value)
    return value


#: Declared field types whose values SQLite stores as ``_to_db`` would (it returns them unchanged;
#: a bool in an int field is bound as the same integer).
_AS_THEY_ARE = frozenset({"int", "int | None", "str", "str | None", "float", "float | None"})


def _values_of(names: Sequence[str]) -> Callable[[Any], tuple[Any, ...]]:
    """A record's values of ``names``, as a tuple (``attrgetter`` of one name gives the bare value)."""
    if len(names) == 1:
        [name] = names
        return lambda record: (getattr(record, name),)
    return operator.attrgetter(*names)


@dataclass(frozen=True)
class Table:
    name: str
    record: type
    key: tuple[str, ...]
    pick: Callable[[PollResult], Sequence[Any]]
    add: Callable[[Dataset, Any], None]
    day_column: str | None = None
    dates: tuple[str, ...] = ()
    datetimes: tuple[str, ...] = ()
    bools: tuple[str, ...] = ()
    tuples: tuple[str, ...] = ()

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in fields(self.record)]

    @functools.cached_property
    def numbers(self) -> dict[str, tuple[type, ...]]:
        """The record's count and rate fields and the Python types a stored value of each may have:
        SQLite keeps text put in an INTEGER column as text, which must not pass as a count."""
        kinds: dict[str, tuple[type, ...]] = {"int": (int,), "float": (int, float)}
        found: dict[str, tuple[type, ...]] = {}
        for f in fields(self.record):
            kind = kinds.get(str(f.type).removesuffix(" | None"))
            if kind is not None:
                found[f.name] = kind
        return found

    def stored_columns(self, db: sqlite3.Connection) -> list[str]:
        """The record's fields the schema has a column for. A field added to a domain record
        without a migration is left out (and the store tests fail) rather than breaking polls."""
        existing = {row[1] for row in db.execute(f"PRAGMA table_info({self.name})")}
        return [name for name in self.field_names if name in existing]

    def upsert(self, stored: list[str]) -> str:
        columns = [*stored, "fetched_at"]
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in self.key)
        return (
            f"INSERT INTO {self.name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)}) "
            f"ON CONFLICT({', '.join(self.key)}) DO UPDATE SET {updates}"
        )

    def records(self, result: PollResult) -> Sequence[Any]:
        return self.pick(result)

    def to_rows(self, records: Sequence[Any], stamp: str, stored: list[str]) -> list[tuple[Any, ...]]:
        """The records as rows of ``stored`` then ``fetched_at`` (``stamp``). Each record's values are
        read in one C call, and only the columns SQLite does not take as they are (dates, bools,
        tuples: by the field's declared type) go through ``_to_db``: a value at a time through it
        all, a 10,000-IP poll's rows took longer to build than to write, on a thread the event loop
        waited behind."""
        read = _values_of(stored)
        declared = {f.name: str(f.type) for f in fields(self.record)}
        converted = [at for at, name in enumerate(stored) if declared[name] not in _AS_THEY_ARE]
        if not converted:
            return [(*values, stamp) for values in map(read, records)]
        if len(converted) == 1:  # the daily stats: their day
            [at] = converted
            return [(*v[:at], _to_db(v[at]), *v[at + 1 :], stamp) for v in map(read, records)]
        rows: list[tuple[Any, ...]] = []
        for values in map(read, records):
            row = list(values)
            for at in converted:
                row[at] = _to_db(row[at])
            row.append(stamp)
            rows.append(tuple(row))
        return rows

    def from_row(self, row: tuple[Any, ...], stored: list[str]) -> Any:
        values = dict(zip(stored, row, strict=True))
        for name, kinds in self.numbers.items():
            value = values.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, kinds)):
                raise ValueError(f"{self.name}.{name} holds {value!r}, not a number")
        for name in self.dates:
            values[name] = date.fromisoformat(values[name]) if values[name] else None
        for name in self.datetimes:
            values[name] = datetime.fromisoformat(values[name]) if values[name] else None
        for name in self.bools:
            values[name] = bool(values[name])
        for name in self.tuples:
            values[name] = tuple(values[name].split("\n")) if values[name] else ()
        return self.record(**values)

    def load_into(
        self,
        db: sqlite3.Connection,
        dataset: Dataset,
        since: date | None,
        stored: list[str],
        changed: Mapping[str, datetime | None] | None = None,
        *,
        before: date | None = None,
        ips: Collection[str] | None = None,
    ) -> None:
        """This table's rows from ``since`` on, before ``before``, of ``ips`` only (each None: no
        bound), written after ``changed``'s times."""
        query = f"SELECT {', '.join(stored)} FROM {self.name}"
        conditions: list[str] = []
        params: list[Any] = []
        if since is not None and self.day_column:
            conditions.append(f"{self.day_column} >= ?")
            params.append(since.isoformat())
        if before is not None and self.day_column:
            conditions.append(f"{self.day_column} < ?")
            params.append(before.isoformat())
        if ips is not None:
            conditions.append("ip IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(sorted(ips)))
        if changed is not None:
            where, values = changed_condition(changed, "?", datetime.isoformat)
            conditions.append(where)
            params.extend(values)
        if conditions:
            query += " WHERE " + " AND ".join(conditions)
        cursor = db.execute(query + " ORDER BY fetched_at", params)
        if self.record is DailyStat:
            _add_stat_rows(dataset, cursor, stored)
            return
        for row in cursor:
            self.add(dataset, self.from_row(row, stored))


def changed_condition(
    changed: Mapping[str, datetime | None], marker: str, stamp: Callable[[datetime], Any]
) -> tuple[str, list[Any]]:
    """SQL for "written by these sources' polls since": each source's records fetched after its
    given time (all of a source given None). ``marker`` is the driver's placeholder."""
    if not changed:
        return "1 = 0", []
    parts: list[str] = []
    params: list[Any] = []
    for source, after in changed.items():
        if after is None:
            parts.append(f"source = {marker}")
            params.append(source)
        else:
            parts.append(f"(source = {marker} AND fetched_at > {marker})")
            params += [source, stamp(after)]
    return "(" + " OR ".join(parts) + ")", params


#: Daily-stat rows turned into a frame at a time. Each chunk holds the GIL while it becomes
#: columns (~10 ms at this size); between chunks the TUI's event loop runs (bench_store: loop stall).
STAT_CHUNK = 8192


def _add_stat_rows(dataset: Dataset, cursor: sqlite3.Cursor, stored: list[str]) -> None:
    """Daily stats straight into the dataset's frame (no record object per row), read in chunks so
    no single step holds the GIL for long; the last fetched record of a (day, ip, mailbox provider)
    wins, as with one-by-one adds."""
    import polars as pl

    from ipdash.domain.stats_table import SCHEMA, unique_keys

    known = {name: SCHEMA[name] for name in stored if name in SCHEMA and name != "day"}
    schema = {name: known.get(name, pl.String) for name in stored}
    frames = []
    while chunk := cursor.fetchmany(STAT_CHUNK):
        frame = pl.DataFrame(list(zip(*chunk, strict=True)), schema=schema, orient="col")
        days = frame["day"].str.to_date("%Y-%m-%d", strict=False)
        if days.null_count():
            bad = frame.filter(days.is_null())["day"][0]
            raise ValueError(f"daily_stats has a day that is not a date: {bad!r}")
        frames.append(frame.with_columns(days.alias("day")))
    if frames:
        frame = pl.concat(frames) if len(frames) > 1 else frames[0]
        # The table's key includes the source: rows of one source never repeat a key.
        dataset.add_frame(unique_keys(frame) if frame["source"].n_unique() > 1 else frame)


def _add_stat(dataset: Dataset, stat: DailyStat) -> None:
    dataset.stats[(stat.day, stat.ip, stat.mailbox_provider)] = stat


def _add_facts(dataset: Dataset, facts: IpFacts) -> None:
    dataset.facts[facts.ip] = facts


def _add_snds(dataset: Dataset, day: SndsDay) -> None:
    dataset.snds[(day.ip, day.day)] = day


def _add_warmup(dataset: Dataset, warmup: ProviderWarmup) -> None:
    dataset.warmups[warmup.ip] = warmup


def _add_listing(dataset: Dataset, listing: ProviderListing) -> None:
    dataset.listings[(listing.source, listing.ip, listing.list_name)] = listing


def _add_account(dataset: Dataset, day: AccountDay) -> None:
    dataset.accounts[(day.source, day.scope, day.day)] = day


TABLES: tuple[Table, ...] = (
    Table(
        "daily_stats",
        DailyStat,
        ("day", "ip", "mailbox_provider", "source"),
        lambda r: r.stats,
        _add_stat,
        day_column="day",
        dates=("day",),
    ),
    Table(
        "ip_facts",
        IpFacts,
        ("ip", "source"),
        lambda r: r.facts,
        _add_facts,
        dates=("warmup_start",),
        tuples=("sending_domains",),
    ),
    Table(
        "snds_days",
        SndsDay,
        ("ip", "day", "source"),
        lambda r: r.snds,
        _add_snds,
        day_column="day",
        dates=("day",),
        datetimes=("activity_start", "activity_end"),
    ),
    Table(
        "warmups",
        ProviderWarmup,
        ("ip", "source"),
        lambda r: r.warmups,
        _add_warmup,
        dates=("started_on",),
        bools=("active", "completed"),
    ),
    Table(
        "listings",
        ProviderListing,
        ("ip", "list_name", "source"),
        lambda r: r.listings,
        _add_listing,
        datetimes=("first_seen",),
        bools=("listed",),
    ),
    Table(
        "account_days",
        AccountDay,
        ("day", "scope", "source"),
        lambda r: r.account_days,
        _add_account,
        day_column="day",
        dates=("day",),
        tuples=("delivery_errors", "compliance"),
    ),
)
#: The daily stats' table (the one read by day range and by IP).
DAILY_STATS = next(table for table in TABLES if table.record is DailyStat)
