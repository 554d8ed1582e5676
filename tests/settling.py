"""Waiting for the TUI to settle in tests: an explicit state, never a timed wait."""

from __future__ import annotations

import contextlib
from typing import Any

from textual.worker import WorkerCancelled, WorkerState

BUSY = (WorkerState.PENDING, WorkerState.RUNNING)


async def settle(pilot: Any) -> None:
    """Until the app is ready and idle.

    Ready: the app's first load is on screen (``IpdashApp.ready``: loading starts only after the
    first refresh, so "no worker yet" does not mean "loaded"). Idle: no worker pending or running
    (an analysis after check results arrive, the blocklist catalog, …) and what they posted has
    been handled."""
    app = pilot.app
    ready = getattr(app, "ready", None)
    while ready is not None and not ready.is_set():
        if not app.is_running:  # it stopped (crashed) before its first load was on screen
            raise AssertionError("the app stopped before it was ready")
        await pilot.pause()
    while True:
        with contextlib.suppress(WorkerCancelled):  # a newer analysis replaced it: wait for that one
            await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(worker.state in BUSY for worker in app.workers):
            return


async def laid_out(pilot: Any, widget: Any) -> None:
    """Until ``widget`` (on a screen just pushed) has been given its size by a layout pass."""
    while not widget.content_region.width:
        if not pilot.app.is_running:
            raise AssertionError("the app stopped before the widget was laid out")
        await pilot.pause()


async def frames_done(pilot: Any) -> None:
    """Until nothing is left to lay out or to draw (each pause lets a frame happen)."""
    screen = pilot.app.screen
    await pilot.pause()
    while screen._layout_required or screen._repaint_required or screen._dirty_widgets:
        await pilot.pause()
    await pilot.pause()


def count_layouts(monkeypatch: Any) -> list[int]:
    """From now on, one item per full layout of any screen (``Screen._refresh_layout`` with a layout
    asked for)."""
    from textual.screen import Screen

    layouts: list[int] = []
    original = Screen._refresh_layout

    def counted(screen: Any, *args: Any, **kwargs: Any) -> None:
        if screen._layout_required:
            layouts.append(1)
        original(screen, *args, **kwargs)

    monkeypatch.setattr(Screen, "_refresh_layout", counted)
    return layouts
