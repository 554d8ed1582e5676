"""A TUI sharing a PostgreSQL store: polls made elsewhere reach it through LISTEN/NOTIFY, and its
own Poller leaves a source alone for the interval another process just polled it in."""

from __future__ import annotations

import asyncio
import sys

import httpx

from ipdash.domain.models import PollResult
from ipdash.sources.loader import LoadPlan
from ipdash.sources.providers.polling import Poller
from ipdash.sources.store.postgres import PostgresStore
from ipdash.ui.live import LivePolling
from unit.polling.test_polling import Clock, FakeSource

OTHER_PROCESS = """
import sys
from datetime import UTC, date, datetime
from ipdash.domain.models import DailyStat, PollResult
from ipdash.sources.store.postgres import PostgresStore
with PostgresStore(sys.argv[1]) as store:
    stat = DailyStat(date(2025, 6, 10), "192.0.2.9", "all", sent=77, source="sg")
    store.save_poll(PollResult("sg", "sendgrid", datetime.fromisoformat(sys.argv[2]), stats=(stat,)))
"""


async def test_the_tui_follows_polls_made_by_another_process(pg_url: str) -> None:
    clock = Clock()
    seen: list[PollResult] = []
    arrived = asyncio.Event()

    def on_result(result: PollResult) -> None:
        seen.append(result)
        arrived.set()

    with PostgresStore(pg_url) as store:
        source = FakeSource("sg", clock)
        async with httpx.AsyncClient() as client:
            poller = Poller([source], client, store=store, clock=clock)
            live = LivePolling(LoadPlan(), on_result)
            listening = asyncio.Event()
            following = asyncio.ensure_future(live._follow_shared_store(store, poller, listening.set))
            await asyncio.wait_for(listening.wait(), 30)
            stamp = clock.now
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-c", OTHER_PROCESS, pg_url, stamp.isoformat(), stderr=asyncio.subprocess.PIPE
            )
            _, err = await process.communicate()
            assert process.returncode == 0, err.decode()
            await asyncio.wait_for(arrived.wait(), 30)
            following.cancel()
            [result] = seen
            assert [(s.ip, s.sent) for s in result.stats] == [("192.0.2.9", 77)]
            status = poller.status["sg"]
            assert status.last_success == stamp and status.next_poll == stamp + source.interval
            assert await poller.poll_due() == [] and source.calls == 0  # not due: polled elsewhere
            clock.now += source.interval
            [own] = await poller.poll_due()
            assert own.ok and source.calls == 1
