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
from ipdash.domain.models import PollResult
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
            following = asyncio.ensure_future(live._follow_shared_store(store, poller))
            # LISTEN is in place once the follower's connection shows up as listening on the server.
            while not await asyncio.to_thread(_listening, store):
                await asyncio.sleep(0)  # yield only; the check itself waits on the server
            stamp = clock.now
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-c", OTHER_PROCESS, pg_url, stamp.isoformat()
            )
            assert await process.wait() == 0
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


def _listening(store: PostgresStore) -> bool:
    import psycopg

    with psycopg.connect(store.url) as db:
        row = db.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN%%' AND pid <> pg_backend_pid()"
        ).fetchone()
    return bool(row and row[0])
