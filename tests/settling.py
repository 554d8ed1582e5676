"""Waiting for the TUI to settle in tests: an explicit state, never a timed wait."""

from __future__ import annotations

import contextlib
from typing import Any

from textual.worker import WorkerCancelled, WorkerState

BUSY = (WorkerState.PENDING, WorkerState.RUNNING)


async def settle(pilot: Any) -> None:
    """Until the app is idle: no worker pending or running (loading starts after the first refresh, an
    analysis after check results arrive, …) and what they posted has been handled."""
    app = pilot.app
    while True:
        with contextlib.suppress(WorkerCancelled):  # a newer analysis replaced it: wait for that one
            await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(worker.state in BUSY for worker in app.workers):
            return
