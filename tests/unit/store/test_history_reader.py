"""HistoryReader: after the first read, only what changed is read, and the result is the same
Dataset a full read gives, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from ipdash.domain.models import Dataset, PollResult
from ipdash.sources.store import HistoryReader, SqliteStore, load_history
from ipdash.sources.store.base import HistoryStore

from .test_store import ACCOUNT, FACTS, LISTING, SNDS, STAT, T0, WARMUP


def polled(source: str, at: datetime, **records: tuple[object, ...]) -> PollResult:
    retagged = {name: tuple(replace(r, source=source) for r in rs) for name, rs in records.items()}  # type: ignore[type-var]
    return PollResult(source=source, kind="sendgrid", fetched_at=at, **retagged)  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[HistoryStore]:
    if request.param == "sqlite":
        with SqliteStore(tmp_path / "h.sqlite3") as sqlite:
            yield sqlite
        return
    from ipdash.sources.store.postgres import PostgresStore

    with PostgresStore(request.getfixturevalue("pg_url")) as postgres:
        yield postgres


class Clock:
    def __init__(self) -> None:
        self.now = T0 + timedelta(days=1)

    def __call__(self) -> datetime:
        return self.now


def same(left: Dataset, right: Dataset) -> bool:
    return dict(left.stats) == dict(right.stats) and left == right


TODAY = date(2025, 6, 11)


def test_reads_after_the_first_read_only_what_changed(store: HistoryStore) -> None:
    store.save_poll(polled("sg", T0, stats=(STAT,), facts=(FACTS,)))
    store.save_poll(polled("pm", T0, account_days=(ACCOUNT,)))
    clock = Clock()
    reader = HistoryReader(store, clock=clock)
    assert same(reader.read(TODAY), load_history(store, today=TODAY))
    # Nothing polled since: no record is read at all.
    assert same(reader.read(TODAY), load_history(store, today=TODAY))
    assert (reader.counts.full, reader.counts.incremental, reader.counts.unchanged) == (1, 0, 1)
    # sg polls again (a changed day, a new day), snds polls for the first time, pm does not poll.
    later = T0 + timedelta(hours=1)
    new_day = replace(STAT, day=STAT.day + timedelta(days=1), sent=10)
    store.save_poll(polled("sg", later, stats=(replace(STAT, sent=7000), new_day), warmups=(WARMUP,)))
    store.save_poll(polled("snds", later, snds=(SNDS,), listings=(LISTING,)))
    incremental = reader.read(TODAY)
    assert reader.counts.incremental == 1
    assert same(incremental, load_history(store, today=TODAY))
    assert incremental.stats[(STAT.day, STAT.ip, STAT.mailbox_provider)].sent == 7000
    assert [info.name for info in incremental.sources] == ["pm", "sg", "snds"]


def test_a_failed_poll_is_an_increment_with_no_records(store: HistoryStore) -> None:
    store.save_poll(polled("sg", T0, stats=(STAT,)))
    reader = HistoryReader(store, clock=Clock())
    reader.read(TODAY)
    store.save_poll(PollResult("sg", "sendgrid", T0 + timedelta(hours=1), failure="auth", detail="401"))
    after = reader.read(TODAY)
    assert reader.counts.incremental == 1 and same(after, load_history(store, today=TODAY))
    [info] = after.sources
    assert info.state.value == "stale" and "401" in info.detail


def test_the_kept_history_is_never_handed_out(store: HistoryStore) -> None:
    store.save_poll(polled("sg", T0, stats=(STAT,)))
    reader = HistoryReader(store, clock=Clock())
    first = reader.read(TODAY)
    first.add(replace(STAT, sent=1))
    first.facts["198.51.100.1"] = FACTS
    again = reader.read(TODAY)
    assert again.stats[(STAT.day, STAT.ip, STAT.mailbox_provider)].sent == STAT.sent
    assert "198.51.100.1" not in again.facts


def test_pruned_days_are_gone_at_the_next_full_read(store: HistoryStore) -> None:
    old = replace(STAT, day=STAT.day - timedelta(days=60))
    store.save_poll(polled("sg", T0, stats=(STAT, old)))
    clock = Clock()
    reader = HistoryReader(store, clock=clock, full_every=timedelta(minutes=30))
    assert len(reader.read(TODAY).stats) == 2
    store.prune(STAT.day - timedelta(days=30))
    clock.now += timedelta(minutes=31)
    assert len(reader.read(TODAY).stats) == 1 and reader.counts.full == 2


def test_a_window_moves_with_the_day(store: HistoryStore) -> None:
    older = replace(STAT, day=STAT.day - timedelta(days=5))
    store.save_poll(polled("sg", T0, stats=(STAT, older)))
    reader = HistoryReader(store, days=7, clock=Clock())
    assert len(reader.read(TODAY).stats) == 2
    moved = reader.read(TODAY + timedelta(days=3))  # the older day left the window
    assert reader.counts.full == 2
    assert same(moved, load_history(store, days=7, today=TODAY + timedelta(days=3)))
    assert len(moved.stats) == 1


def test_a_source_removed_from_the_store_forces_a_full_read(store: HistoryStore, tmp_path: Path) -> None:
    store.save_poll(polled("sg", T0, stats=(STAT,)))
    reader = HistoryReader(store, clock=Clock())
    reader.read(TODAY)
    if isinstance(store, SqliteStore):
        store._db.execute("DELETE FROM source_runs")  # as a hand-edited store would
    else:
        with store._pool.connection() as db:
            db.execute("DELETE FROM source_runs")
    reader.read(TODAY)
    assert reader.counts.full == 2
