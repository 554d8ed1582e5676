"""Retransmit timing and the in-flight window, learnt from the replies of this run.

Retransmission (RFC 6298-style, Karn's rule): the first resend of a query is due at
max(0.25 s, 4 × the smoothed RTT), then the interval doubles, never beyond the caller's per-query wait;
only replies to queries sent once feed the estimate. At the tail of a sweep (every first attempt sent), a
query still unanswered ``probe_after`` seconds after its send is probed early, once (RFC 8985's tail loss
probe): a lost reply at the end of a sweep is what the whole run would otherwise wait for. The window bounds queries in flight: it halves when
a query goes unanswered (at most once per retransmit floor, so one burst of drops counts once) and grows
back by one query per answer (as TCP's slow start: a short loss burst costs little), up to the limit. Rate-limited servers (NSD's RRL, list
mirrors) then see fewer queries exactly while they are dropping.
"""

from __future__ import annotations

import asyncio
from collections import deque

MIN_RETRANSMIT = 0.25
RTT_FACTOR = 4.0
MIN_WINDOW = 4
#: The tail loss probe is due this many smoothed RTTs after a query's send, and never sooner than the floor
#: (an event-loop pause of a few milliseconds must not look like a loss).
TAIL_PROBE_FACTOR = 3.0
TAIL_PROBE_FLOOR = 0.02


class RetransmitTimer:
    def __init__(self) -> None:
        self.srtt: float | None = None

    def sample(self, rtt: float) -> None:
        self.srtt = rtt if self.srtt is None else 0.875 * self.srtt + 0.125 * rtt

    def first(self, cap: float) -> float:
        estimate = MIN_RETRANSMIT if self.srtt is None else max(MIN_RETRANSMIT, RTT_FACTOR * self.srtt)
        return min(estimate, cap)

    def probe_after(self) -> float | None:
        """How long after its send a straggler at the tail of a sweep is probed; None before the first
        RTT sample (nothing to judge a delay by: the retransmit timer alone decides)."""
        if self.srtt is None:
            return None
        return max(TAIL_PROBE_FLOOR, TAIL_PROBE_FACTOR * self.srtt)


class InFlightWindow:
    """An asyncio semaphore whose size follows loss (AIMD). Use ``async with window:``."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.size = float(self.limit)
        self.in_flight = 0
        self.shrinks = 0
        #: Entries that had to wait for a place (none in a sweep without loss: one worker per place).
        self.waits = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._last_shrink = float("-inf")

    @property
    def waiting(self) -> bool:
        """Someone is waiting for a place."""
        return bool(self._waiters)

    async def __aenter__(self) -> InFlightWindow:
        await self.enter()
        return self

    async def enter(self) -> None:
        if self.try_enter():
            return
        self.waits += 1
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.leave()  # handed a place just before the cancellation: pass it on
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            raise
        # ``_wake`` handed this waiter its place (in_flight counts it already).

    async def __aexit__(self, *exc: object) -> None:
        self.leave()

    def try_enter(self) -> bool:
        """Take a place without waiting when one is free and nobody queues for it (the common case: no
        coroutine call); False means ``async with`` must wait for one."""
        if self.in_flight < int(self.size) and not self._waiters:
            self.in_flight += 1
            return True
        return False

    def leave(self) -> None:
        self.in_flight -= 1
        if self._waiters:
            self._wake()

    def _wake(self) -> None:
        """Hand free places to the longest waiters, each taken off the queue as it is woken: a burst of
        replies freeing places one by one costs one step each (scanning past waiters woken but not yet
        run cost a pass over the whole queue per reply)."""
        waiters, limit = self._waiters, int(self.size)
        while waiters and self.in_flight < limit:
            waiter = waiters.popleft()
            if not waiter.done():
                self.in_flight += 1
                waiter.set_result(None)

    def answered(self) -> None:
        if self.size < self.limit:
            self.size = min(float(self.limit), self.size + 1.0)
            self._wake()

    def lost(self, now: float, srtt: float | None) -> None:
        if now - self._last_shrink < max(srtt or 0.0, MIN_RETRANSMIT):
            return
        self._last_shrink = now
        self.size = max(float(min(MIN_WINDOW, self.limit)), self.size / 2)
        self.shrinks += 1
