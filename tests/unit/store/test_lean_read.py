"""The lean read (``read_lean``) on SQLite and a real PostgreSQL server: the daily stats from the lean
start only, then the earlier daily stats of only the IPs ``domain.lookback.needs_context`` names; the
analysis of the two together is the analysis of the whole lookback, and it read fewer records."""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from ipdash.domain.config import Config
from ipdash.domain.lookback import lean_start
from ipdash.domain.models import DailyStat, PollResult
from ipdash.sources.store import analysis_lookback, load_history
from ipdash.sources.store.base import HistoryStore
from ipdash.sources.store.history import read_lean

from .test_history_lookback import (
    COMPLAINING,
    END,
    FETCHED,
    IDLE,
    LONG_BREACH,
    STEADY,
    WARMING,
    analysed,
    judged,
    store,
)

__all__ = ["store"]  # the fixture: SQLite, then PostgreSQL


def test_the_lean_read_and_its_context_analyse_as_the_whole_lookback(store: HistoryStore) -> None:
    config = Config(window_days=7)
    whole = load_history(store, lookback=analysis_lookback(config, 7))
    lean, rest = read_lean(store, config, 7)
    assert rest is not None
    first = lean_start(config, 7, END)
    assert first is not None and rest.lean_from == first
    assert lean.frame()["day"].min() == first
    assert lean.facts == whole.facts and {s.name for s in lean.sources} == {s.name for s in whole.sources}
    # Held only before the lean start (the others' newest days are in the lean records).
    assert rest.earlier == {IDLE} and rest.earlier_sources == {"esp"}
    context = rest.context(analysed(lean, config), lean)
    assert set(context.frame()["ip"].cast(pl.String).unique().to_list()) == {IDLE, WARMING, LONG_BREACH}
    assert context.frame()["day"].max() < first
    completed = lean.copy()
    completed.merge(context)
    assert completed.frame().height < whole.frame().height  # STEADY and COMPLAINING: lean only
    full, final = analysed(whole, config), analysed(completed, config)
    assert final.window == full.window
    for ip in (STEADY, COMPLAINING, IDLE, WARMING, LONG_BREACH):
        assert judged(final.ips[ip]) == judged(full.ips[ip]), ip
    assert final.feed == full.feed


def test_load_stats_bounds_days_and_ips(store: HistoryStore) -> None:
    since, before = END - timedelta(days=60), END - timedelta(days=40)
    read = store.load_stats(since, before, {IDLE, STEADY}).frame()
    assert set(read["ip"].cast(pl.String).unique().to_list()) == {IDLE, STEADY}
    assert read["day"].min() == since and read["day"].max() == before - timedelta(days=1)
    assert store.load_stats(since, before, set()).frame().height == 0
    assert store.load_stats(None, before, {"198.51.100.9"}).frame().height == 0
    # IDLE sent nothing these 45 days: it is not among the IPs with records in them.
    assert store.stats_ips(END - timedelta(days=40), END) == {STEADY, COMPLAINING, WARMING, LONG_BREACH}
    assert store.stats_ips(None, END - timedelta(days=255)) == {STEADY, COMPLAINING, IDLE, LONG_BREACH}
    # A lean load keeps the other tables' span and starts the daily stats later.
    lean = store.load(END - timedelta(days=100), stats_since=END - timedelta(days=5)).frame()
    assert lean["day"].min() == END - timedelta(days=5)


def test_the_newest_day_per_ip_and_source_is_kept_on_every_insert(store: HistoryStore) -> None:
    """``held_until`` reads the (IP, source)s whose newest daily stat is in a span from the table
    the stores keep by trigger: a poll of new days moves it, a re-poll of an old day does not move it
    back, retention drops what it empties."""
    assert store.held_until(None, END - timedelta(days=44)) == {(IDLE, "esp")}
    assert store.held_until(END - timedelta(days=45), END) == {(IDLE, "esp")}
    assert store.held_until(None, END + timedelta(days=1)) == {
        (ip, "esp") for ip in (STEADY, COMPLAINING, IDLE, WARMING, LONG_BREACH)
    }
    old, new = END - timedelta(days=100), END - timedelta(days=10)
    polled = PollResult("other", "mailgun", FETCHED, stats=(
        DailyStat(new, IDLE, "gmail.com", sent=5, source="other"),
        DailyStat(old, "198.51.100.7", "gmail.com", sent=5, source="other"),
    ))  # fmt: skip
    store.save_poll(polled)
    store.save_poll(  # the same days again, and an older one: the newest stays
        PollResult("other", "mailgun", FETCHED + timedelta(hours=1), stats=(
            *polled.stats, DailyStat(old - timedelta(days=1), IDLE, "gmail.com", sent=5, source="other"),
        ))
    )  # fmt: skip
    assert store.held_until(new, END) == {(IDLE, "other")}
    assert store.held_until(old, old + timedelta(days=1)) == {("198.51.100.7", "other")}
    store.prune(old + timedelta(days=1))
    assert store.held_until(None, END - timedelta(days=44)) == {(IDLE, "esp")}
