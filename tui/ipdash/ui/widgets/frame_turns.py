"""Worker threads step aside while the event loop draws a frame.

A frame (a layout and the compositor's render) is the loop's longest single piece of work, 20-50
ms of CPU at 10,000 IPs. The threads that format the table's cells and the feed's lines share the
interpreter's lock with it, and CPython hands that lock round every 5 ms among the threads that
want it, so while they ran the loop got a third to a tenth of the time it asked for: during a
10k load a frame of 47 ms of CPU took 505 ms (the loop stalled that long). Bulk formatting calls
``give_way()`` between small chunks (``in_turns``); while a frame is being drawn (``drawing``,
on the loop) it waits there, holding nothing, until the frame is done (at most
``LONGEST_WAIT``, so a frame that never ends cannot hold a worker for good). Anywhere else, and on
the drawing thread itself, ``give_way()`` returns at once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

#: Seconds a worker waits at most for one frame.
LONGEST_WAIT = 0.25
#: Items a worker handles between two looks at the loop (~0.1-1 ms of formatting).
CHUNK = 64

_not_drawing = threading.Event()
_not_drawing.set()
_drawing_thread: int | None = None


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


def give_way() -> None:
    """From a worker between chunks: wait while the loop draws a frame."""
    if not _not_drawing.is_set() and _drawing_thread != threading.get_ident():
        _not_drawing.wait(LONGEST_WAIT)


def in_turns(items: Iterable[T], chunk: int = CHUNK) -> Iterator[T]:
    """``items``, giving way to the loop's frames every ``chunk`` of them."""
    for count, item in enumerate(items):
        if count % chunk == 0:
            give_way()
        yield item
