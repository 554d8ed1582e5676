"""Worker threads step aside while the event loop has work: a frame, a message, a timer.

A frame (a layout and the compositor's render) is the loop's longest single piece of work, 20-50
ms of CPU at 10,000 IPs. The threads that format the table's cells and the feed's lines share the
interpreter's lock with it, and CPython hands that lock round every switch interval among the
threads that want it, so while they ran the loop got a third to a tenth of the time it asked for:
during a 10k load a frame of 47 ms of CPU took 505 ms (the loop stalled that long), and the loop
woken for a 0.3 ms timer waited up to 110 ms for the lock behind three such threads. Bulk
formatting calls ``give_way()`` between small chunks (``in_turns``), and there it waits, holding
nothing, while the loop has work to do:

- while a frame is drawn (``drawing``, on the loop);
- while the loop runs at all, once ``watch_loop`` watches it: the loop is idle only while it
  waits in its selector (for input, a thread's call or its next timer), so a worker waits from
  the moment the loop leaves the selector until it is back; and when the selector's timeout is
  over (a timer is due) but the loop has not taken the lock back yet, the worker lets it go.

A wait lasts at most ``LONGEST_WAIT`` (a loop that never goes idle cannot hold a worker for good).
On the loop's own thread, and with nothing watched or drawn, ``give_way()`` returns at once.

``watch_loop`` also claims short switch turns (``ipdash.gil_turns``, shared with the polls): threads
that do not give way (the analysis, the blocklist catalog) then hold the lock at most
``SWITCH_INTERVAL`` before the loop, woken, gets it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from ipdash.gil_turns import SHORT_SWITCH_INTERVAL, claim_short_turns, release_short_turns

T = TypeVar("T")

#: Seconds a worker waits at most for one frame, or for the loop to go idle.
LONGEST_WAIT = 0.25
#: Items a worker handles between two looks at the loop (~0.1-1 ms of formatting).
CHUNK = 64
#: The interpreter's switch interval while a loop is watched (CPython's default: 5 ms).
SWITCH_INTERVAL = SHORT_SWITCH_INTERVAL
#: Seconds a worker sleeps (not holding the interpreter's lock) to let a woken loop take it.
HAND_OVER = 0.0002

_not_drawing = threading.Event()
_not_drawing.set()
_drawing_thread: int | None = None
#: Set while the watched loop waits in its selector, and while no loop is watched.
_loop_idle = threading.Event()
_loop_idle.set()
_loop_thread: int | None = None
_watch: object | None = None  # the watch in force (the newest): it holds one claim of short turns
#: perf_counter() when the watched loop's selector wait ends at the latest (a timer is due).
_idle_until = float("inf")


@contextmanager
def drawing() -> Iterator[None]:
    """Around the loop's frame: workers that give way wait until it is drawn."""
    global _drawing_thread
    if _drawing_thread == threading.get_ident():  # nested: the outer one clears it
        yield
        return
    _drawing_thread = threading.get_ident()
    _not_drawing.clear()
    try:
        yield
    finally:
        _drawing_thread = None
        _not_drawing.set()


def watch_loop(loop: Any) -> Callable[[], None]:
    """Watch an asyncio loop (call on its thread): workers that give way wait while it runs.
    Returns what ends the watch (the selector and the switch interval as they were). A loop
    without a selector to watch (not the selector event loop) is left as it is; a newer watch
    replaces an older one (an app that ended without unwatching holds no worker)."""
    global _loop_thread, _watch
    selector: Any = getattr(loop, "_selector", None)
    select = getattr(selector, "select", None)
    if select is None:
        return lambda: None
    if selector.__dict__.get("select") is not None:  # watched already
        return lambda: None
    token = object()

    def watched(timeout: float | None = None) -> Any:
        global _idle_until
        if _watch is not token:  # another loop is watched now: this one only selects
            return select(timeout)
        _idle_until = float("inf") if timeout is None or timeout < 0 else time.perf_counter() + timeout
        _loop_idle.set()
        try:
            return select(timeout)
        finally:
            _loop_idle.clear()

    selector.select = watched
    if _watch is None:  # a newer watch takes over the claim of one never ended
        claim_short_turns()
    _loop_thread, _watch = threading.get_ident(), token
    _loop_idle.clear()  # running now: this is called from the loop

    def unwatch() -> None:
        global _loop_thread, _watch
        if selector.__dict__.get("select") is watched:
            del selector.select
        if _watch is token:
            _loop_thread, _watch = None, None
            _loop_idle.set()
            release_short_turns()

    return unwatch


def give_way() -> None:
    """From a worker between chunks: wait while the loop draws a frame or has work to do."""
    me = threading.get_ident()
    if not _not_drawing.is_set() and _drawing_thread != me:
        _not_drawing.wait(LONGEST_WAIT)
    if _loop_thread is None or me == _loop_thread:
        return
    if not _loop_idle.is_set():
        _loop_idle.wait(LONGEST_WAIT)
    elif time.perf_counter() > _idle_until:  # woken for a timer, waiting for the lock: hand it over
        time.sleep(HAND_OVER)
        if not _loop_idle.is_set():
            _loop_idle.wait(LONGEST_WAIT)


def in_turns(items: Iterable[T], chunk: int = CHUNK) -> Iterator[T]:
    """``items``, giving way to the loop every ``chunk`` of them."""
    for count, item in enumerate(items):
        if count % chunk == 0:
            give_way()
        yield item
