"""A store read limited to what the analysis reads (``domain.lookback``) gives the same analysis as
a read of the whole history, on SQLite and on a real PostgreSQL server; what it leaves out is
documented (a breach running longer than the context dates its onset at the lookback's start)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from ipdash.domain.analysis import Analysis, IpAnalysis, analyse
from ipdash.domain.config import Config
from ipdash.domain.lookback import CONTEXT_DAYS, history_start
from ipdash.domain.models import DailyStat, Dataset, IpFacts, PollResult
from ipdash.sources.reference_data import threshold_presets
from ipdash.sources.store import HistoryReader, SqliteStore, analysis_lookback, load_history
from ipdash.sources.store.base import HistoryStore

END = date(2025, 6, 30)
DAYS = 260
FETCHED = datetime(2025, 7, 1, 6, tzinfo=UTC)
STEADY, COMPLAINING, IDLE, WARMING, LONG_BREACH = (f"192.0.2.{n}" for n in range(1, 6))


def _day(ip: str, day: date, provider: str, sent: int, complaints: int) -> DailyStat:
    return DailyStat(
        day, ip, provider, sent=sent, delivered=sent - 5, bounced=5, complaints=complaints, source="esp"
    )


def history() -> PollResult:
    """260 days of five IPs: steady; complaining these 20 days; idle these 45 days (re-warm); warming
    up on a plan its facts started 150 days ago; complaining for 200 days (longer than the context)."""
    stats = []
    for back in range(DAYS):
        day = END - timedelta(days=back)
        for provider in ("gmail.com", "outlook.com"):
            stats.append(_day(STEADY, day, provider, 2000 + back % 7 * 10, 0))
            stats.append(_day(COMPLAINING, day, provider, 3000, 15 if back < 20 else 0))
            if back >= 45:
                stats.append(_day(IDLE, day, provider, 5000 - back, 0))  # its peak just before the spell
            if back <= 150:
                stats.append(_day(WARMING, day, provider, min(50 * (151 - back), 4000), 0))
            stats.append(_day(LONG_BREACH, day, provider, 3000, 15 if back < 200 else 0))
    facts = (IpFacts(WARMING, warmup_plan="sendgrid", warmup_start=END - timedelta(days=150), source="esp"),)
    return PollResult("esp", "sendgrid", FETCHED, stats=tuple(stats), facts=facts)


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[HistoryStore]:
    if request.param == "sqlite":
        with SqliteStore(tmp_path / "h.sqlite3") as sqlite:
            sqlite.save_poll(history())
            yield sqlite
        return
    from ipdash.sources.store.postgres import PostgresStore

    with PostgresStore(request.getfixturevalue("pg_url")) as postgres:
        postgres.save_poll(history())
        yield postgres


def judged(ip: IpAnalysis, *, with_onsets: bool = True) -> tuple[object, ...]:
    metrics = ip.metrics
    verdicts = ip.verdicts if with_onsets else tuple((v.metric, v.scope, v.status) for v in ip.verdicts)
    breaches = ip.breaches if with_onsets else tuple((b.kind, b.severity) for b in ip.breaches)
    return (
        metrics.totals,
        metrics.previous,
        dict(metrics.by_provider),
        dict(metrics.previous_by_provider),
        metrics.last_sent_day,
        metrics.idle_days,
        verdicts,
        breaches,
        ip.score,
        # A plan with no start (the re-warm) is walked from the first day read; its verdict is the same.
        replace(ip.warmup, history=ip.warmup.history[-30:]) if ip.warmup is not None else None,
    )


def analysed(dataset: Dataset, config: Config) -> Analysis:
    return analyse(dataset, config, threshold_presets(), today=END + timedelta(days=1))


def test_a_report_reads_only_its_lookback_and_judges_as_over_the_whole_history(store: HistoryStore) -> None:
    config = Config(window_days=7)
    lookback = analysis_lookback(config, 7)
    limited = load_history(store, lookback=lookback)
    whole = load_history(store)
    # Read: the window, its previous window, the context, and the warm-up from its facts' start.
    first_read = limited.frame()["day"].min()
    assert first_read == END - timedelta(days=150)
    assert limited.frame().height < whole.frame().height
    assert limited.frame().filter(pl.col("ip") != WARMING)["day"].min() == first_read
    full, part = analysed(whole, config), analysed(limited, config)
    assert full.window == part.window
    for ip in (STEADY, COMPLAINING, IDLE, WARMING):
        assert judged(part.ips[ip]) == judged(full.ips[ip]), ip
    assert full.ips[IDLE].warmup is not None  # the re-warm (idle 45 days, its earlier peak) is seen
    assert any(b.kind == "threshold" for b in full.ips[COMPLAINING].breaches)
    # Complaining for 200 days: the same verdicts; its onset dated no earlier than what was read.
    long_full, long_part = full.ips[LONG_BREACH], part.ips[LONG_BREACH]
    assert judged(long_part, with_onsets=False) == judged(long_full, with_onsets=False)
    onsets = [v.since for v in long_part.verdicts if v.since is not None]
    assert onsets and all(first_read < since < END - timedelta(days=CONTEXT_DAYS) for since in onsets)
    assert all(
        v.since is not None and v.since < first_read for v in long_full.verdicts if v.since is not None
    )


def test_the_lookback_counts_from_the_newest_day_held_not_today(store: HistoryStore) -> None:
    """A history that stopped long ago still reads its last window (and context), not nothing."""
    reader = HistoryReader(store, lookback=analysis_lookback(Config(window_days=7), 7))
    read = reader.read(today=END + timedelta(days=400))
    assert read.frame()["day"].max() == END
    expected = history_start(Config(window_days=7), 7, END, plan_starts=[END - timedelta(days=150)])
    assert read.frame().filter(pl.col("ip") == STEADY)["day"].min() == expected


def test_all_reads_everything_and_a_wider_range_reads_further_back(store: HistoryStore) -> None:
    config = Config(window_days=7)
    everything = load_history(store, lookback=analysis_lookback(config, None))
    assert everything.frame().height == load_history(store).frame().height
    week = load_history(store, lookback=analysis_lookback(config, 7)).frame()
    quarter = load_history(store, lookback=analysis_lookback(config, 90)).frame()
    assert quarter["day"].min() < week["day"].min() and quarter.height > week.height


def test_increments_keep_the_lookback(store: HistoryStore) -> None:
    """After a poll, only what it wrote is read, and the result equals a fresh lookback read."""
    lookback = analysis_lookback(Config(window_days=7), 7)
    reader = HistoryReader(store, lookback=lookback)
    reader.read(END)
    new_day = END + timedelta(days=1)
    polled = PollResult(
        "esp",
        "sendgrid",
        FETCHED + timedelta(days=1),
        stats=(_day(STEADY, new_day, "gmail.com", 10, 0), _day(STEADY, END, "gmail.com", 7, 0)),
    )
    store.save_poll(polled)
    after = reader.read(END)
    # The newest day moved, but the warm-up's start (from its facts) holds the lookback's start: an
    # increment, equal to a fresh read.
    fresh = load_history(store, lookback=lookback)
    assert (
        after.frame()
        .sort("day", "ip", "mailbox_provider")
        .equals(fresh.frame().sort("day", "ip", "mailbox_provider"))
    )
    assert (reader.counts.full, reader.counts.incremental) == (1, 1)
    store.save_poll(
        PollResult(
            "esp", "sendgrid", FETCHED + timedelta(days=2), stats=(_day(STEADY, new_day, "gmail.com", 11, 0),)
        )
    )
    again = reader.read(END)
    assert reader.counts.incremental == 2
    assert again.stats[(new_day, STEADY, "gmail.com")].sent == 11
    fresh = load_history(store, lookback=lookback)
    assert (
        again.frame()
        .sort("day", "ip", "mailbox_provider")
        .equals(fresh.frame().sort("day", "ip", "mailbox_provider"))
    )


def test_history_start_parts() -> None:
    day = date(2025, 6, 30)
    assert history_start(Config(window_days=7), None, day) is None
    week = history_start(Config(window_days=7), 7, day)
    assert week == day - timedelta(days=1 + 7 + CONTEXT_DAYS + 6 - 1)
    # A range shorter than the configured window reads the configured window's span (alerts).
    assert history_start(Config(window_days=30), 1, day) == history_start(Config(window_days=30), 30, day)
    # A long range: its previous window outgrows the context.
    assert history_start(Config(), 366, day) == day - timedelta(
        days=1 + 366 + max(366, CONTEXT_DAYS + 365) - 1
    )
    # A longer re-warm idle limit widens the context; a configured plan start or a facts' start comes first.
    rewarm = Config(warmup={"rewarm_idle_days": 120})
    assert history_start(rewarm, 7, day) == day - timedelta(days=1 + 7 + 240 + 6 - 1)
    started = Config(warmup={"ips": {"192.0.2.9": {"plan": "sendgrid", "start": "2024-01-01"}}})
    assert history_start(started, 7, day) == date(2024, 1, 1)
    assert history_start(Config(), 7, day, plan_starts=[None, date(2023, 5, 1)]) == date(2023, 5, 1)
    # A [warmup] the analysis refuses: everything is read (the analysis says what is wrong).
    assert history_start(Config(warmup={"rewarm_idle_days": 0}), 7, day) is None


def test_a_store_with_no_daily_records_has_no_newest_day(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "h.sqlite3") as empty:
        assert empty.latest_day() is None
        reader = HistoryReader(empty, lookback=analysis_lookback(Config(), 7))
        assert not reader.read(END).has_stats()
