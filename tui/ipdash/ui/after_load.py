"""What waits until the first data's own work is done: the parsed-CSV cache's write.

Writing the cache (Parquet, ~0.2 s on both cores at 10,000 IPs) while the table's cells, the feed's
lines and the alerts are still being made for the first data took the cores the event loop needed
for its frames (a 62 ms stall, 34 ms of it waiting for a core). So it waits until those workers are
done, for at most ``QUIET_WAIT`` seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from textual.worker import WorkerState

#: The workers the first data starts on the way to a settled screen.
FIRST_DATA_GROUPS = frozenset(
    {"load", "ip-table-cells", "feed-lines", "alerts-judge", "alert-acks", "blocklists-init"}
)
#: Seconds the cache write waits at most for them.
QUIET_WAIT = 10.0
#: Seconds between two looks at them.
LOOK_EVERY = 0.05
_BUSY = (WorkerState.PENDING, WorkerState.RUNNING)


def wait_until_quiet(
    workers: Callable[[], Iterable[Any]],
    cancelled: Callable[[], bool],
    *,
    timeout: float = QUIET_WAIT,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """From a worker thread: until none of ``workers()`` in ``FIRST_DATA_GROUPS`` is pending or
    running (True), or ``cancelled()`` (False), or ``timeout`` seconds passed (False)."""
    deadline = time.monotonic() + timeout
    while not cancelled():
        if not any(w.group in FIRST_DATA_GROUPS and w.state in _BUSY for w in list(workers())):
            return True
        if time.monotonic() >= deadline:
            return False
        sleep(LOOK_EVERY)
    return False
