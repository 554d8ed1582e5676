"""The parsed-CSV cache's write waits until the first data's own workers are done (bounded)."""

from __future__ import annotations

from types import SimpleNamespace

from textual.worker import WorkerState

from ipdash.ui.after_load import LOOK_EVERY, wait_until_quiet


def worker(group: str, state: WorkerState = WorkerState.RUNNING) -> SimpleNamespace:
    return SimpleNamespace(group=group, state=state)


def test_it_waits_while_a_first_data_worker_runs_and_not_for_others() -> None:
    cells = worker("ip-table-cells")
    workers = [cells, worker("poll"), worker("after-first-data"), worker("load", WorkerState.SUCCESS)]
    looks: list[float] = []

    def sleep(seconds: float) -> None:  # each look: the table's cells get one step nearer done
        looks.append(seconds)
        if len(looks) == 3:
            cells.state = WorkerState.SUCCESS

    assert wait_until_quiet(lambda: workers, lambda: False, sleep=sleep)
    assert looks == [LOOK_EVERY] * 3, "until the cells were done; the poll and itself never counted"


def test_a_cancelled_wait_ends_at_once_and_a_long_one_at_its_bound() -> None:
    busy = [worker("feed-lines")]
    assert not wait_until_quiet(lambda: busy, lambda: True, sleep=lambda _s: None)
    looks: list[float] = []
    assert not wait_until_quiet(lambda: busy, lambda: False, timeout=0.0, sleep=looks.append)
    assert looks == []
