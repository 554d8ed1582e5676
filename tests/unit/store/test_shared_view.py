"""The TUI's first frame shared through the store (``sources.store.shared_view``): a ``[store]``-only
viewer's first load that finds the first frame a poller or an earlier viewer stored for the same
data, day, config and code draws it without analysing, then loads and analyses the history as
before (same verdicts); a first load that had to analyse stores it once drawn; a write to the store
or a damaged, foreign or pickled payload makes the viewer analyse (and replace it). SQLite and a real
PostgreSQL server, on the crafted history of the lean-read tests."""

from __future__ import annotations

import asyncio
import pickle
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

import ipdash.domain.analysis as analysis_module
from counting import CountedCalls
from ipdash.commands import _shared_report
from ipdash.domain.analysis import Analysis, IpAnalysis
from ipdash.domain.models import DailyStat, Dataset, PollResult, SourceInfo, SourceState
from ipdash.sources.config_file import load_config
from ipdash.sources.live import open_configured_store
from ipdash.sources.loader import plan_from_inputs
from ipdash.sources.store import shared_view, snapshots
from ipdash.ui.app import IpdashApp
from ipdash.ui.messages import DataReady

from .configured import configured_store
from .configured import plant as planted
from .test_lean_report import END, IPS, store_config  # noqa: F401 - a fixture

NOW = datetime(2025, 7, 1, 9, tzinfo=UTC)


@pytest.fixture
def viewer(store_config: Path) -> Path:  # noqa: F811 - the imported fixture, requested
    return store_config


class Viewer(IpdashApp):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shown: asyncio.Queue[DataReady] = asyncio.Queue()

    def on_data_ready(self, message: DataReady) -> None:
        super().on_data_ready(message)
        self.shown.put_nowait(message)


class Analyses(CountedCalls):
    """Counts the analyses made (the TUI's, the lean read's)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        super().__init__(monkeypatch, "analyse", analysis_module)


def without_series(analysis: Analysis) -> dict[str, IpAnalysis]:
    """Every IP's analysis but its day-by-day series (a stored first frame has no days yet)."""
    return {
        ip: replace(found, metrics=replace(found.metrics, daily=(), daily_by_provider={}))
        for ip, found in analysis.ips.items()
    }


async def first_two(config_path: Path, analyses: Analyses) -> tuple[DataReady, int, DataReady]:
    """The TUI on ``config_path``: its first frame, the analyses made when it was shown, and the
    first analysis of the loaded history; after the load worker (and the view's write) ended."""
    config, found_at = load_config(config_path)
    app = Viewer(plan_from_inputs([], config, False, found_at), clock=lambda: NOW, watch_files=False)
    async with app.run_test(size=(120, 40)):
        first = await asyncio.wait_for(app.shown.get(), 30)
        count = analyses.count
        loaded = first
        while loaded.seq == 0:
            loaded = await asyncio.wait_for(app.shown.get(), 30)
        loads = [worker.wait() for worker in app.workers if worker.group == "load"]
        await asyncio.gather(*loads, return_exceptions=True)  # a load the next one cancelled ends too
    return first, count, loaded


def viewer_key(store: Any, config: Any) -> snapshots.SnapshotKey | None:
    return shared_view.view_key(store, config, NOW.date(), config.window_days)


def stored_view(config_path: Path) -> shared_view.FirstFrame | None:
    with configured_store(config_path) as (store, config):
        key = viewer_key(store, config)
        assert key is not None
        return shared_view.read_view(store, key)


def plant(config_path: Path, payload: bytes) -> None:
    """A payload written under the viewer's key, by anybody."""
    planted(config_path, payload, viewer_key)


async def test_a_first_load_stores_its_first_frame_and_the_next_viewer_draws_it(
    viewer: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    analyses = Analyses(monkeypatch)
    assert stored_view(viewer) is None
    cold, cold_count, cold_loaded = await first_two(viewer, analyses)
    assert cold.seq >= 1 and cold_count >= 1 and cold is cold_loaded  # analysed: nothing was stored
    frame = stored_view(viewer)
    assert frame is not None  # stored once drawn
    assert without_series(frame.analysis) == without_series(cold.analysis)
    assert frame.analysis.feed == cold.analysis.feed and frame.sources == cold.dataset.sources
    assert frame.facts == cold.dataset.facts

    before = analyses.count
    shared, shared_count, loaded = await first_two(viewer, analyses)
    assert shared.seq == 0 and shared_count == before  # drawn from the store: no analysis
    assert without_series(shared.analysis) == without_series(cold.analysis)
    assert shared.analysis.feed == cold.analysis.feed
    assert shared.dataset.sources == cold.dataset.sources and not shared.dataset.has_stats()
    assert IPS["long"] in shared.analysis.ips and shared.analysis.has_critical  # the crafted breach
    # The history is loaded and analysed after it: the same verdicts, now with their series.
    assert loaded.seq >= 1 and analyses.count > before
    assert without_series(loaded.analysis) == without_series(cold.analysis)
    assert loaded.analysis.ips[IPS["steady"]].metrics.daily == cold.analysis.ips[IPS["steady"]].metrics.daily


async def test_the_poller_stores_the_first_frame_a_viewer_would_make(
    viewer: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    analyses = Analyses(monkeypatch)
    config, found_at = load_config(viewer)
    store = open_configured_store(config, found_at)
    try:
        poller = config.model_copy(update={"window_days": config.window_days})
        assert _shared_report.refresh_for_viewers(store, poller, today=NOW.date())
        assert not _shared_report.refresh_for_viewers(store, poller, today=NOW.date())  # stored already
    finally:
        store.close()
    polled = stored_view(viewer)
    assert polled is not None
    before = analyses.count
    shared, count, loaded = await first_two(viewer, analyses)
    assert shared.seq == 0 and count == before
    # What the TUI makes of the store itself (the loaded history's first analysis): the same.
    assert without_series(shared.analysis) == without_series(loaded.analysis)
    assert shared.analysis.feed == loaded.analysis.feed


async def test_a_write_to_the_store_makes_the_next_viewer_analyse(
    viewer: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    analyses = Analyses(monkeypatch)
    await first_two(viewer, analyses)  # stores the first frame
    assert stored_view(viewer) is not None
    config, found_at = load_config(viewer)
    store = open_configured_store(config, found_at)
    try:
        day = END + timedelta(days=1)
        stats = (DailyStat(day, IPS["steady"], "gmail.com", sent=3000, delivered=2995, source="esp"),)
        store.save_poll(PollResult("esp", "sendgrid", NOW, stats=stats))
    finally:
        store.close()
    assert stored_view(viewer) is None  # another data version: another key
    first, count, _loaded = await first_two(viewer, analyses)
    assert first.seq >= 1 and count >= 1
    assert first.analysis.window is not None and first.analysis.window.end == day
    assert stored_view(viewer) is not None


def damaged_payloads(good: bytes, key: str) -> list[bytes]:
    found = orjson.loads(good)

    def edited(edit: Any) -> bytes:
        copy = orjson.loads(good)
        edit(copy)
        return orjson.dumps(copy)

    first_ip = next(iter(found["body"]["frame"]["value"][0][1]))
    return [
        good[: len(good) // 2],  # truncated
        b"not json",
        pickle.dumps({"codec": snapshots.CODEC, "key": key}),  # never unpickled
        edited(lambda p: p.update(codec="ipdash-snapshot/0")),
        edited(lambda p: p.update(key="view:other")),
        edited(lambda p: p["body"].update(extra=1)),
        edited(lambda p: p["body"]["frame"].update(value=[])),
        edited(lambda p: p["body"]["frame"]["value"][0][1][first_ip][5].__setitem__(1, "excellent")),
        edited(lambda p: p["body"]["frame"]["value"][0][1][first_ip][2][2].__setitem__(0, "3000")),
        edited(lambda p: p["body"]["frame"]["value"][0][1][first_ip].__setitem__(0, 10**9)),
    ]


async def test_a_damaged_or_foreign_first_frame_is_ignored_and_replaced(
    viewer: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    analyses = Analyses(monkeypatch)
    cold, _count, _loaded = await first_two(viewer, analyses)
    config, found_at = load_config(viewer)
    store = open_configured_store(config, found_at)
    try:
        key = shared_view.view_key(store, config, NOW.date(), config.window_days)
        assert key is not None
        found = store.read_snapshot(key.text())
        assert found is not None
        good = found[1]
    finally:
        store.close()
    payloads = damaged_payloads(good, key.text())
    for payload in payloads[:3]:  # whole viewers for a few: they analyse, and store a good one
        plant(viewer, payload)
        assert stored_view(viewer) is None
        first, count, _loaded = await first_two(viewer, analyses)
        assert first.seq >= 1 and count >= 1
        assert without_series(first.analysis) == without_series(cold.analysis)
        assert stored_view(viewer) is not None
    for payload in payloads[3:]:
        plant(viewer, payload)
        assert stored_view(viewer) is None, payload[:80]


def test_the_first_frame_keeps_stale_sources_by_name() -> None:
    stale = SourceInfo("esp", "sendgrid", SourceState.STALE, NOW, detail="timed out")
    fresh = SourceInfo("other", "mailgun", SourceState.FRESH, NOW)
    stats = {
        (END, ip, "gmail.com"): DailyStat(END, ip, "gmail.com", sent=10, source=source)
        for ip, source in ((IPS["steady"], "esp"), (IPS["long"], "other"))
    }
    dataset = Dataset(stats, sources=[stale, fresh])
    frame = shared_view.FirstFrame.of(dataset, Analysis(None, {}))
    codec = shared_view._codec()
    decoded = codec.decode(orjson.loads(orjson.dumps(codec.encode(frame))))
    assert decoded == frame
    assert decoded.stale_sources() == {IPS["steady"]: [stale]}
    assert decoded.dataset().sources == [stale, fresh] and not decoded.dataset().has_stats()


def test_every_panel_takes_a_stored_frame_s_stale_sources() -> None:
    """The dashboard and the detail screen both ask `stale_by_ip`: from a stored first frame (no
    records to find them in) the frame's own, otherwise the dataset's."""
    from ipdash.ui.stale import stale_by_ip

    stale = SourceInfo("esp", "sendgrid", SourceState.STALE, NOW, detail="timed out")
    stats = {
        (END, IPS["steady"], "gmail.com"): DailyStat(END, IPS["steady"], "gmail.com", sent=10, source="esp")
    }
    dataset = Dataset(stats, sources=[stale])
    frame = shared_view.FirstFrame.of(dataset, Analysis(None, {}))
    stored = DataReady(frame.dataset(), frame.analysis, NOW, stale=frame.stale_sources())
    assert stale_by_ip(stored) == {IPS["steady"]: [stale]}
    assert stale_by_ip(DataReady(dataset, Analysis(None, {}), NOW)) == {IPS["steady"]: [stale]}


async def test_a_drill_down_before_the_history_loaded_says_its_days_are_loading(
    viewer: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first frame drawn from a stored analysis has no days yet: the detail screen's charts say
    they are loading (not "no day with … sent"), then draw the days once the history is in."""
    import threading

    from ipdash.ui.live import StoreHistory
    from ipdash.ui.screens.detail import IpDetailScreen
    from ipdash.ui.widgets.charts import DAYS_LOADING, RateChart, VolumeChart

    analyses = Analyses(monkeypatch)
    await first_two(viewer, analyses)  # stores the first frame
    release = threading.Event()
    real = StoreHistory.under

    def held(self: StoreHistory, *args: Any, **kwargs: Any) -> Any:
        release.wait(30)  # the history's read waits until the drill-down was looked at
        return real(self, *args, **kwargs)

    monkeypatch.setattr(StoreHistory, "under", held)
    config, found_at = load_config(viewer)
    app = Viewer(plan_from_inputs([], config, False, found_at), clock=lambda: NOW, watch_files=False)
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            first = await asyncio.wait_for(app.shown.get(), 30)
            assert first.seq == 0 and first.days_pending
            await pilot.app.push_screen(IpDetailScreen(first, IPS["steady"]))
            screen = app.screen
            assert isinstance(screen, IpDetailScreen)
            charts = [screen.query_one(VolumeChart), *screen.query(RateChart)]
            for chart in charts:
                figure = chart.plt.build()
                assert DAYS_LOADING in figure and "no day with" not in figure
            release.set()
            loaded = await asyncio.wait_for(app.shown.get(), 30)
            assert loaded.seq >= 1 and not loaded.days_pending
            await pilot.pause()
            assert app.screen is screen
            for chart in charts:
                assert DAYS_LOADING not in chart.plt.build()
            assert "gmail.com" in screen.query_one("#chart-bounce", RateChart).plt.build()
            loads = [worker.wait() for worker in app.workers if worker.group == "load"]
            await asyncio.gather(*loads, return_exceptions=True)
    finally:
        release.set()


async def test_the_poller_makes_the_view_from_the_report_s_analysis_when_no_checks_are_stored(
    viewer: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no check results stored, the TUI's first analysis and the report's are the same analysis
    of the same history: ``ipdash poll``'s child makes it once for the report, the exporter and the
    view. With results stored they differ (the first frame has none): the view is analysed apart."""
    from ipdash.sources.dns.configure import results_path

    config, found_at = load_config(viewer)
    assert _shared_report.checks_input(config) == "absent"
    views = []
    real = shared_view.first_frame
    monkeypatch.setattr(shared_view, "first_frame", lambda *args: views.append(1) or real(*args))
    store = open_configured_store(config, found_at)
    try:
        assert _shared_report.refresh_for_viewers(store, config, today=NOW.date())
    finally:
        store.close()
    assert views == []  # the report's analysis made the view too
    analyses = Analyses(monkeypatch)
    shared, count, loaded = await first_two(viewer, analyses)
    assert shared.seq == 0 and count == 0  # drawn from it
    assert without_series(shared.analysis) == without_series(loaded.analysis)  # what the TUI makes
    assert shared.analysis.feed == loaded.analysis.feed
    assert shared.dataset.sources == loaded.dataset.sources and shared.dataset.facts == loaded.dataset.facts

    checks = results_path(config.blocklists)
    checks.parent.mkdir(parents=True, exist_ok=True)
    checks.write_text('{"version": 1, "results": {}}')  # stored results (none): another report key
    store = open_configured_store(config, found_at)
    try:
        stats = (DailyStat(END + timedelta(days=1), IPS["steady"], "gmail.com", sent=10, source="esp"),)
        store.save_poll(PollResult("esp", "sendgrid", NOW, stats=stats))  # and another data version
        assert _shared_report.refresh_for_viewers(store, config, today=NOW.date())
    finally:
        store.close()
    assert views == [1]  # analysed for the view on its own
