"""Retransmit timer and in-flight window: the arithmetic, without a network."""

from __future__ import annotations

import asyncio

from ipdash.sources.dns.window import MIN_RETRANSMIT, InFlightWindow, RetransmitTimer


def test_first_retransmit_is_four_smoothed_rtts_but_never_below_the_floor_or_above_the_cap() -> None:
    timer = RetransmitTimer()
    assert timer.first(2.5) == MIN_RETRANSMIT
    timer.sample(0.001)
    assert timer.first(2.5) == MIN_RETRANSMIT
    for _ in range(50):
        timer.sample(0.2)
    assert 0.79 < timer.first(2.5) <= 0.8
    assert timer.first(0.5) == 0.5
    assert timer.first(0.1) == 0.1


def test_the_window_halves_once_per_burst_of_losses_and_grows_back() -> None:
    window = InFlightWindow(64)
    for _ in range(10):
        window.lost(now=100.0, srtt=0.01)
    assert window.size == 32 and window.shrinks == 1
    window.lost(now=101.0, srtt=0.01)
    assert window.size == 16
    for _ in range(47):
        window.answered()
    assert window.size == 63
    window.answered()
    window.answered()
    assert window.size == 64
    for step in range(20):
        window.lost(now=200.0 + step, srtt=0.01)
    assert window.size == 4


async def test_no_more_than_the_window_is_in_flight() -> None:
    window = InFlightWindow(3)
    peak = 0

    async def one() -> None:
        nonlocal peak
        async with window:
            peak = max(peak, window.in_flight)
            await asyncio.sleep(0)

    await asyncio.gather(*(one() for _ in range(20)))
    assert peak == 3 and window.in_flight == 0


async def test_a_cancelled_waiter_passes_its_turn_on() -> None:
    window = InFlightWindow(1)
    entered = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        async with window:
            entered.set()
            await release.wait()

    first = asyncio.ensure_future(holder())
    await entered.wait()
    cancelled = asyncio.ensure_future(window.__aenter__())
    waiting = asyncio.ensure_future(window.__aenter__())
    await asyncio.sleep(0)
    cancelled.cancel()
    release.set()
    await first
    await asyncio.wait_for(waiting, 1.0)
    assert window.in_flight == 1


def test_deadlines_answer_none_in_time_order_on_one_timer_and_skip_the_answered() -> None:
    from ipdash.sources.dns.udp import Deadlines

    async def run() -> list[str]:
        loop = asyncio.get_running_loop()
        deadlines = Deadlines(loop)
        order: list[str] = []
        late: asyncio.Future[bytes | None] = loop.create_future()
        early: asyncio.Future[bytes | None] = loop.create_future()
        answered: asyncio.Future[bytes | None] = loop.create_future()
        for name, future in (("late", late), ("early", early), ("answered", answered)):
            future.add_done_callback(lambda f, name=name: order.append(name))
        now = loop.time()
        deadlines.add(now + 0.05, late)
        deadlines.add(now + 0.01, early)  # earlier than the armed timer: re-armed for it
        deadlines.add(now + 0.02, answered)
        answered.set_result(b"reply")  # its deadline must not overwrite the reply
        assert await early is None and await late is None
        assert answered.result() == b"reply"
        assert not deadlines._heap and deadlines._timer is None  # nothing left to wake up for
        deadlines.add(loop.time() + 60, loop.create_future())
        deadlines.close()
        assert deadlines._timer is None
        return order

    assert asyncio.run(run()) == ["answered", "early", "late"]


async def test_a_freed_place_is_handed_to_the_longest_waiter_which_leaves_the_queue() -> None:
    window = InFlightWindow(2)
    assert window.try_enter() and window.try_enter()
    waiters = [asyncio.ensure_future(window.enter()) for _ in range(3)]
    await asyncio.sleep(0)
    assert len(window._waiters) == 3
    window.leave()
    window.leave()
    # Both places went to the two longest waiters at once, before either has run: the queue holds only
    # the third (a woken waiter left in the queue was scanned again by every later reply).
    assert window.in_flight == 2 and len(window._waiters) == 1 and window.waiting
    await asyncio.gather(*waiters[:2])
    assert not waiters[2].done()
    waiters[2].cancel()
    await asyncio.gather(waiters[2], return_exceptions=True)
    assert window.in_flight == 2 and not window.waiting


async def test_a_waiter_cancelled_after_it_was_handed_a_place_passes_the_place_on() -> None:
    window = InFlightWindow(1)
    assert window.try_enter()
    handed = asyncio.ensure_future(window.enter())
    next_in_line = asyncio.ensure_future(window.enter())
    await asyncio.sleep(0)
    window.leave()  # the place goes to ``handed``...
    handed.cancel()  # ...which is cancelled before it runs
    await asyncio.gather(handed, return_exceptions=True)
    await asyncio.wait_for(next_in_line, 1.0)
    assert window.in_flight == 1 and not window.waiting
