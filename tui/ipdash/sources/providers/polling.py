"""Polling: every configured source once (``poll_all_once``) or on its interval (:class:`Poller`).

A failing source goes stale with its reason while the others keep updating: each fetch
is independent, a bug in one source becomes that source's failure, and results are
written to the history store off the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx

from ipdash.domain.config import Config
from ipdash.domain.models import Dataset, PollResult, SourceInfo, SourceState
from ipdash.gc_pauses import fewer_collections
from ipdash.gil_turns import short_gil_turns
from ipdash.sources.providers.base import ProviderSource, Runtime, off_loop
from ipdash.sources.providers.registry import build_sources
from ipdash.sources.record_bounds import plausible_poll
from ipdash.sources.sources_config import validate_sources
from ipdash.sources.store.base import HistoryStore, PollCoordinator, SourceRun

ResultHook = Callable[[PollResult], Awaitable[None] | None]


def configured_sources(
    config: Config, config_path: Path | None = None, runtime: Runtime | None = None
) -> list[ProviderSource]:
    """The enabled ``[[sources]]`` of a config, validated (ConfigError names file and key)."""
    return build_sources(validate_sources(config.sources, config_path), runtime)


def window_for(source: ProviderSource, today: date) -> tuple[date, date]:
    return today - timedelta(days=source.spec.lookback_days - 1), today


#: What httpx imports on its first request (anyio's asyncio backend and streams: ~50 ms), imported
#: off the event loop before the first poll so that no poll's first request stalls the loop.
_FIRST_REQUEST_MODULES = (
    "anyio._backends._asyncio",
    "anyio.streams.memory",
    "anyio.streams.tls",
    "anyio.to_thread",
    "sniffio",
)
_transport_imported = False


def _import_transport() -> None:
    import importlib

    for name in _FIRST_REQUEST_MODULES:
        with contextlib.suppress(ImportError):  # another httpx may not use them: nothing to warm
            importlib.import_module(name)


async def fetch_safely(source: ProviderSource, client: httpx.AsyncClient, today: date) -> PollResult:
    """One fetch; an unexpected exception (a bug) becomes this source's failure, not everyone's.
    A record with an implausible value (a count past 2^63, a day in year 9999) is refused alone
    (judged in a thread: a poll of 10,000 IPs holds tens of thousands of records)."""
    global _transport_imported
    if not _transport_imported:
        await asyncio.to_thread(_import_transport)
        _transport_imported = True
    since, until = window_for(source, today)
    try:
        with short_gil_turns():  # the loop waits at most a short turn behind the poll's threads
            return await off_loop(plausible_poll, await source.fetch(client, since=since, until=until))
    except Exception as error:
        return PollResult(
            source=source.name,
            kind=source.kind,
            fetched_at=source.runtime.clock(),
            failure="unavailable",
            detail=source.redact(
                f"internal error in the {source.kind} source: {type(error).__name__}: {error}"
            ),
        )


async def poll_all_once(
    config: Config,
    *,
    config_path: Path | None = None,
    sources: Sequence[ProviderSource] | None = None,
    client: httpx.AsyncClient | None = None,
    today: date | None = None,
) -> list[PollResult]:
    """Poll every configured source once, concurrently; results in config order."""
    chosen = list(sources) if sources is not None else configured_sources(config, config_path)
    day = today or date.today()
    if client is not None:
        return list(await asyncio.gather(*(fetch_safely(s, client, day) for s in chosen)))
    async with httpx.AsyncClient() as own_client:
        return list(await asyncio.gather(*(fetch_safely(s, own_client, day) for s in chosen)))


def merge_poll_results(dataset: Dataset, results: Sequence[PollResult]) -> Dataset:
    """Add poll results to a dataset (in place, also returned): records replace older ones
    with the same key; each source gets a SourceInfo, stale with its reason when it failed."""
    known_sources = dataset.stat_sources() | {facts.source for facts in dataset.facts.values()}
    for result in results:
        if result.ok or result.partial:  # a partial poll's records are whole ones
            dataset.add_all(result.stats)
            for facts in result.facts:
                dataset.facts[facts.ip] = facts
            for day in result.snds:
                dataset.snds[(day.ip, day.day)] = day
            for warmup in result.warmups:
                dataset.warmups[warmup.ip] = warmup
            for listing in result.listings:
                dataset.listings[(listing.source, listing.ip, listing.list_name)] = listing
            for account in result.account_days:
                dataset.accounts[(account.source, account.scope, account.day)] = account
        rows = sum(
            len(items)
            for items in (
                result.stats,
                result.facts,
                result.snds,
                result.warmups,
                result.listings,
                result.account_days,
            )
        )
        if result.ok:
            state = SourceState.FRESH
        else:
            state = SourceState.STALE if result.source in known_sources else SourceState.FAILED
        detail = result.detail if result.ok else f"{result.failure}: {result.detail}"
        dataset.sources = [info for info in dataset.sources if info.name != result.source]
        dataset.sources.append(
            SourceInfo(
                name=result.source,
                kind=result.kind,
                state=state,
                fetched_at=result.fetched_at,
                rows=rows,
                detail=detail,
            )
        )
    return dataset


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """What the sources view shows for one source."""

    name: str
    kind: str
    interval: timedelta
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    next_poll: datetime | None = None
    failure_kind: str | None = None
    last_error: str = ""
    last_detail: str = ""
    polling: bool = False

    @property
    def ok(self) -> bool:
        return self.last_attempt is not None and self.last_attempt == self.last_success

    def state(self, now: datetime) -> SourceState:
        """Fresh only when the last poll worked and is recent (within two intervals)."""
        if self.last_success is None:
            return SourceState.LOADING if self.last_attempt is None else SourceState.FAILED
        if not self.ok or now - self.last_success > 2 * self.interval:
            return SourceState.STALE
        return SourceState.FRESH

    def age(self, now: datetime) -> timedelta | None:
        return None if self.last_success is None else max(timedelta(0), now - self.last_success)

    @classmethod
    def from_run(cls, run: SourceRun, interval: timedelta) -> SourceStatus:
        return cls(
            name=run.source,
            kind=run.kind,
            interval=interval,
            last_attempt=run.last_attempt,
            last_success=run.last_success,
            next_poll=run.last_attempt + interval,
            failure_kind=None if run.ok else run.failure_kind,
            last_error=run.last_error,
            last_detail=run.last_detail,
        )


class Poller:
    """Runs each source on its interval (counted from the end of its last poll), writes the
    store off the event loop, and calls ``on_result`` after each poll. ``poll_now`` makes every
    source due at once. Polls of one source never overlap."""

    def __init__(
        self,
        sources: Sequence[ProviderSource],
        client: httpx.AsyncClient,
        *,
        store: HistoryStore | None = None,
        on_result: ResultHook | None = None,
        clock: Callable[[], datetime] | None = None,
        today: Callable[[], date] = date.today,
        on_crash: Callable[[str, BaseException], None] | None = None,
    ) -> None:
        self.sources = {source.name: source for source in sources}
        self.on_crash = on_crash
        self.client = client
        self.store = store
        self.on_result = on_result
        self.today = today
        self._clock = clock or (sources[0].runtime.clock if sources else Runtime().clock)
        self._wake = asyncio.Event()
        now = self._clock()
        self.status: dict[str, SourceStatus] = {
            s.name: SourceStatus(name=s.name, kind=s.kind, interval=s.interval, next_poll=now)
            for s in sources
        }

    def restore(self, runs: Sequence[SourceRun]) -> None:
        """Start from what the store knows (last success and error survive a restart);
        a source last polled long ago is due at once."""
        for run in runs:
            current = self.status.get(run.source)
            if current is not None:
                restored = SourceStatus.from_run(run, current.interval)
                self.status[run.source] = replace(
                    restored, next_poll=min(restored.next_poll or self._clock(), self._clock())
                )

    def poll_now(self) -> None:
        now = self._clock()
        for name, status in self.status.items():
            self.status[name] = replace(status, next_poll=now)
        self._wake.set()

    async def poll_source(self, name: str) -> PollResult | None:
        """Poll one source now; None when a shared store says another process has it this interval."""
        source = self.sources[name]
        claim = None
        coordinator = self.store if isinstance(self.store, PollCoordinator) else None
        if coordinator is not None:
            claim = await asyncio.to_thread(
                coordinator.claim, name, source.interval.total_seconds(), self._clock()
            )
            if not claim.granted:
                self.status[name] = replace(self.status[name], next_poll=claim.next_try)
                return None
        self.status[name] = replace(self.status[name], polling=True)
        try:
            # A large poll makes millions of objects that live until it is stored: with the default
            # thresholds full collections walked them all, pausing the event loop for seconds at
            # 10,000 IPs (bench_poll). While polls run, collections are rarer.
            with fewer_collections(), short_gil_turns():  # and while it is stored
                result = await fetch_safely(source, self.client, self.today())
                if self.store is not None:
                    await asyncio.to_thread(self.store.save_poll, result)
        finally:
            if coordinator is not None and claim is not None:
                await asyncio.to_thread(coordinator.release, claim)
        previous = self.status[name]
        finished = self._clock()
        self.status[name] = replace(
            previous,
            polling=False,
            last_attempt=result.fetched_at,
            last_success=result.fetched_at if result.ok else previous.last_success,
            failure_kind=result.failure,
            last_error=result.detail if not result.ok else previous.last_error,
            last_detail=result.detail if result.ok else previous.last_detail,
            next_poll=finished + source.interval,
        )
        if self.on_result is not None:
            outcome = self.on_result(result)
            if outcome is not None:
                await outcome
        return result

    def note_polled_elsewhere(self, result: PollResult) -> None:
        """Another process sharing the store polled this source: show it, and wait an interval."""
        previous = self.status.get(result.source)
        if previous is None or previous.polling:
            return
        self.status[result.source] = replace(
            previous,
            last_attempt=result.fetched_at,
            last_success=result.fetched_at if result.ok else previous.last_success,
            failure_kind=result.failure,
            last_error=result.detail if not result.ok else previous.last_error,
            last_detail=result.detail if result.ok else previous.last_detail,
            next_poll=max(previous.next_poll or result.fetched_at, result.fetched_at + previous.interval),
        )

    async def poll_due(self) -> list[PollResult]:
        """Poll every due source; the results of the polls this process made."""
        now = self._clock()
        due = [
            n
            for n, s in self.status.items()
            if not s.polling and s.next_poll is not None and s.next_poll <= now
        ]
        polled = await asyncio.gather(*(self.poll_source(name) for name in due))
        return [result for result in polled if result is not None]

    def seconds_until_next(self) -> float:
        upcoming = [s.next_poll for s in self.status.values() if s.next_poll is not None and not s.polling]
        if not upcoming:
            return 60.0
        return max(0.0, (min(upcoming) - self._clock()).total_seconds())

    async def run(self, stop: asyncio.Event, *, grace: float = 2.0) -> None:
        """Poll until ``stop`` is set (or this task is cancelled, as when the TUI quits). Each source
        runs in its own task, so a slow one never holds back the others. On stop, polls in flight are
        interrupted: each returns the whole records it has as a partial result, saved within
        ``grace`` seconds; one still running after that is cancelled."""
        running: dict[str, asyncio.Task[PollResult | None]] = {}
        try:
            await self._loop(stop, running)
        except asyncio.CancelledError:
            await self._stop_polls(running, grace)
            raise
        await self._stop_polls(running, grace)

    async def _stop_polls(self, running: Mapping[str, asyncio.Task[PollResult | None]], grace: float) -> None:
        """Interrupt the polls in flight and wait (at most ``grace``, then they are cancelled) for
        their partial results to be saved, even when this task is cancelled again meanwhile."""
        tasks = [task for task in running.values() if not task.done()]
        for name, task in running.items():
            if not task.done():
                self.sources[name].interrupt()
        finishing = asyncio.ensure_future(_finish(tasks, grace))
        cancelled = False
        while not finishing.done():
            try:
                await asyncio.shield(finishing)
            except asyncio.CancelledError:
                cancelled = True  # the grace still bounds the wait
        if cancelled:
            raise asyncio.CancelledError

    async def _loop(self, stop: asyncio.Event, running: dict[str, asyncio.Task[PollResult | None]]) -> None:
        while not stop.is_set():
            now = self._clock()
            for name, status in self.status.items():
                if name not in running and status.next_poll is not None and status.next_poll <= now:
                    running[name] = asyncio.create_task(self.poll_source(name), name=f"poll {name}")
            self._wake.clear()
            waiters = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())}
            try:
                await asyncio.wait(
                    {*waiters, *running.values()},
                    timeout=self._seconds_until_due(running),
                    return_when=asyncio.FIRST_COMPLETED,
                )
            finally:
                for waiter in waiters:
                    waiter.cancel()
            for name, task in list(running.items()):
                if task.done():
                    del running[name]
                    if not task.cancelled() and (error := task.exception()) is not None:
                        self._mark_crashed(name, error)
                        if self.on_crash is not None:
                            self.on_crash(name, error)

    def _seconds_until_due(self, running: Mapping[str, object]) -> float:
        upcoming = [
            s.next_poll for n, s in self.status.items() if s.next_poll is not None and n not in running
        ]
        if not upcoming:
            return 60.0
        return max(0.0, (min(upcoming) - self._clock()).total_seconds())

    def _mark_crashed(self, name: str, error: BaseException | None) -> None:
        """A poll that raised (the store refused a write, a hook failed): the source is polled
        again on its interval instead of never."""
        source = self.sources[name]
        self.status[name] = replace(
            self.status[name],
            polling=False,
            last_error=source.redact(f"poll failed: {type(error).__name__}: {error}"),
            next_poll=self._clock() + source.interval,
        )


async def _finish(tasks: list[asyncio.Task[PollResult | None]], grace: float) -> None:
    if not tasks:
        return
    _done, pending = await asyncio.wait(tasks, timeout=grace)
    for task in pending:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
