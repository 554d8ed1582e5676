"""A poll's rows are built a record at a time, not a value at a time: only the columns a store
cannot take as they are (days, datetimes, flags, tuples) go through the conversion, and the rows
are the same as when every value went through it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from counting import CountedCalls
from ipdash.sources.store import SqliteStore, rows
from ipdash.sources.store import postgres as pg
from ipdash.sources.store.postgres import PostgresStore
from ipdash.sources.store.rows import TABLES

from .test_store import ACCOUNT, FACTS, LISTING, SNDS, STAT, T0, WARMUP, poll

#: One record of every table, each holding every kind of value its table has.
RECORDS = {
    "daily_stats": STAT,
    "ip_facts": FACTS,
    "snds_days": SNDS,
    "warmups": WARMUP,
    "listings": LISTING,
    "account_days": ACCOUNT,
}
MANY_STATS = tuple(replace(STAT, ip=f"192.0.2.{n}") for n in range(100))


@pytest.mark.parametrize(("kind", "conversions"), [("sqlite", 100), ("postgres", 0)])
def test_daily_stats_convert_only_what_the_store_cannot_take(
    kind: str,
    conversions: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    # SQLite converts each record's day; PostgreSQL takes days as they are. Converting every
    # value, both made 1,400 conversions (100 records x 14 columns).
    if kind == "sqlite":
        converted = CountedCalls(monkeypatch, "_to_db", rows)
        opened: SqliteStore | PostgresStore = SqliteStore(tmp_path / "history.sqlite3")
    else:
        converted = CountedCalls(monkeypatch, "_to_pg", pg)
        opened = PostgresStore(request.getfixturevalue("pg_url"))
    with opened as store:
        assert store.save_poll(poll(stats=MANY_STATS)) == 100
        assert converted.count == conversions
        assert len(store.load().stats) == 100


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_sqlite_rows_are_those_of_converting_every_value(table: rows.Table) -> None:
    record = RECORDS[table.name]
    stored = table.field_names
    every_value = (*(rows._to_db(getattr(record, name)) for name in stored), "stamp")
    assert table.to_rows([record, record], "stamp", stored) == [every_value, every_value]
    assert table.to_rows([record], "stamp", stored[:1]) == [
        (rows._to_db(getattr(record, stored[0])), "stamp")
    ]


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_postgres_rows_are_those_of_converting_every_value(table: rows.Table) -> None:
    record = RECORDS[table.name]
    stored = table.field_names
    every_value = [*(pg._to_pg(table, name, getattr(record, name)) for name in stored), T0]
    assert list(pg._pg_rows(table, stored, [(record, T0)])) == [every_value]
