from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from ipdash.domain.config import Config
from ipdash.domain.models import DailyStat, Dataset, IpFacts, SourceState
from ipdash.sources.providers.base import Collected, ProviderError, ProviderSource, Runtime
from ipdash.sources.providers.polling import (
    Poller,
    SourceStatus,
    merge_poll_results,
    poll_all_once,
    window_for,
)
from ipdash.sources.sources_config import validate_sources
from ipdash.sources.store import SqliteStore


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class FakeSource(ProviderSource):
    kind = "sendgrid"

    def __init__(self, name: str, clock: Clock, behaviour: str = "ok", interval: str = "15m") -> None:
        [spec] = validate_sources(
            [{"kind": "sendgrid", "name": name, "api_key_env": "K", "interval": interval}]
        )
        super().__init__(spec, Runtime(env={"K": "secret-k"}, clock=clock))
        self.behaviour = behaviour
        self.calls = 0

    async def collect(self, client: httpx.AsyncClient, *, since: date, until: date) -> Collected:
        self.calls += 1
        self.secret_from_env("K")
        if self.behaviour == "auth":
            raise ProviderError("auth", "401 with secret-k inside")
        if self.behaviour == "bug":
            raise KeyError("secret-k")
        return Collected(
            stats=[DailyStat(until, "192.0.2.1", "all", sent=100, source=self.name)],
            facts=[IpFacts("192.0.2.1", pool="p", source=self.name)],
        )


async def test_one_failing_source_does_not_stop_the_others() -> None:
    clock = Clock()
    sources = [FakeSource("ok", clock), FakeSource("auth", clock, "auth"), FakeSource("bug", clock, "bug")]
    results = await poll_all_once(Config(), sources=sources, today=date(2025, 6, 10))
    assert [(r.source, r.failure) for r in results] == [
        ("ok", None),
        ("auth", "auth"),
        ("bug", "unavailable"),
    ]
    assert "internal error in the sendgrid source: KeyError" in results[2].detail
    assert all("secret-k" not in r.detail for r in results)


def test_merge_poll_results_marks_failures_stale_or_failed() -> None:
    clock = Clock()
    dataset = Dataset(facts={"192.0.2.9": IpFacts("192.0.2.9", source="auth")})
    ok, auth = asyncio.run(
        poll_all_once(Config(), sources=[FakeSource("ok", clock), FakeSource("auth", clock, "auth")])
    )
    never = asyncio.run(poll_all_once(Config(), sources=[FakeSource("new", clock, "auth")]))[0]
    merge_poll_results(dataset, [ok, auth, never])
    assert "192.0.2.1" in dataset.facts and len(dataset.stats) == 1
    states = {info.name: (info.state, info.rows) for info in dataset.sources}
    assert states == {
        "ok": (SourceState.FRESH, 2),
        "auth": (SourceState.STALE, 0),
        "new": (SourceState.FAILED, 0),
    }
    merge_poll_results(dataset, [ok])
    assert [info.name for info in dataset.sources].count("ok") == 1  # replaced, not duplicated


def test_window_follows_lookback_days() -> None:
    source = FakeSource("a", Clock())
    assert window_for(source, date(2025, 6, 10)) == (date(2025, 6, 4), date(2025, 6, 10))


@pytest.mark.parametrize(
    ("fields", "state"),
    [
        ({}, SourceState.LOADING),
        ({"last_attempt": -1}, SourceState.FAILED),
        ({"last_attempt": -5, "last_success": -5}, SourceState.FRESH),
        ({"last_attempt": -40, "last_success": -40}, SourceState.STALE),  # older than two intervals
        ({"last_attempt": -1, "last_success": -5}, SourceState.STALE),  # last poll failed
    ],
)
def test_source_state(fields: dict[str, int], state: SourceState) -> None:
    now = Clock().now
    moments = {key: now + timedelta(minutes=value) for key, value in fields.items()}
    status = SourceStatus(name="s", kind="k", interval=timedelta(minutes=15), **moments)  # type: ignore[arg-type]
    assert status.state(now) is state


async def test_poller_intervals_poll_now_and_store(tmp_path: Path) -> None:
    clock = Clock()
    fast, slow = FakeSource("fast", clock, interval="1m"), FakeSource("slow", clock, "auth", interval="1h")
    seen: list[str] = []
    with SqliteStore(tmp_path / "h.sqlite3") as store:
        async with httpx.AsyncClient() as client:
            poller = Poller(
                [fast, slow], client, store=store, on_result=lambda r: seen.append(r.source), clock=clock
            )
            await poller.poll_due()
            assert (fast.calls, slow.calls) == (1, 1)
            clock.now += timedelta(minutes=2)
            await poller.poll_due()
            assert (fast.calls, slow.calls) == (2, 1)  # each on its own interval
            assert poller.status["slow"].failure_kind == "auth" and poller.status["slow"].last_success is None
            assert poller.seconds_until_next() == pytest.approx(60)
            poller.poll_now()
            await poller.poll_due()
            assert (fast.calls, slow.calls) == (3, 2)
        assert seen == ["fast", "slow", "fast", "fast", "slow"]
        runs = {run.source: run for run in store.source_runs()}
        assert runs["fast"].ok and runs["slow"].consecutive_failures == 2
        restored = Poller([fast, slow], httpx.AsyncClient(), clock=clock)
        restored.restore(store.source_runs())
        assert restored.status["fast"].last_success == clock.now
        assert restored.status["slow"].last_error.startswith("401")


async def test_run_stops_when_asked() -> None:
    clock = Clock()
    source = FakeSource("a", clock)
    async with httpx.AsyncClient() as client:
        poller = Poller([source], client, clock=clock)
        stop = asyncio.Event()
        task = asyncio.create_task(poller.run(stop))
        await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(task, 2)
    assert source.calls == 1


async def test_polls_run_with_raised_gc_thresholds_and_freeze_nothing(tmp_path: Path) -> None:
    """Collections are rarer while polls run; afterwards the thresholds are back and nothing is
    frozen (a long-running poller's leftover cyclic garbage must stay collectable)."""
    import gc

    from ipdash.gc_pauses import POLL_THRESHOLDS

    clock = Clock()
    during: list[tuple[int, int, int]] = []

    class Watching(FakeSource):
        async def collect(self, client: httpx.AsyncClient, *, since: date, until: date) -> Collected:
            during.append(gc.get_threshold())
            return await super().collect(client, since=since, until=until)

    before = gc.get_threshold()
    gc.unfreeze()
    try:
        with SqliteStore(tmp_path / "h.sqlite3") as store:
            async with httpx.AsyncClient() as client:
                await Poller([Watching("a", clock), Watching("b", clock)], client, store=store).poll_due()
        assert during == [tuple(max(b, s) for b, s in zip(POLL_THRESHOLDS, before, strict=True))] * 2
        assert gc.get_threshold() == before  # back once the last poll is stored
        assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()
