"""Garbage collection around bulk loads and analyses: fewer, shorter pauses (of the TUI's event loop too).

A load or an analysis of 10,000 IPs allocates millions of objects that mostly survive.
CPython collects the young generation every 700 allocations and, as survivors pile up, runs
full passes that walk everything alive: measured at 1k IPs those stalled the event loop up to
2.9 s (a pass in a worker thread holds the GIL). Raised thresholds (50,000 / 10) made passes
rarer but not short: a young container that is still growing (a dict of every IP, a list of
every record) is walked whole by each pass, and a middle-generation pass took 214 ms of CPU in
a 10k load and analysis, the event loop stopped meanwhile. So while a bulk step runs the
collector does not run at all (``gc.disable``); when the outermost step ends it is enabled again
and everything alive is frozen (``gc.freeze``) so later passes skip it. Frozen objects are still
freed by reference counting once unreferenced; only garbage in reference cycles among them
stays, and a whole 10k load and analysis leaves 187 such objects (peak RSS unchanged: 866–892 MB
against 884 MB with the raised thresholds).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = gc.isenabled()


@contextmanager
def bulk_allocation() -> Iterator[None]:
    """Usable as ``with`` or as a decorator; nests, and is safe across threads."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.freeze()
                if _was_enabled:
                    gc.enable()


#: gc thresholds while a poll runs (CPython's defaults: 700, 10, 10): young collections as often as
#: usual, full ones put off. A pass costs about its generation's size: a young generation of 50,000
#: objects took 80-104 ms of CPU a pass in a 10,000-IP poll cycle, each pass stalling the event loop
#: (bench_poll --poll-thresholds, same-run pairs); 700 takes about 1 ms, the middle one 5-9 ms.
POLL_THRESHOLDS = (700, 10, 10_000)
_poll_lock = threading.Lock()
_polls = 0
_poll_saved: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Raised thresholds while it runs (nests, safe across threads), then the saved ones again.

    For polls, not ``bulk_allocation``: a poll's records are stored and dropped, not kept, and
    ``ipdash poll`` runs for months, so nothing is frozen (frozen cyclic garbage is never
    collected: each poll would leak its share) and the collector is never off across network
    waits; collections are only rarer while a large poll builds its records."""
    global _polls, _poll_saved
    with _poll_lock:
        if _polls == 0:
            _poll_saved = gc.get_threshold()
            gc.set_threshold(
                *(max(raised, saved) for raised, saved in zip(POLL_THRESHOLDS, _poll_saved, strict=True))
            )
        _polls += 1
    try:
        yield
    finally:
        with _poll_lock:
            _polls -= 1
            if _polls == 0:
                gc.set_threshold(*_poll_saved)
