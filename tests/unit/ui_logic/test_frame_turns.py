"""Worker threads that format in turns wait while the loop draws a frame, and only then."""

from __future__ import annotations

import threading

import pytest

from ipdash.ui.widgets import frame_turns
from ipdash.ui.widgets.frame_turns import CHUNK, drawing, give_way, in_turns


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
    event = frame_turns._not_drawing
    original = event.wait

    def wait(timeout: float | None = None) -> bool:
        for worker in workers:
            if worker is threading.current_thread():
                worker.waiting.set()
        return original(timeout)

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
