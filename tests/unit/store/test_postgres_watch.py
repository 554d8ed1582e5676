"""Viewers see another process's polls through LISTEN/NOTIFY, and ignore notices ipdash did not send."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest

from ipdash.sources.store.postgres import CHANNEL, PostgresStore
from ipdash.sources.store.watch import parse_notice, watch_polls

WRITE_ONE_POLL = """
import sys
from datetime import UTC, date, datetime
from ipdash.domain.models import DailyStat, PollResult
from ipdash.sources.store.postgres import PostgresStore
with PostgresStore(sys.argv[1]) as store:
    stat = DailyStat(date(2025, 6, 9), "192.0.2.7", "gmail.com", sent=42, source="sg")
    store.save_poll(PollResult("sg", "sendgrid", datetime(2025, 6, 10, 8, tzinfo=UTC), stats=(stat,)))
"""


@pytest.fixture
def store(pg_url: str) -> Iterator[PostgresStore]:
    with PostgresStore(pg_url) as opened:
        yield opened


async def test_a_viewer_sees_another_process_s_poll(store: PostgresStore, pg_url: str) -> None:
    listening = asyncio.Event()
    polls = watch_polls(store, on_listening=listening.set)
    first = asyncio.ensure_future(anext(polls))
    await asyncio.wait_for(listening.wait(), 30)
    with psycopg.connect(pg_url, autocommit=True) as db:  # hostile and foreign notices first
        for junk in ("not json", "{}", json.dumps({"source": 1, "fetched_at": "x"}), "[" * 7_000):
            db.execute("SELECT pg_notify(%s, %s)", (CHANNEL, junk))
    writer = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-c", WRITE_ONE_POLL, pg_url], capture_output=True, text=True
    )
    assert writer.returncode == 0, writer.stderr
    result = await asyncio.wait_for(first, 30)
    await polls.aclose()
    assert result.ok and result.source == "sg" and result.fetched_at == datetime(2025, 6, 10, 8, tzinfo=UTC)
    assert [(s.ip, s.sent) for s in result.stats] == [("192.0.2.7", 42)]


async def test_own_polls_are_skipped_unless_asked_for(store: PostgresStore) -> None:
    from ipdash.domain.models import PollResult

    listening = asyncio.Event()
    polls = watch_polls(store, include_own=True, on_listening=listening.set)
    first = asyncio.ensure_future(anext(polls))
    await asyncio.wait_for(listening.wait(), 30)
    stamp = datetime(2025, 6, 10, 9, tzinfo=UTC)
    await asyncio.to_thread(
        store.save_poll, PollResult("sg", "sendgrid", stamp, failure="auth", detail="401")
    )
    result = await asyncio.wait_for(first, 30)
    await polls.aclose()
    assert (result.failure, result.detail, result.fetched_at) == ("auth", "401", stamp)


@pytest.mark.parametrize(
    "payload",
    ["", "null", "[]", '{"source": "s"}', '{"source": "s", "fetched_at": "2025-06-10T08:00:00"}', "\x00"],
)
def test_notices_ipdash_did_not_send_are_ignored(payload: str) -> None:
    assert parse_notice(payload) is None
