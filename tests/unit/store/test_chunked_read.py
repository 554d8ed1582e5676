"""SQLite daily stats are read in chunks (the event loop runs between them): the result is the same
as one read, the newest fetch of a key wins across chunks, and a bad day in a late chunk is caught."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from ipdash.domain.models import DailyStat, PollResult
from ipdash.sources.store import SqliteStore, StoreDamaged, load_history, rows

T0 = datetime(2025, 6, 1, 6, tzinfo=UTC)
FIRST = date(2025, 1, 1)


def _poll(source: str, at: datetime, sent: int, days: int) -> PollResult:
    stats = tuple(
        DailyStat(FIRST + timedelta(days=d), f"192.0.2.{n}", "gmail.com", sent=sent + n, source=source)
        for d in range(days)
        for n in range(10)
    )
    return PollResult(source, "csv", at, stats=stats)


def test_chunks_read_as_one_read_and_the_newest_fetch_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SqliteStore(tmp_path / "h.sqlite3") as store:
        store.save_poll(_poll("older", T0, 100, 50))  # 500 rows, fetched first
        store.save_poll(_poll("newer", T0 + timedelta(hours=1), 900, 30))  # the same keys' first 30 days
        whole = load_history(store).frame().sort("day", "ip")
        monkeypatch.setattr(rows, "STAT_CHUNK", 7)  # the two sources' rows in different chunks
        chunked = load_history(store).frame().sort("day", "ip")
    assert chunked.equals(whole) and chunked.height == 500
    newest = chunked.filter(chunked["day"] < FIRST + timedelta(days=30))
    assert set(newest["source"].cast(str).to_list()) == {"newer"} and newest["sent"].min() == 900


def test_a_bad_day_in_a_late_chunk_is_a_damaged_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "h.sqlite3"
    with SqliteStore(path) as store:
        store.save_poll(_poll("esp", T0, 100, 50))
    with sqlite3.connect(path) as db:
        db.execute("UPDATE daily_stats SET day = '2025-13-40' WHERE ip = '192.0.2.3' AND day = '2025-01-20'")
    monkeypatch.setattr(rows, "STAT_CHUNK", 16)
    with SqliteStore(path) as store, pytest.raises(StoreDamaged, match="not a date: '2025-13-40'"):
        store.load(FIRST)
