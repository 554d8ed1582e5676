"""The data the app analyses, and the order its analyses land in.

Loads, polls, replay steps and new check results each start an analysis in a worker thread, and
those threads finish in any order: on a busy machine an analysis of older data (the first load's,
or the first of two polls') can finish after one of newer data. So each analysis takes a
*snapshot* under one lock — a sequence number, the full dataset as it is then, the check results
as they are then — and the app shows a result only when its number is higher than the one shown.
Snapshots are taken in lock order, the dataset only grows between loads and the check results only
get newer, so a higher number means data and checks at least as new.

A load reads the files and the store in a thread; polls that land meanwhile are merged into the
dataset the load replaces. So the load merges them again into its own dataset as it installs it
(a poll result is stored before it reaches the app, but the load may have read the store before).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ipdash.domain.checks import CheckResults
    from ipdash.domain.models import Dataset, PollResult


@dataclass(frozen=True)
class Snapshot:
    """What one analysis analyses: ``seq`` orders the results (higher: newer data and checks)."""

    seq: int
    dataset: Dataset
    checks: CheckResults


class DataState:
    """The full dataset (replaced, never mutated), the latest check results, and the snapshot order.
    Thread-safe: loads and poll merges run in worker threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._full: Dataset | None = None
        #: Set on the event loop before each analysis is asked for (the results change there).
        self.checks: CheckResults | None = None
        self._seq = 0
        self._tokens = itertools.count()
        self._loads: dict[int, int] = {}  # load token -> number of polls received when it started
        self._polls: list[tuple[int, PollResult]] = []  # kept only while a load is running
        self._received = 0

    @property
    def full(self) -> Dataset | None:
        return self._full

    def _snapshot(self) -> Snapshot | None:  # under the lock
        if self._full is None:
            return None
        assert self.checks is not None, "set the check results before asking for an analysis"
        self._seq += 1
        return Snapshot(self._seq, self._full, self.checks)

    def snapshot(self) -> Snapshot | None:
        """The data as it is now, for an analysis (None before the first load is in)."""
        with self._lock:
            return self._snapshot()

    def begin_load(self) -> int:
        """A load starts reading: polls received from now on are kept for it. Returns its token."""
        with self._lock:
            token = next(self._tokens)
            self._loads[token] = self._received
            return token

    def end_load(self, token: int) -> None:
        """A load ended (installed, cancelled or failed): forget the polls no running load needs."""
        with self._lock:
            self._loads.pop(token, None)
            oldest = min(self._loads.values(), default=self._received)
            self._polls = [(n, result) for n, result in self._polls if n >= oldest]

    def install_load(
        self,
        token: int,
        dataset: Dataset,
        *,
        cancelled: Callable[[], bool],
        on_install: Callable[[], None] = lambda: None,
    ) -> Snapshot | None:
        """The load's dataset replaces the full one, with the polls received since the load began
        merged in again; None when the load was cancelled meanwhile (a newer one runs).
        ``on_install`` runs under the lock as it is installed (what belongs with the dataset)."""
        with self._lock:
            if cancelled():
                return None
            on_install()
            since = self._loads.get(token, self._received)
            missed = [result for n, result in self._polls if n >= since and _newer(result, dataset)]
            if missed:
                from ipdash.ui.live import merged

                dataset = merged(dataset, missed)
            self._full = dataset
            return self._snapshot()

    def absorb(self, result: PollResult) -> Snapshot | None:
        """A poll result merged copy-on-write into the full dataset (kept for running loads)."""
        from ipdash.ui.live import merged

        with self._lock:
            if self._loads:
                self._polls.append((self._received, result))
            self._received += 1
            if self._full is None:  # the first load is still reading: it merges this as it installs
                return None
            self._full = merged(self._full, [result])
            return self._snapshot()


def _newer(result: PollResult, dataset: Dataset) -> bool:
    """Whether a poll result is newer than what the dataset (read from the store) says of its source."""
    for info in dataset.sources:
        if info.name == result.source and info.fetched_at is not None:
            try:
                return result.fetched_at >= info.fetched_at
            except TypeError:  # a hand-edited store mixing times with and without a zone
                return True
    return True
