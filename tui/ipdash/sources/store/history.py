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


@dataclass(frozen=True)
class LeanPlan:
    """Read the daily stats lean for an analysis of ``days`` days under ``config``
    (``domain.lookback.lean_start``); the earlier ones are read per IP when needed (:class:`LeanRead`)."""

    config: Config
    days: int


@dataclass
class HistoryReader:
    store: HistoryStore
    days: int | None = None
    #: Overrides ``days``: the earliest day to read, from the newest day held.
    lookback: Lookback | None = None
    #: With a lookback: the daily stats from the lean start only; ``lean_read`` reads the rest.
    lean: LeanPlan | None = None
    full_every: timedelta = timedelta(hours=1)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    counts: ReadCounts = field(default_factory=ReadCounts)
    _history: Dataset | None = None
    _marks: dict[str, datetime] = field(default_factory=dict)
    _since: date | None = None
    _newest: date | None = None
    _full_at: datetime | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _lean_read: LeanRead | None = None

    def read(self, today: date | None = None) -> Dataset:
        """The history (the last ``days`` days, or all) with one SourceInfo per polled source; a new
        Dataset each time (the kept one is never handed out). Safe to call from several threads."""
        with self._lock:
            return self._read(today)

    def read_lean(self, today: date | None = None) -> tuple[Dataset, LeanRead | None]:
        """:meth:`read`, and what reads the earlier daily stats the lean plan left out (None: none
        left out): ``analyse_in_two_steps`` makes the whole lookback's analysis of the two."""
        with self._lock:
            history = self._read(today)
            return history, self._lean_read

    def _read(self, today: date | None) -> Dataset:
        now = self.clock()
        runs = self.store.source_runs()  # before the records: a poll committing meanwhile is read again
        marks = {run.source: run.last_attempt for run in runs}
        since = self._start(today, marks, now)
        lean_from = self._lean_from(since)
        increment: Dataset | None = None
        if not self._needs_full_read(since, marks, now) and marks != self._marks:
            changed = {s: self._marks.get(s) for s, mark in marks.items() if self._marks.get(s) != mark}
            increment = safe_dataset(self.store.load_changes(since, changed))
            if lean_from is not None and _has_stats_before(increment, lean_from):
                increment = None  # which IPs hold earlier stats changed: read lean again
                self._full_at = None
        if self._needs_full_read(since, marks, now):
            history = safe_dataset(self.store.load(since, stats_since=lean_from))
            if self.lookback is not None and since is not None:
                # The history's IP facts may start a warm-up earlier: read from there.
                earlier = self.lookback(self._newest or since, history)
                if earlier is None or earlier < since:
                    since, lean_from = earlier, self._lean_from(earlier)
                    history = safe_dataset(self.store.load(earlier, stats_since=lean_from))
            self._lean_read = None
            if self.lean is not None and lean_from is not None:
                self._lean_read = LeanRead.of(self.store, self.lean.config, since, lean_from)
            self._full_at = now
            self.counts.full += 1
        elif marks == self._marks:
            assert self._history is not None
            history = self._history
            self.counts.unchanged += 1
        else:
            assert self._history is not None and increment is not None
            history = self._history.copy()
            history.merge(increment)
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

    def _lean_from(self, since: date | None) -> date | None:
        """The lean read's first day of daily stats (None: read them from ``since``)."""
        if self.lean is None or since is None or self._newest is None:
            return None
        from ipdash.domain.lookback import lean_start

        first = lean_start(self.lean.config, self.lean.days, self._newest)
        return first if first is not None and first > since else None

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


def _has_stats_before(dataset: Dataset, day: date) -> bool:
    if not dataset.has_stats():
        return False
    earliest: date = dataset.frame()["day"].min()
    return earliest < day


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
    #: IPs that may have daily stats between the two and none after (an IP held only there must be
    #: read too); more IPs than that cost a little reading, never a different analysis.
    earlier: set[str]
    #: Sources with an IP whose newest daily stat is between the two (the lean records may not show them).
    earlier_sources: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, store: HistoryStore, config: Config, start: date | None, lean_from: date) -> LeanRead:
        """The lean read from ``lean_from`` of a lookback from ``start``: which IPs and sources the
        store holds only before it (its newest day per IP and source, not the records)."""
        held = store.held_until(start, lean_from)
        ips, sources = {ip for ip, _ in held}, {source for _, source in held}
        return cls(store, config, start, lean_from, ips, sources)

    def context(self, analysis: Any, lean: Dataset, also: Iterable[str] = ()) -> Dataset:
        """The earlier daily stats of the IPs whose analysis of ``lean`` may change with them, and
        of the IPs ``also`` names (an empty Dataset when there are none): put them under ``lean``
        (:func:`completed`) and analyse again."""
        return self.read_context(self.context_ips(analysis, lean) | set(also))

    def context_ips(self, analysis: Any, lean: Dataset) -> set[str]:
        """The IPs whose analysis of ``lean`` may change with their earlier daily stats."""
        from ipdash.domain.lookback import needs_context

        return needs_context(analysis, lean, self.lean_from, self.config, self.earlier)

    def read_context(self, ips: set[str]) -> Dataset:
        """The earlier daily stats of ``ips``."""
        return safe_dataset(self.store.load_stats(self.start, self.lean_from, ips))

    def close(self) -> None:
        """Close the store (the caller opened it for the lean read and this one)."""
        self.store.close()


def completed(lean: Dataset, context: Dataset) -> Dataset:
    """``lean`` with the earlier daily stats ``context`` read under it: a record ``lean`` holds for
    the same key (a file's, a poll's) wins, as it wins over the stored history in a whole read."""
    whole = Dataset()
    whole.merge(context)
    whole.merge(lean)
    return whole


def earlier_complaints(receiver: Any, lean_from: date) -> set[str]:
    """The IPs with ARF complaints dated before ``lean_from``: merged into the daily stats, they
    change what the lean records alone give for those days (a complaints-only record instead of the
    stored day's), so these IPs are read whole."""
    if receiver is None:
        return set()
    return {ip for (day, ip, _provider) in receiver.complaints if day < lean_from}


def analyse_in_two_steps(
    dataset: Dataset,
    rest: LeanRead | None,
    analyse: Callable[[Dataset, Any], Any],
    *,
    receiver: Any = None,
) -> tuple[Any, Dataset]:
    """The analysis of a lean read (``dataset``, from :func:`read_lean`, with the files' data and
    polls over it) that equals the whole lookback's: ``analyse(dataset, previous)`` (the caller's
    one analysis, with its receiver data and checks) over the lean records, then, when some IPs
    need their earlier stats, over the records with those under them (the first analysis' rates
    reused for the IPs whose records did not change). Returns the analysis and the data it read."""
    first = analyse(dataset, None)
    if rest is None:
        return first, dataset
    context = rest.context(first, dataset, also=earlier_complaints(receiver, rest.lean_from))
    if not context.has_stats():
        return first, dataset
    whole = completed(dataset, context)
    return analyse(whole, first), whole


def read_for_views(
    store: HistoryStore, config: Config, days: int, dataset: Dataset, today: date | None = None
) -> Dataset:
    """The files' data (``dataset``) over the stored history an analysis of the last ``days`` days
    reads, for a viewer that analyses it itself (the TUI's first frame): read lean, analysed once over
    ``days`` and once over the configured window (the alerts' analysis) with neither check results
    nor receiver data (neither changes which IPs need more), and the earlier daily stats of the IPs
    either analysis needs added. Every analysis of the result over those windows, with checks, is
    the whole lookback's; not one with ARF complaints (they can start breaches: read whole then)."""
    from ipdash.domain.analysis import analyse
    from ipdash.domain.time_range import range_window
    from ipdash.sources.reference_data import threshold_presets

    history, rest = read_lean(store, config, days, today, also=[dataset])
    history.merge(dataset)
    if rest is None:
        return history
    presets = threshold_presets()
    ips: set[str] = set()
    for span in dict.fromkeys((days, config.window_days)):
        window = range_window(history, span, today=today)
        ips |= rest.context_ips(analyse(history, config, presets, window=window, today=today), history)
    context = rest.read_context(ips)
    return completed(history, context) if context.has_stats() else history


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
    return with_sources(history, runs), LeanRead.of(store, config, start, first)
