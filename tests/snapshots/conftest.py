"""Snapshots of the screen at rest: no toasts, and text cursors shown steadily.

Both are on wall-clock timers, so what a screenshot caught depended on how busy the machine was:
a toast expires 8 s after ``notify`` (the Domains tab's "2 new alerts" was in its snapshot on a
quiet machine and gone under load), and an input's cursor blinks every half second (the wizard's
question step caught it on or off). What a toast says is held by Pilot tests that read
``app._notifications``; snapshots hold the screen beneath it, the cursor where it stands."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import pytest
from textual.pilot import Pilot


@pytest.fixture
def snap_compare(snap_compare: Callable[..., bool]) -> Callable[..., bool]:
    def compare(
        app: Any,
        *args: Any,
        press: Iterable[str] = (),
        run_before: Callable[[Pilot[Any]], Awaitable[None] | None] | None = None,
        **kwargs: Any,
    ) -> bool:
        async def at_rest(pilot: Pilot[Any]) -> None:
            if run_before is not None:
                result = run_before(pilot)
                if inspect.isawaitable(result):
                    await result
            await pilot.pause()
            await pilot.press(*press)
            pilot.app.clear_notifications()
            for widget in pilot.app.screen.query("*"):
                if hasattr(widget, "cursor_blink"):
                    widget.cursor_blink = False  # the cursor stays shown
            await pilot.pause()

        return snap_compare(app, *args, run_before=at_rest, **kwargs)

    return compare
