"""off_loop: every source's record building on one worker thread (one rival for the event loop's GIL)."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest

from ipdash.sources.providers import base
from ipdash.sources.providers.base import off_loop

_SEEN: contextvars.ContextVar[str] = contextvars.ContextVar("seen", default="unset")


def _where() -> tuple[str, str]:
    return threading.current_thread().name, _SEEN.get()


async def test_every_call_runs_on_the_one_builder_thread_with_the_callers_context() -> None:
    _SEEN.set("from the poll")
    places = await asyncio.gather(*(off_loop(_where) for _ in range(8)))
    assert {name for name, _ in places} == {"ipdash-records_0"}
    assert {seen for _, seen in places} == {"from the poll"}
    assert threading.current_thread().name == "MainThread"


async def test_a_forked_child_makes_its_own_builder(monkeypatch: pytest.MonkeyPatch) -> None:
    """A forked process has none of its parent's threads: work queued to the parent's executor
    would wait for ever, so a new pid gets a new executor."""
    await off_loop(_where)
    saved = base._builder
    parents = base._record_builder()
    monkeypatch.setattr(base.os, "getpid", lambda: -1)
    child = base._record_builder()
    assert child is not parents
    assert (await off_loop(_where))[0].startswith("ipdash-records")
    monkeypatch.undo()
    base._builder = saved
    child.shutdown()
