"""`metrics serve`'s analysis shared through the store (``commands._shared_metrics``): after a
poller stored it (``ipdash poll``'s child: one analysis, `report`'s, for the report and the exporter)
an exporter on a ``[store]``-only config serves the same gauges without analysing, parsed back with
prometheus-client's parser; a write to the store, a damaged or foreign payload, or a stored check
result turned stale makes it analyse again. SQLite and a real PostgreSQL server."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

import ipdash.domain.analysis as analysis_module
from counting import CountedCalls
from ipdash.commands import _metrics, _shared_metrics, _shared_report
from ipdash.commands._metrics import IpdashCollector
from ipdash.commands.metrics_cmd import store_loader
from ipdash.domain.models import DailyStat, PollResult
from ipdash.sources.config_file import load_config
from ipdash.sources.live import open_configured_store
from ipdash.sources.loader import LoadPlan
from ipdash.sources.reference_data import threshold_presets
from ipdash.sources.store import snapshots

from .configured import configured_store
from .configured import plant as planted
from .test_lean_report import END, IPS, store_config  # noqa: F401 - a fixture

NOW = datetime(2025, 7, 1, 9, tzinfo=UTC)


@pytest.fixture
def viewer(store_config: Path) -> Path:  # noqa: F811 - the imported fixture, requested
    return store_config


class Analyses(CountedCalls):
    """Counts the analyses made (the report's, the exporter's: its own import of ``analyse`` too)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        super().__init__(monkeypatch, "analyse", analysis_module, _metrics)


def scrape(
    config_path: Path, *, shared: bool, now: datetime = NOW
) -> set[tuple[str, tuple[Any, ...], float]]:
    """One scrape of an exporter on ``config_path`` (as `metrics serve` builds it; ``shared``: with
    the stored analysis looked up), parsed back: every sample but the scrape's own duration."""
    config, found_at = load_config(config_path)
    store = open_configured_store(config, found_at)
    try:
        stored = _shared_metrics.exporter_lookup(store, config, now=lambda: now) if shared else None
        collector = IpdashCollector(
            store_loader(LoadPlan(config=config, config_path=found_at), store),
            config,
            threshold_presets(),
            today=lambda: now.date(),
            stored=stored,
        )
        registry = CollectorRegistry()
        registry.register(collector)
        text = generate_latest(registry).decode()
    finally:
        store.close()
    return {
        (sample.name, tuple(sorted(sample.labels.items())), sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name != "ipdash_scrape_duration_seconds"
    }


def poll_child(config_path: Path) -> bool:
    config, found_at = load_config(config_path)
    store = open_configured_store(config, found_at)
    try:
        return _shared_report.refresh_for_viewers(store, config, today=NOW.date())
    finally:
        store.close()


def exporter_key(store: Any, config: Any) -> snapshots.SnapshotKey | None:
    return _shared_metrics.metrics_key(store, config, NOW.date())


def metrics_key_text(config_path: Path) -> tuple[str, int]:
    with configured_store(config_path) as (store, config):
        key = exporter_key(store, config)
        assert key is not None
        return key.text(), key.data_version


def plant(config_path: Path, payload: bytes) -> None:
    planted(config_path, payload, exporter_key)


def stored_payload(config_path: Path) -> bytes | None:
    with configured_store(config_path) as (store, config):
        key = exporter_key(store, config)
        assert key is not None
        found = store.read_snapshot(key.text())
        return None if found is None else found[1]


def test_the_exporter_serves_the_poller_s_analysis_without_analysing(
    viewer: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    analysed = scrape(viewer, shared=False)
    assert any(name == "ipdash_ip_sent" for name, _labels, _value in analysed)
    analyses = Analyses(monkeypatch)
    assert scrape(viewer, shared=True) == analysed and analyses.count >= 1  # none stored: analysed
    assert poll_child(viewer)
    report_analyses = analyses.count
    assert not poll_child(viewer)  # both stored already: nothing analysed
    assert analyses.count == report_analyses
    before = analyses.count
    assert scrape(viewer, shared=True) == analysed
    assert analyses.count == before  # drawn from the store


def test_the_poller_analyses_once_for_the_report_and_the_exporter(
    viewer: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report's and the exporter's payloads come from one analysis (the view's is its own: the
    TUI's first analysis has no check results)."""
    from ipdash.sources.store import shared_view

    monkeypatch.setattr(shared_view, "refresh_view", lambda *_args, **_kwargs: False)
    analyses = Analyses(monkeypatch)
    assert poll_child(viewer)
    two_steps = analyses.count  # the lean read's analysis and its completion: one report analysis
    assert stored_payload(viewer) is not None
    config, found_at = load_config(viewer)
    store = open_configured_store(config, found_at)
    try:
        report_key = _shared_report.report_key(store, config, NOW.date())
        assert report_key is not None and _shared_report.read_report(store, report_key, NOW) is not None
        store.write_snapshot(report_key.text(), report_key.data_version, b"gone")  # the report only
    finally:
        store.close()
    analyses.count = 0
    assert poll_child(viewer)
    assert analyses.count == two_steps  # once more for the report, not twice


def test_a_write_to_the_store_makes_the_exporter_analyse(
    viewer: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert poll_child(viewer)
    config, found_at = load_config(viewer)
    store = open_configured_store(config, found_at)
    try:
        day = END + timedelta(days=1)
        stats = (DailyStat(day, IPS["steady"], "gmail.com", sent=3000, delivered=2995, source="esp"),)
        store.save_poll(PollResult("esp", "sendgrid", NOW, stats=stats))
    finally:
        store.close()
    analysed = scrape(viewer, shared=False)
    analyses = Analyses(monkeypatch)
    assert scrape(viewer, shared=True) == analysed and analyses.count >= 1


def test_a_damaged_or_foreign_payload_is_ignored(viewer: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert poll_child(viewer)
    good = stored_payload(viewer)
    assert good is not None
    analysed = scrape(viewer, shared=False)
    text, _version = metrics_key_text(viewer)

    def edited(edit: Any) -> bytes:
        copy = orjson.loads(good)
        edit(copy)
        return orjson.dumps(copy)

    damaged = [
        good[: len(good) // 2],
        b"not json",
        pickle.dumps({"codec": snapshots.CODEC, "key": text}),
        edited(lambda p: p.update(key="metrics:other")),
        edited(lambda p: p["body"].update(extra=1)),
        edited(lambda p: p["body"].update(valid_until="not a time")),
        edited(lambda p: p["body"]["frame"].update(value=[])),
        edited(lambda p: p["body"]["frame"]["value"].__setitem__(1, "sources")),
    ]
    analyses = Analyses(monkeypatch)
    for payload in damaged:
        plant(viewer, payload)
        count = analyses.count
        assert scrape(viewer, shared=True) == analysed, payload[:60]
        assert analyses.count > count, payload[:60]  # analysed: the payload was not trusted


def test_a_check_result_turned_stale_makes_the_exporter_analyse(
    viewer: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert poll_child(viewer)
    good = stored_payload(viewer)
    assert good is not None
    found = orjson.loads(good)
    found["body"]["valid_until"] = (NOW - timedelta(minutes=1)).isoformat()
    plant(viewer, orjson.dumps(found))
    analysed = scrape(viewer, shared=False)
    analyses = Analyses(monkeypatch)
    assert scrape(viewer, shared=True) == analysed
    assert analyses.count >= 1  # analysed: the stored one was made with a result now stale
    found["body"]["valid_until"] = (NOW + timedelta(minutes=1)).isoformat()
    plant(viewer, orjson.dumps(found))
    count = analyses.count
    scrape(viewer, shared=True)
    assert analyses.count == count  # still valid: drawn from the store


def test_one_decode_per_stored_analysis(viewer: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Refreshes over unchanged data take the frame decoded the first time."""
    assert poll_child(viewer)
    config, found_at = load_config(viewer)
    store = open_configured_store(config, found_at)
    decodes = []
    real = _shared_metrics.read_metrics

    def counted(*args: Any) -> Any:
        decodes.append(1)
        return real(*args)

    monkeypatch.setattr(_shared_metrics, "read_metrics", counted)
    try:
        lookup = _shared_metrics.exporter_lookup(store, config, now=lambda: NOW)
        assert lookup is not None
        first, second = lookup(NOW.date()), lookup(NOW.date())
        assert first is not None and second is not None and first[0] is second[0]
        assert len(decodes) == 1
    finally:
        store.close()
