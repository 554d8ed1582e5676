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


@pytest.fixture(autouse=True)
def aws_test_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """botocore's chain finds these, and nothing else: no files, no instance metadata calls."""
    empty = tmp_path_factory.mktemp("aws") / "none"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDLOOPBACKTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "loopback-secret-key")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in (
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
