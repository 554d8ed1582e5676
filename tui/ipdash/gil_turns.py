"""Shorter GIL turns while bulk threads run beside the event loop, so the loop is never long behind them.

When the event loop wakes (for I/O, a timer, a key) it asks for the GIL and gets it once the holder
has run a whole switch interval (CPython's default: 5 ms), and not always then: the dropped GIL may
go to another busy thread, and the loop waits another turn. Two things ask for short turns:

- a poll (``short_gil_turns``): its records are decoded, built and judged on the builder thread and
  written on a store thread, both busy for seconds at 10,000 IPs. Stalls of 30-62 ms with 1-9 ms of
  the loop's own CPU in them were that (bench_poll, 10k IPs × 7 days, quiet machine); with 1 ms
  turns the longest such wait was 9-22 ms, in cycles as long (same-run pairs);
- the dashboard while it is up (``ui.widgets.frame_turns.watch_loop``): the analysis and the
  blocklist catalog's threads do not give way between chunks.

The interval is process-wide, so both claim it here: the first claim saves the interval and
shortens it, the last one to end puts the saved one back, whatever order they start and end in
(nests, safe across threads); a smaller interval set by the user is kept.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: The switch interval while anything claims short turns (seconds).
SHORT_SWITCH_INTERVAL = 0.001
_lock = threading.Lock()
_claims = 0
_saved = sys.getswitchinterval()


def claim_short_turns() -> None:
    """Shorten the switch interval until the matching :func:`release_short_turns`."""
    global _claims, _saved
    with _lock:
        if _claims == 0:
            _saved = sys.getswitchinterval()
            if _saved > SHORT_SWITCH_INTERVAL:
                sys.setswitchinterval(SHORT_SWITCH_INTERVAL)
        _claims += 1


def release_short_turns() -> None:
    global _claims
    with _lock:
        _claims -= 1
        if _claims == 0 and _saved > SHORT_SWITCH_INTERVAL:
            sys.setswitchinterval(_saved)


@contextmanager
def short_gil_turns() -> Iterator[None]:
    claim_short_turns()
    try:
        yield
    finally:
        release_short_turns()
