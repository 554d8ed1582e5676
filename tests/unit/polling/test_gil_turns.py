"""While polls run (fetched and stored), the interpreter's switch interval is short, so the event loop
waits at most a short turn for the GIL behind the builder and store threads; back after the last."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import httpx
import pytest

from ipdash.domain.models import PollResult
from ipdash.gil_turns import SHORT_SWITCH_INTERVAL, short_gil_turns
from ipdash.sources.providers.base import Collected
from ipdash.sources.providers.polling import Poller, fetch_safely
from ipdash.sources.store import SqliteStore

from .test_polling import Clock, FakeSource


class _Watched(SqliteStore):
    def __init__(self, path: Path, seen: list[tuple[str, float]]) -> None:
        super().__init__(path)
        self.seen = seen

    def save_poll(self, result: PollResult) -> int:
        self.seen.append(("save", sys.getswitchinterval()))
        return super().save_poll(result)


@pytest.fixture
def default_interval() -> object:
    saved = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    yield
    sys.setswitchinterval(saved)


async def test_fetches_and_saves_run_with_short_turns_then_the_interval_is_back(
    tmp_path: Path, default_interval: object
) -> None:
    seen: list[tuple[str, float]] = []

    class Watching(FakeSource):
        async def collect(self, client: httpx.AsyncClient, *, since: date, until: date) -> Collected:
            seen.append(("fetch", sys.getswitchinterval()))
            return await super().collect(client, since=since, until=until)

    clock = Clock()
    with _Watched(tmp_path / "h.sqlite3", seen) as store:
        async with httpx.AsyncClient() as client:
            results = await Poller(
                [Watching("a", clock), Watching("b", clock)], client, store=store
            ).poll_due()
            assert all(result.ok for result in results)
            assert sys.getswitchinterval() == 0.005  # back once the last poll is stored
            await fetch_safely(Watching("c", clock), client, date(2025, 6, 10))  # `poll --once`'s fetch
    assert sorted(seen) == [("fetch", SHORT_SWITCH_INTERVAL)] * 3 + [("save", SHORT_SWITCH_INTERVAL)] * 2
    assert sys.getswitchinterval() == 0.005


def test_turns_nest_and_a_smaller_interval_of_the_users_is_kept(default_interval: object) -> None:
    with short_gil_turns():
        with short_gil_turns():
            assert sys.getswitchinterval() == SHORT_SWITCH_INTERVAL
        assert sys.getswitchinterval() == SHORT_SWITCH_INTERVAL  # the outer poll still runs
    assert sys.getswitchinterval() == 0.005
    sys.setswitchinterval(0.0002)
    users = sys.getswitchinterval()  # as the interpreter keeps it (whole microseconds)
    with short_gil_turns():
        assert sys.getswitchinterval() == users
    assert sys.getswitchinterval() == users
