"""Analyses run in worker threads and finish in any order; what is shown must be the newest data.

Each test holds one thread at a gate (a threading.Event the test opens) to force the order a busy
machine produces now and then: the first of two polls' analysis finishing last, a poll landing
while a load is reading. No sleeps: the test waits for explicit states."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from textual.pilot import Pilot

import ipdash.domain.analysis
import ipdash.sources.loader
from ipdash.domain.models import Dataset, PollResult
from ipdash.ui.app import IpdashApp
from settling import BUSY, settle

FETCHED_AT = datetime(2026, 11, 21, 8, 55, tzinfo=UTC)
GATE_SECONDS = 120.0  # a safety bound for a broken test, not a timing assumption


def poll(source: str) -> PollResult:
    return PollResult(source=source, kind="sendgrid", fetched_at=FETCHED_AT, detail="polled")


def shown_states(app: IpdashApp) -> dict[str, str]:
    return {info.name: info.state.value for info in app.data.dataset.sources} if app.data else {}


async def until(pilot: Pilot[int], condition: Callable[[], bool]) -> None:
    """Until ``condition`` holds (the app handles messages meanwhile); fails if the app stops."""
    while not condition():
        assert pilot.app.is_running, "the app stopped"
        await pilot.pause()


async def no_busy_workers(pilot: Pilot[int], group: str) -> None:
    await until(pilot, lambda: not any(w.group == group and w.state in BUSY for w in pilot.app.workers))


@pytest.fixture
def gated_analysis(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[threading.Event, threading.Event]]:
    """The analysis of data that has source "first" but not "second" waits for the gate."""
    gate, waiting = threading.Event(), threading.Event()
    analyse = ipdash.domain.analysis.analyse

    def gated(dataset: Dataset, *args: Any, **kwargs: Any) -> Any:
        names = {info.name for info in dataset.sources}
        if "first" in names and "second" not in names:
            waiting.set()
            assert gate.wait(GATE_SECONDS), "the test never opened the gate"
        return analyse(dataset, *args, **kwargs)

    monkeypatch.setattr(ipdash.domain.analysis, "analyse", gated)
    yield gate, waiting
    gate.set()


async def test_the_first_polls_analysis_finishing_last_does_not_hide_the_second_poll(
    make_app: Callable[..., IpdashApp], gated_analysis: tuple[threading.Event, threading.Event]
) -> None:
    gate, waiting = gated_analysis
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        app._on_poll_result(poll("first"))
        await until(pilot, waiting.is_set)  # its analysis is held
        app._on_poll_result(poll("second"))
        await until(pilot, lambda: "second" in shown_states(app))  # the newer one is drawn first
        gate.set()  # the older analysis finishes now, last
        await settle(pilot)
        assert shown_states(app).get("first") == shown_states(app).get("second") == "fresh"


@pytest.fixture
def gated_load(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[threading.Event, threading.Event]]:
    """A load reads everything, then waits for the gate before it is installed."""
    gate, read = threading.Event(), threading.Event()
    load_dataset = ipdash.sources.loader.load_dataset

    def gated(*args: Any, **kwargs: Any) -> Dataset:
        dataset = load_dataset(*args, **kwargs)
        read.set()
        assert gate.wait(GATE_SECONDS), "the test never opened the gate"
        return dataset

    monkeypatch.setattr(ipdash.sources.loader, "load_dataset", gated)
    yield gate, read
    gate.set()


async def test_a_poll_landing_while_the_first_load_reads_is_shown(
    make_app: Callable[..., IpdashApp], gated_load: tuple[threading.Event, threading.Event]
) -> None:
    gate, read = gated_load
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, read.is_set)
        app._on_poll_result(poll("first"))
        await no_busy_workers(pilot, "poll-merge")
        gate.set()
        await settle(pilot)
        assert shown_states(app).get("first") == "fresh"


async def test_a_reload_keeps_a_poll_that_landed_while_it_read(
    make_app: Callable[..., IpdashApp], gated_load: tuple[threading.Event, threading.Event]
) -> None:
    gate, read = gated_load
    gate.set()
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        gate.clear()
        read.clear()
        app.start_load()  # as when a file changes, or `r`
        await until(pilot, read.is_set)
        app._on_poll_result(poll("first"))  # merged into the dataset the reload is about to replace
        await until(pilot, lambda: "first" in shown_states(app))
        gate.set()
        await settle(pilot)
        assert shown_states(app).get("first") == "fresh"
        assert app.full_dataset is not None
        assert "first" in {info.name for info in app.full_dataset.sources}


def test_the_log_of_polls_kept_for_loads_is_emptied_when_no_load_runs() -> None:
    from ipdash.ui.data_state import DataState

    state = DataState()
    token = state.begin_load()
    state.absorb(poll("first"))
    assert len(state._polls) == 1
    state.end_load(token)
    assert state._polls == []
    state.absorb(poll("second"))  # no load running: nothing kept
    assert state._polls == []
