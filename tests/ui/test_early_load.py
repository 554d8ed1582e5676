"""The first load started before the app (``ipdash --csv``): the app shows what it read without
reading again, keeps it as the files' last good read, re-reads a file that changed during it,
reports a load that failed, and the command line starts one."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

import ipdash.sources.loader as loader
from ipdash.cli import main_group
from ipdash.domain.config import CsvFile
from ipdash.domain.models import Dataset, SourceState
from ipdash.exit_codes import EXIT_OK
from ipdash.sources.loader import LoadPlan
from ipdash.sources.loader_early import EarlyLoad, stat_signature
from ipdash.sources.paths import user_cache_dir
from ipdash.ui.app import IpdashApp
from settling import settle

FROZEN_NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
FIRST = "date,ip,sent,bounces\n2026-11-19,192.0.2.1,5000,10\n2026-11-20,192.0.2.1,5000,10\n"
SECOND = FIRST + "2026-11-20,198.51.100.7,3000,3\n"


def plan_of(path: Path) -> LoadPlan:
    return LoadPlan(csv=(CsvFile(path=path),), csv_from_command_line=True)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[LoadPlan]]:
    """Every ``load_dataset`` call (the early load's and the app's own), still reading for real."""
    calls: list[LoadPlan] = []
    real = loader.load_dataset

    def counted(plan: LoadPlan, *args: object, **kwargs: object) -> Dataset:
        calls.append(plan)
        return real(plan, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(loader, "load_dataset", counted)
    yield calls


def held(monkeypatch: pytest.MonkeyPatch, release: threading.Event) -> threading.Event:
    """The next ``load_dataset`` waits for ``release`` before reading; the event returned is set once
    it waits."""
    waiting = threading.Event()
    real = loader.load_dataset

    def gated(plan: LoadPlan, *args: object, **kwargs: object) -> Dataset:
        waiting.set()
        assert release.wait(timeout=60)
        return real(plan, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(loader, "load_dataset", gated)
    return waiting


def make(plan: LoadPlan, early: EarlyLoad, repo: Path) -> IpdashApp:
    return IpdashApp(plan, clock=lambda: FROZEN_NOW, theme_dirs=[repo / "themes"], watch_files=False,
                     early_load=early)  # fmt: skip


async def test_the_app_shows_the_early_read_without_reading_again(
    tmp_path: Path, repo: Path, reads: list[LoadPlan]
) -> None:
    path = tmp_path / "stats.csv"
    path.write_text(FIRST)
    plan = plan_of(path)
    early = EarlyLoad(plan, now=FROZEN_NOW)
    app = make(plan, early, repo)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert reads == [plan]  # the early load's read only
        assert app.data is not None and list(app.data.analysis.ips) == ["192.0.2.1"]
        assert app.data.analysis.ips["192.0.2.1"].metrics.totals.sent == 10_000
        assert app.dashboard.table.row_count == 1
        assert path in app.loading.last_reads  # the last good read, kept for a file that breaks later
        path.unlink()
        await pilot.press("r")
        await settle(pilot)
        assert len(reads) == 2  # `r` reads again, for real
        assert app.data.analysis.ips["192.0.2.1"].metrics.totals.sent == 10_000
        info = {i.name: i for i in app.data.dataset.sources}["stats.csv"]
        assert info.state is SourceState.STALE and "file not found" in info.detail


async def test_a_file_changed_while_the_early_load_read_it_is_read_again(
    tmp_path: Path, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "stats.csv"
    path.write_text(FIRST)
    release = threading.Event()
    waiting = held(monkeypatch, release)
    plan = plan_of(path)
    early = EarlyLoad(plan, now=FROZEN_NOW)
    assert waiting.wait(timeout=60)  # it took the signature and waits to read
    path.write_text(SECOND)  # changed before the read: the read sees SECOND, the signature FIRST
    monkeypatch.undo()
    release.set()
    app = make(plan, early, repo)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert app.data is not None
        assert app.loading.file_signature == early.signature != stat_signature(plan.watched_paths())
        app._check_files()  # what the file watcher does every 2 s
        await settle(pilot)
        assert app.loading.file_signature == stat_signature(plan.watched_paths())
        assert set(app.data.analysis.ips) == {"192.0.2.1", "198.51.100.7"}


async def test_an_early_load_that_failed_is_reported_and_the_app_is_ready(
    tmp_path: Path, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> Dataset:
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(loader, "load_dataset", broken)
    path = tmp_path / "stats.csv"
    path.write_text(FIRST)
    plan = plan_of(path)
    early = EarlyLoad(plan, now=FROZEN_NOW)
    assert early.wait(timeout=60)
    with pytest.raises(RuntimeError, match="engine exploded"):
        early.result()
    app = make(plan, early, repo)
    notes: list[str] = []
    app.notify = lambda message, **_: notes.append(str(message))  # type: ignore[method-assign]
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert app.ready.is_set() and app.data is None
        assert any("load data failed" in note and "engine exploded" in note for note in notes)


def test_progress_reported_before_the_app_listened_is_passed_on_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    waiting = held(monkeypatch, release)
    path = tmp_path / "stats.csv"
    path.write_text(FIRST)
    early = EarlyLoad(plan_of(path), now=FROZEN_NOW, then_import=())
    assert waiting.wait(timeout=60)
    early._progress("stats.csv", 10, 100)
    early._progress("stats.csv", 40, 100)
    heard: list[tuple[str, int, int]] = []
    early.forward_progress(lambda *report: heard.append(report))
    assert heard == [("stats.csv", 40, 100)]  # the latest, not the history
    early._progress("stats.csv", 70, 100)
    assert heard[-1] == ("stats.csv", 70, 100)
    release.set()
    assert early.wait(timeout=60)
    assert heard[-1] == ("stats.csv", 70, 100) or heard[-1][1] == heard[-1][2]


def test_a_result_asked_for_too_early_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    waiting = held(monkeypatch, release)
    path = tmp_path / "stats.csv"
    path.write_text(FIRST)
    early = EarlyLoad(plan_of(path), now=FROZEN_NOW, then_import=())
    assert waiting.wait(timeout=60)
    with pytest.raises(RuntimeError, match="still running"):
        early.result()
    release.set()
    assert early.wait(timeout=60) and list(early.result().ips()) == ["192.0.2.1"]


def test_a_missing_path_signs_as_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "here.csv"
    path.write_text(FIRST)
    (name, mtime, size), missing = stat_signature([path, tmp_path / "gone.csv"])
    assert (name, size) == (str(path), len(FIRST)) and mtime > 0
    assert missing == (str(tmp_path / "gone.csv"), -1.0, -1)


def test_the_command_line_starts_the_first_load_before_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    apps: list[IpdashApp] = []
    monkeypatch.setattr(IpdashApp, "run", lambda self, **_: apps.append(self))
    path = tmp_path / "stats.csv"
    path.write_text(FIRST)
    result = CliRunner().invoke(main_group, ["--csv", str(path)])
    assert result.exit_code == EXIT_OK, result.output
    (app,) = apps
    early = app.loading.early_load
    assert isinstance(early, EarlyLoad) and early.plan is app.plan
    assert early.wait(timeout=60) and list(early.result().ips()) == ["192.0.2.1"]
    assert early.cache_dir == user_cache_dir() / "parsed"  # the test's own (conftest)


async def test_a_second_start_on_the_same_file_shows_the_same_from_the_cache(
    tmp_path: Path, repo: Path
) -> None:
    path = tmp_path / "stats.csv"
    path.write_text(SECOND)
    old = path.stat().st_mtime - 60  # written a minute ago: its timestamp can be trusted
    os.utime(path, (old, old))
    plan, shown = plan_of(path), []
    for _start in range(2):
        early = EarlyLoad(plan, now=FROZEN_NOW, cache_dir=tmp_path / "cache")
        app = make(plan, early, repo)
        async with app.run_test(size=(160, 48)) as pilot:
            await settle(pilot)
            assert app.data is not None and early.cache is not None
            shown.append(
                (early.cache.last, {ip: a.metrics.totals.sent for ip, a in app.data.analysis.ips.items()})
            )
    sent = {"192.0.2.1": 10_000, "198.51.100.7": 3000}
    assert shown == [("parsed", sent), ("hit", sent)]  # kept once the first start's data was shown


def test_the_sample_data_boot_path_has_no_early_load(monkeypatch: pytest.MonkeyPatch) -> None:
    """No config file and no files: the boot screen's worker makes the plan and loads (test_boot)."""
    apps: list[IpdashApp] = []
    monkeypatch.setattr(IpdashApp, "run", lambda self, **_: apps.append(self))
    result = CliRunner().invoke(main_group, [])
    assert result.exit_code == EXIT_OK, result.output
    (app,) = apps
    assert app.loading.early_load is None and not app.booted
