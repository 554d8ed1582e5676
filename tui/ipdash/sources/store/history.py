"""The stored history, kept between reads: each read after the first fetches only what changed.

A viewer (the TUI reloading its files, ``metrics serve`` every refresh, the poll daemon judging
breaches after each poll) asks for the history again and again. :class:`HistoryReader` keeps the last
Dataset and the time of each source's last poll (``source_runs``, written in the same transaction as
the poll's records). A read compares those times first: unchanged, nothing else is read; changed,
only the records the changed sources' polls wrote since are read and laid over the kept history.

Exact while each source is polled by one process at a time (claims on PostgreSQL; one poller on
SQLite). Deletions (retention) and a record of one source replaced by an older-fetched record of
another for the same day, IP and provider are caught by a full read every ``full_every``, and when
the day (so the window) moves.

How far back it reads: everything, the last ``days`` days before today (the poll daemon's alerts,
which are about now), or, given a ``lookback`` (:func:`analysis_lookback`: the TUI, ``report``,
``metrics serve``), what the analysis of a time range reads (``domain.lookback.history_start``),
counted from the newest day held.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ipdash.domain.config import Config
from ipdash.domain.models import Dataset, SourceInfo, SourceState
from ipdash.domain.safe_text import safe_dataset, safe_record
from ipdash.sources.store.base import HistoryStore, SourceRun


@dataclass
class ReadCounts:
    """How the reads went (for tests and benchmarks): full reads, increments, reads skipped."""

    full: int = 0
    incremental: int = 0
    unchanged: int = 0


#: (the newest day held, the history read so far or None) -> the earliest day to read (None: all).
Lookback = Callable[[date, Dataset | None], date | None]


def analysis_lookback(config: Config, days: int | None, also: Iterable[Dataset] = ()) -> Lookback:
    """What an analysis of the last ``days`` days (None: all) reads: see ``domain.lookback``. The
    warm-up starts in the history's IP facts (and in ``also``'s, the files' data) count."""
    from ipdash.domain.lookback import history_start

    others = list(also)

    def lookback(newest: date, history: Dataset | None) -> date | None:
        held = [*others, history] if history is not None else others
        starts = [facts.warmup_start for dataset in held for facts in dataset.facts.values()]
        return history_start(config, days, newest, plan_starts=starts)

    return lookback


@dataclass
class HistoryReader:
    store: HistoryStore
    days: int | None = None
    #: Overrides ``days``: the earliest day to read, from the newest day held.
    lookback: Lookback | None = None
    full_every: timedelta = timedelta(hours=1)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    counts: ReadCounts = field(default_factory=ReadCounts)
    _history: Dataset | None = None
    _marks: dict[str, datetime] = field(default_factory=dict)
    _since: date | None = None
    _newest: date | None = None
    _full_at: datetime | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def read(self, today: date | None = None) -> Dataset:
        """The history (the last ``days`` days, or all) with one SourceInfo per polled source; a new
        Dataset each time (the kept one is never handed out). Safe to call from several threads."""
        with self._lock:
            return self._read(today)

    def _read(self, today: date | None) -> Dataset:
        now = self.clock()
        runs = self.store.source_runs()  # before the records: a poll committing meanwhile is read again
        marks = {run.source: run.last_attempt for run in runs}
        since = self._start(today, marks, now)
        if self._needs_full_read(since, marks, now):
            history = safe_dataset(self.store.load(since))
            if self.lookback is not None and since is not None:
                # The history's IP facts may start a warm-up earlier: read from there.
                earlier = self.lookback(self._newest or since, history)
                if earlier is None or earlier < since:
                    since, history = earlier, safe_dataset(self.store.load(earlier))
            self._full_at = now
            self.counts.full += 1
        elif marks == self._marks:
            assert self._history is not None
            history = self._history
            self.counts.unchanged += 1
        else:
            assert self._history is not None
            changed = {s: self._marks.get(s) for s, mark in marks.items() if self._marks.get(s) != mark}
            history = self._history.copy()
            history.merge(safe_dataset(self.store.load_changes(since, changed)))
            self.counts.incremental += 1
        self._history, self._marks, self._since = history, marks, since
        return with_sources(history.copy(), runs)

    def _start(self, today: date | None, marks: dict[str, datetime], now: datetime) -> date | None:
        """The earliest day to read now. A lookback counts from the newest day held, asked of the
        store only when some source polled since the last read (else nothing changed)."""
        today = today or date.today()
        if self.lookback is None:
            return today - timedelta(days=self.days) if self.days else None
        unchanged = self._history is not None and marks == self._marks
        if (
            not unchanged
            or self._newest is None
            or self._full_at is None
            or now - self._full_at >= self.full_every
        ):
            self._newest = self.store.latest_day() or today
        return self.lookback(self._newest, self._history)

    def _needs_full_read(self, since: date | None, marks: dict[str, datetime], now: datetime) -> bool:
        if self._history is None or self._full_at is None or since != self._since:
            return True
        if now - self._full_at >= self.full_every:
            return True
        # A source gone from source_runs, or polled "earlier" than before: not an increment.
        try:
            return any(s not in marks or marks[s] < mark for s, mark in self._marks.items())
        except TypeError:  # a hand-edited store mixing times with and without a zone
            return True


def with_sources(dataset: Dataset, runs: list[SourceRun]) -> Dataset:
    """One SourceInfo per polled source: fresh when its last poll succeeded, stale with its reason
    when it failed."""
    for run in runs:
        state = SourceState.FRESH if run.ok else SourceState.STALE
        detail = run.last_detail if run.ok else f"{run.failure_kind}: {run.last_error}"
        info = SourceInfo(
            name=run.source,
            kind=run.kind,
            state=state,
            fetched_at=run.last_success,
            rows=0,
            detail=f"from history: {detail}",
        )
        dataset.sources.append(safe_record(info))  # the records were made safe as they were read
    return dataset


@dataclass
class LeanRead:
    """A one-off read for an analysis of a time range in two steps (``domain.lookback``): everything
    from the lookback's start but the daily stats, which start at the lean start; then, once the
    lean records are analysed, the earlier daily stats of only the IPs that need them."""

    store: HistoryStore
    config: Config
    #: The lookback's first day (None: all) and the lean read's.
    start: date | None
    lean_from: date
    #: IPs with daily stats between the two (an IP held only there must be read too).
    earlier: set[str]

    def context(self, analysis: Any, lean: Dataset) -> Dataset:
        """The earlier daily stats of the IPs whose analysis of ``lean`` may change with them (an
        empty Dataset when none does): merge them into ``lean`` and analyse again."""
        from ipdash.domain.lookback import needs_context

        ips = needs_context(analysis, lean, self.lean_from, self.config, self.earlier)
        return safe_dataset(self.store.load_stats(self.start, self.lean_from, ips))


def read_lean(
    store: HistoryStore, config: Config, days: int, today: date | None = None, also: Iterable[Dataset] = ()
) -> tuple[Dataset, LeanRead | None]:
    """The history for an analysis of the last ``days`` days, its daily stats from the lean start
    only, with one SourceInfo per polled source; and what reads the rest (None: the lean read is
    the whole lookback's)."""
    from ipdash.domain.lookback import lean_start

    runs = store.source_runs()
    newest = store.latest_day() or today or date.today()
    lookback = analysis_lookback(config, days, also)
    first = lean_start(config, days, newest)
    start = lookback(newest, None)
    if first is None or (start is not None and start >= first):
        return with_sources(safe_dataset(store.load(start)), runs), None
    history = safe_dataset(store.load(start, stats_since=first))
    earlier_start = lookback(newest, history)  # the history's IP facts may start a warm-up earlier
    if earlier_start is None or start is None or earlier_start < start:
        start = earlier_start
        history = safe_dataset(store.load(start, stats_since=first))
    earlier = store.stats_ips(start, first)
    return with_sources(history, runs), LeanRead(store, config, start, first, earlier)
