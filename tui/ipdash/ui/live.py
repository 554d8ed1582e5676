"""Live provider polling inside the TUI.

One long-lived async worker runs the Poller (each source on its own interval,
counted from the end of its last poll, so polls never overlap). Each result is
written to the history store by the Poller, then merged here copy-on-write into
a new Dataset, so an analysis running in a thread never sees a dict change
under it.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx

from ipdash.domain.models import Dataset, PollResult, SourceInfo, SourceState
from ipdash.sources.config_file import ConfigError
from ipdash.sources.live import StoreError, open_configured_store
from ipdash.sources.loader import LoadPlan
from ipdash.sources.providers.polling import Poller, configured_sources, merge_poll_results
from ipdash.sources.store import HistoryReader, shared_polls

if TYPE_CHECKING:
    from ipdash.sources.store.base import HistoryStore

HISTORY_SOURCE = "history store"
#: On quitting, how long polls in flight have to return what they fetched and have it saved.
STOP_GRACE_SECONDS = 2.0


class LivePolling:
    def __init__(self, plan: LoadPlan, on_result: Callable[[PollResult], None]) -> None:
        self.plan = plan
        self.on_result = on_result
        self.poller: Poller | None = None
        self.store: HistoryStore | None = None
        self.problem = ""
        self._stop = asyncio.Event()
        self._finished = asyncio.Event()
        #: Set once a shared store's notifications are being listened to (never, for SQLite).
        self.listening = asyncio.Event()

    async def run(self) -> None:
        """Build the sources, restore their last runs from the store, then poll until stopped."""
        try:
            await self._run()
        finally:
            self._finished.set()

    async def _run(self) -> None:
        try:
            sources = configured_sources(self.plan.config, self.plan.config_path)
            self.store = await asyncio.to_thread(
                open_configured_store, self.plan.config, self.plan.config_path
            )
        except (ConfigError, StoreError) as error:
            self.problem = str(error)
            raise
        async with httpx.AsyncClient() as client:
            self.poller = Poller(sources, client, store=self.store, on_result=self.on_result)
            try:
                self.poller.restore(await asyncio.to_thread(self.store.source_runs))
            except StoreError as error:
                self.problem = str(error)
                raise
            following = asyncio.ensure_future(
                self._follow_shared_store(self.store, self.poller, self.listening.set)
            )
            try:
                await self.poller.run(self._stop, grace=STOP_GRACE_SECONDS)
            finally:
                following.cancel()

    async def _follow_shared_store(
        self, store: HistoryStore, poller: Poller, on_listening: Callable[[], object] | None = None
    ) -> None:
        """With a shared store, polls other processes commit arrive here as they commit."""
        polls = shared_polls(store, on_listening)
        if polls is None:
            return
        async for result in polls:
            poller.note_polled_elsewhere(result)
            self.on_result(result)

    def poll_now(self) -> None:
        if self.poller is not None:
            self.poller.poll_now()

    def stop(self) -> None:
        self._stop.set()

    async def stopped(self) -> None:
        """Stop, and wait until the polls in flight have saved what they fetched (partial results):
        bounded by the Poller's grace, plus a margin for the store write."""
        self._stop.set()
        if self.poller is None:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(STOP_GRACE_SECONDS + 2):
                await self._finished.wait()


def merged(dataset: Dataset, results: list[PollResult]) -> Dataset:
    """A new Dataset: ``dataset`` plus these results (the old one is left untouched)."""
    return merge_poll_results(dataset.copy(), results)


class StoreHistory:
    """The TUI's view of the history store: opened once, and each reload after the first reads only
    what changed since (a :class:`HistoryReader`), as far back as the widest time range shown so far
    needs (``domain.lookback``; "all" reads everything held). A store that cannot be opened or read
    is a failed "history store" source with its reason (the Sources panel shows it); the files' data
    still loads. Blocking: call from a worker thread."""

    def __init__(self, plan: LoadPlan) -> None:
        self.plan = plan
        self._reader: HistoryReader | None = None
        self._lock = threading.Lock()
        self._widest: int | None = 0  # 0: no range asked yet

    @property
    def widest(self) -> int | None:
        """The widest range read for so far (0: none yet; None: all)."""
        return self._widest

    def covers(self, days: int | None) -> bool:
        """Whether the history asked for so far reaches back as far as an analysis of ``days``
        (None: all) reads."""
        return reaches(self._widest, days)

    def under(self, dataset: Dataset, days: int | None = None) -> Dataset:
        """Files' data over the stored history read for the time range ``days`` (None: all)."""
        from ipdash.sources.live import add_history
        from ipdash.sources.store import analysis_lookback

        try:
            with self._lock:
                if self._reader is None:
                    store = open_configured_store(self.plan.config, self.plan.config_path)
                    self._reader = HistoryReader(store)
                    if days is not None and not _has_arf(self.plan):
                        # The first frame: the history read lean (later reads: the whole lookback).
                        from ipdash.sources.store.history import read_for_views

                        self._widest = LeanRange(days)
                        return read_for_views(store, self.plan.config, days, dataset)
                self._widest = days if self._widest == 0 else _widest(self._widest, days)
                reader = self._reader
                reader.lookback = analysis_lookback(self.plan.config, self._widest, also=[dataset])
            return add_history(dataset, reader)
        except StoreError as error:
            dataset.sources.append(
                SourceInfo(HISTORY_SOURCE, "store", SourceState.FAILED, None, detail=str(error))
            )
            return dataset

    def close(self) -> None:
        with self._lock:
            if self._reader is not None:
                self._reader.store.close()
                self._reader = None


def _has_arf(plan: LoadPlan) -> bool:
    """ARF complaints can start breaches the lean read's first analysis (which has no receiver data)
    cannot see: with ARF sources the first frame reads the whole lookback."""
    from ipdash.sources.receiver import plan_receiver_sources

    try:
        return any(source.kind == "arf" for source in plan_receiver_sources(plan))
    except ConfigError:  # the load reports it; read whole meanwhile
        return True


class LeanRange(int):
    """The range a lean read of the history was completed for (``sources.store.history.read_for_views``):
    it serves an analysis of that range only (which IPs needed their earlier records was asked of it)."""


def reaches(held: int | None, days: int | None) -> bool:
    """Whether history read for the range ``held`` (0: nothing read yet; None: all) serves an
    analysis of the range ``days``."""
    if isinstance(held, LeanRange):
        return days == held
    return held == 0 or _widest(held, days) == held


def _widest(one: int | None, other: int | None) -> int | None:
    return None if one is None or other is None else max(int(one), other)


def with_history(plan: LoadPlan, dataset: Dataset) -> Dataset:
    """Files' data over the stored history, read once (blocking: call from a worker thread)."""
    history = StoreHistory(plan)
    try:
        return history.under(dataset)
    finally:
        history.close()
