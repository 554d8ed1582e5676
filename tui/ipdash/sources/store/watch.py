"""Viewers of a shared store learn of new polls from PostgreSQL's LISTEN/NOTIFY, not by re-reading
the database in a loop: each poll's commit sends one notification on ``ipdash_history``, and
:func:`watch_polls` turns each into the poll's records, read back once.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

from ipdash.domain.models import PollResult
from ipdash.sources.store.postgres import CHANNEL, WRITER_ID, PostgresStore


def parse_notice(payload: str) -> tuple[str, datetime, str] | None:
    """(source, fetched_at, writer) from a notification, or None for one ipdash did not send."""
    try:
        data = json.loads(payload)
        if not isinstance(data, dict):
            return None
        source, stamp, writer = data["source"], data["fetched_at"], data.get("writer", "")
        if not isinstance(source, str) or not isinstance(writer, str) or len(source) > 500:
            return None
        fetched_at = datetime.fromisoformat(stamp)
    except (ValueError, TypeError, KeyError, RecursionError):
        return None
    return (source, fetched_at, writer) if fetched_at.tzinfo is not None else None


async def watch_polls(
    store: PostgresStore,
    *,
    include_own: bool = False,
    on_listening: Callable[[], Any] | None = None,
) -> AsyncIterator[PollResult]:
    """Each poll committed by another process (by any, with ``include_own``), as it commits.
    Runs until cancelled; ``on_listening`` is called once LISTEN is in place."""
    import psycopg

    async with await psycopg.AsyncConnection.connect(
        store.url, autocommit=True, **store.connect_kwargs
    ) as db:
        await db.execute(f"LISTEN {CHANNEL}")
        if on_listening is not None:
            on_listening()
        async for notice in db.notifies():
            parsed = parse_notice(notice.payload)
            if parsed is None:
                continue
            source, fetched_at, writer = parsed
            if writer == WRITER_ID and not include_own:
                continue
            yield await asyncio.to_thread(store.load_poll, source, fetched_at)
