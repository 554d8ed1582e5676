"""Waiting for the TUI to settle in tests: an explicit state, never a timed wait."""

from __future__ import annotations

from typing import Any


async def settle(pilot: Any) -> None:
    """Until the app is idle: no worker pending or running (loading starts after the first refresh, an
    analysis after check results arrive, …) and what they posted has been handled."""
    app = pilot.app
    while True:
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not app.busy:
            return
