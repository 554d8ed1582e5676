from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime

import httpx
import pytest

from ipdash.domain.models import PollResult
from ipdash.sources.providers.base import ProviderSource, Runtime

from .fakeapi import FakeApi

NOW = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
SINCE = date(2025, 6, 4)
UNTIL = date(2025, 6, 10)


class SleepRecorder:
    """Stands in for asyncio.sleep: records every wait, waits for none."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def api() -> Iterator[FakeApi]:
    with FakeApi() as server:
        yield server


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


def make_runtime(env: dict[str, str], sleeps: SleepRecorder) -> Runtime:
    return Runtime(env=env, clock=lambda: NOW, sleep=sleeps, rng=random.Random(7))


async def fetch(source: ProviderSource, since: date = SINCE, until: date = UNTIL) -> PollResult:
    async with httpx.AsyncClient() as client:
        return await source.fetch(client, since=since, until=until)
