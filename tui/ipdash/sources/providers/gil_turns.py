"""Shorter GIL turns while a poll runs, so the event loop is never long behind the poll's threads.

A poll's records are decoded, built and judged on the builder thread and written on a store thread,
both busy for seconds at 10,000 IPs. When the event loop wakes for I/O it asks for the GIL and gets
it once the holder has run a whole switch interval (CPython's default: 5 ms), and not always then:
the dropped GIL may go to the other busy thread, and the loop waits another turn. Stalls of 30-62 ms
with 1-9 ms of the loop's own CPU in them were that (bench_poll, 10k IPs × 7 days, quiet machine);
with 1 ms turns the longest such wait was 9-22 ms, in cycles as long (same-run pairs). Process-wide
while any poll runs (nests, safe across threads), then the saved interval again; a smaller one set
by the user is kept.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: The switch interval while polls run (seconds).
POLL_SWITCH_INTERVAL = 0.001
_lock = threading.Lock()
_polls = 0
_saved = sys.getswitchinterval()


@contextmanager
def short_gil_turns() -> Iterator[None]:
    global _polls, _saved
    with _lock:
        if _polls == 0:
            _saved = sys.getswitchinterval()
            if _saved > POLL_SWITCH_INTERVAL:
                sys.setswitchinterval(POLL_SWITCH_INTERVAL)
        _polls += 1
    try:
        yield
    finally:
        with _lock:
            _polls -= 1
            if _polls == 0 and _saved > POLL_SWITCH_INTERVAL:
                sys.setswitchinterval(_saved)
