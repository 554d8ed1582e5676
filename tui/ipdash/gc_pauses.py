"""Garbage collection around bulk loads and analyses: fewer, shorter pauses (of the TUI's event loop too).

A load or an analysis of 10,000 IPs allocates millions of objects that mostly survive.
CPython collects the young generation every 700 allocations and, as survivors pile up, runs
full passes that walk everything alive: measured at 1k IPs those stalled the event loop up to
2.9 s (a pass in a worker thread holds the GIL). While a bulk step runs the thresholds are
raised: young passes are rarer but stay short (tens of thousands of objects), and full passes
wait; when the outermost step ends the thresholds come back and everything alive is frozen
(``gc.freeze``) so later passes skip it. Frozen objects are still freed by reference counting
once unreferenced; only garbage in reference cycles among them stays.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: gc thresholds during a bulk step (CPython's defaults: 700, 10, 10).
BULK_THRESHOLDS = (50_000, 10, 10_000)

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def bulk_allocation() -> Iterator[None]:
    """Usable as ``with`` or as a decorator; nests, and is safe across threads."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(*(max(bulk, saved) for bulk, saved in zip(BULK_THRESHOLDS, _saved, strict=True)))
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.set_threshold(*_saved)
                gc.freeze()
