"""Worker threads that format in turns wait while the loop draws a frame or, once it is watched,
while it runs at all; and only then."""

from __future__ import annotations

import asyncio
import sys
import threading
from typing import Any

import pytest

from ipdash.ui.widgets import frame_turns
from ipdash.ui.widgets.frame_turns import CHUNK, SWITCH_INTERVAL, drawing, give_way, in_turns, watch_loop


class _Worker(threading.Thread):
    """Consumes ``in_turns(range(total))``; ``waiting`` is set once it waits for a frame."""

    def __init__(self, total: int) -> None:
        super().__init__(daemon=True)
        self.total = total
        self.consumed: list[int] = []
        self.waiting = threading.Event()

    def run(self) -> None:
        self.consumed.extend(in_turns(range(self.total)))


@pytest.fixture
def watched_wait(monkeypatch: pytest.MonkeyPatch) -> list[_Worker]:
    """Each worker's ``waiting`` is set when it starts waiting for the frame to end."""
    workers: list[_Worker] = []
    for event in (frame_turns._not_drawing, frame_turns._loop_idle):

        def wait(timeout: float | None = None, original: Any = event.wait) -> bool:
            for worker in workers:
                if worker is threading.current_thread():
                    worker.waiting.set()
            return bool(original(timeout))

        monkeypatch.setattr(event, "wait", wait)
    return workers


def test_a_worker_waits_at_its_next_chunk_while_a_frame_is_drawn(watched_wait: list[_Worker]) -> None:
    worker = _Worker(3 * CHUNK)
    watched_wait.append(worker)
    with drawing():
        worker.start()
        assert worker.waiting.wait(10), "it waits for the frame"
        assert worker.consumed == [], "nothing formatted while the frame is drawn"
    worker.join(10)
    assert worker.consumed == list(range(3 * CHUNK)), "all of it once the frame is drawn, in order"


def test_with_no_frame_being_drawn_a_worker_never_waits(watched_wait: list[_Worker]) -> None:
    worker = _Worker(3 * CHUNK)
    watched_wait.append(worker)
    worker.start()
    worker.join(10)
    assert worker.consumed == list(range(3 * CHUNK)) and not worker.waiting.is_set()


def test_the_drawing_thread_itself_never_waits_and_frames_nest() -> None:
    with drawing():
        with drawing():
            give_way()  # would wait LONGEST_WAIT if it waited
            assert list(in_turns(range(2 * CHUNK))) == list(range(2 * CHUNK))
        assert not frame_turns._not_drawing.is_set(), "the inner frame does not end the outer one"
    assert frame_turns._not_drawing.is_set()


def test_a_frame_that_never_ends_holds_a_worker_no_longer_than_its_bound(
    monkeypatch: pytest.MonkeyPatch, watched_wait: list[_Worker]
) -> None:
    monkeypatch.setattr(frame_turns, "LONGEST_WAIT", 0.001)
    worker = _Worker(3 * CHUNK)
    watched_wait.append(worker)
    with drawing():
        worker.start()
        worker.join(30)
        assert worker.consumed == list(range(3 * CHUNK)), "it went on after each bounded wait"
        assert worker.waiting.is_set()


def test_a_worker_waits_while_the_watched_loop_runs_and_goes_on_while_it_waits_in_its_selector(
    watched_wait: list[_Worker],
) -> None:
    loop = asyncio.new_event_loop()
    unwatch = watch_loop(loop)  # from the loop's thread, as the loop runs (here: before it does)
    try:
        worker = _Worker(3 * CHUNK)
        watched_wait.append(worker)
        worker.start()
        assert worker.waiting.wait(10), "it waits: the loop is not in its selector"
        assert worker.consumed == []
        # The loop waits for the worker's end in its selector: the worker goes on meanwhile.
        loop.run_until_complete(loop.run_in_executor(None, worker.join, 30))
        assert worker.consumed == list(range(3 * CHUNK))
    finally:
        unwatch()
        loop.close()


def test_a_watch_shortens_the_switch_interval_and_its_end_restores_it_and_the_selector() -> None:
    loop = asyncio.new_event_loop()
    before = sys.getswitchinterval()
    try:
        unwatch = watch_loop(loop)
        assert sys.getswitchinterval() == min(before, SWITCH_INTERVAL)
        assert "select" in vars(loop._selector)  # type: ignore[attr-defined]
        unwatch()
        assert sys.getswitchinterval() == before
        assert "select" not in vars(loop._selector)  # type: ignore[attr-defined]
        give_way()  # nothing watched: returns at once (it would wait LONGEST_WAIT otherwise)
        assert frame_turns._loop_idle.is_set()
    finally:
        loop.close()


def test_a_newer_watch_replaces_one_never_ended(monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = asyncio.new_event_loop(), asyncio.new_event_loop()
    before = sys.getswitchinterval()
    try:
        watch_loop(old)  # an app that stopped without ending its watch
        unwatch = watch_loop(new)
        assert frame_turns._loop_thread == threading.get_ident()
        unwatch()
        assert frame_turns._loop_thread is None and frame_turns._loop_idle.is_set()
        assert sys.getswitchinterval() == before, "the interval from before the first watch"
    finally:
        old.close()
        new.close()


def test_a_worker_hands_the_lock_over_when_the_loop_is_due_for_a_timer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(frame_turns.time, "sleep", slept.append)
    monkeypatch.setattr(frame_turns, "_loop_thread", -1)  # watched, on another thread
    monkeypatch.setattr(frame_turns, "_idle_until", frame_turns.time.perf_counter() + 3600)
    give_way()  # idle in its selector, no timer due: straight on
    assert slept == []
    monkeypatch.setattr(frame_turns, "_idle_until", frame_turns.time.perf_counter() - 1)
    give_way()
    assert slept == [frame_turns.HAND_OVER]


def test_a_poll_ending_under_a_watch_leaves_the_turns_short_and_the_last_end_restores_them() -> None:
    """The dashboard's watch and the polls claim the one process-wide interval together: a poll that
    began before the dashboard was up and ends while it is must not put the long turns back."""
    from ipdash.gil_turns import short_gil_turns

    loop = asyncio.new_event_loop()
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    try:
        with short_gil_turns():  # the first poll, started before the dashboard mounted
            unwatch = watch_loop(loop)
        assert sys.getswitchinterval() == SWITCH_INTERVAL, "the watch still holds short turns"
        with short_gil_turns():  # a poll during the watch, ending after it
            unwatch()
            assert sys.getswitchinterval() == SWITCH_INTERVAL
        assert sys.getswitchinterval() == 0.005
    finally:
        sys.setswitchinterval(before)
        loop.close()
