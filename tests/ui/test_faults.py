"""Faults and bad input in the TUI (issue 12): a missing file among good ones, a file deleted while
the app runs, row errors on screen, a day one file has not reported yet, updates before compose."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from ipdash.cli import main_group
from ipdash.domain.config import CsvFile
from ipdash.domain.models import SourceState
from ipdash.exit_codes import EXIT_OK, EXIT_USAGE
from ipdash.sources.loader import LoadPlan
from ipdash.ui.app import IpdashApp
from ipdash.ui.screens.dashboard import DashboardScreen
from ipdash.ui.screens.row_errors import RowErrorsScreen
from settling import settle

GOOD = "date,ip,sent,bounces\n2026-11-19,192.0.2.1,5000,10\n2026-11-20,192.0.2.1,5000,10\n"
OTHER = "date,ip,sent,bounces\n2026-11-19,198.51.100.1,3000,3\n2026-11-20,198.51.100.1,3000,3\n"
BAD_ROWS = "date,ip,sent,bounces\n2026-11-20,192.0.2.9,100,1\n2026-11-20,nope,5,1\n2026-11-20,192.0.2.9,x,1\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def plan_of(*paths: Path) -> LoadPlan:
    return LoadPlan(csv=tuple(CsvFile(path=p) for p in paths), csv_from_command_line=True)


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[IpdashApp]:
    """`ipdash` as run from the shell, up to the point where the screen would open."""
    apps: list[IpdashApp] = []
    monkeypatch.setattr(IpdashApp, "run", lambda self, **_: apps.append(self))
    return apps


def test_a_missing_file_among_good_ones_starts_the_tui(tmp_path: Path, started: list[IpdashApp]) -> None:
    good = write(tmp_path, "good.csv", GOOD)
    result = CliRunner().invoke(main_group, ["--csv", str(good), "--csv", str(tmp_path / "missing.csv")])
    assert result.exit_code == EXIT_OK, result.output
    assert len(started) == 1 and [spec.path.name for spec in started[0].plan.csv] == [
        "good.csv",
        "missing.csv",
    ]


def test_nothing_to_show_refuses_to_start_with_every_reason(tmp_path: Path, started: list[IpdashApp]) -> None:
    empty = write(tmp_path, "empty.csv", "")
    result = CliRunner().invoke(main_group, ["--csv", str(tmp_path / "missing.csv"), "--csv", str(empty)])
    assert result.exit_code == EXIT_USAGE
    assert not started
    assert "missing.csv: file not found" in result.stderr
    assert "empty.csv: file is empty" in result.stderr


async def test_the_failed_file_is_in_the_sources_tab_with_its_reason(
    make_app: Callable[..., IpdashApp], tmp_path: Path
) -> None:
    good = write(tmp_path, "good.csv", GOOD)
    async with make_app(plan_of(good, tmp_path / "missing.csv")).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await pilot.pause()
        app = pilot.app
        assert isinstance(app, IpdashApp) and app.data is not None
        assert list(app.data.analysis.ips) == ["192.0.2.1"]
        failed = {info.name: info for info in app.data.dataset.sources}["missing.csv"]
        assert failed.state is SourceState.FAILED and "file not found" in failed.detail
        shown = app.export_screenshot().replace("&#160;", " ")
        assert "missing.csv" in shown and "✗ failed" in shown and "file not found" in shown


async def test_a_file_deleted_while_running_keeps_its_ips_marked_stale(
    make_app: Callable[..., IpdashApp], tmp_path: Path
) -> None:
    good, other = write(tmp_path, "good.csv", GOOD), write(tmp_path, "other.csv", OTHER)
    async with make_app(plan_of(good, other)).run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, IpdashApp)
        other.unlink()
        await pilot.press("r")
        await settle(pilot)
        assert app.data is not None
        assert set(app.data.analysis.ips) == {"192.0.2.1", "198.51.100.1"}  # still there
        info = {i.name: i for i in app.data.dataset.sources}["other.csv"]
        assert info.state is SourceState.STALE
        assert "file not found" in info.detail and "showing its data as read at" in info.detail
        assert app.data.analysis.ips["198.51.100.1"].metrics.totals.sent == 6000
        table = app.dashboard.table
        table.move_cursor(row=table.visible_ips().index("198.51.100.1"))
        await pilot.pause()
        facts = str(app.dashboard.query_one("#side-facts").render())
        assert "▲ stale: other.csv read" in facts
        status = str(app.dashboard.query_one("#status-text").render())
        assert "other.csv ▲ stale" in status


async def test_row_errors_are_listed_scrollable_and_copyable(
    make_app: Callable[..., IpdashApp], tmp_path: Path
) -> None:
    bad = write(tmp_path, "bad.csv", BAD_ROWS)
    async with make_app(plan_of(bad)).run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "2 row errors (e)" in str(pilot.app.screen.query_one("#status-text").render())
        await pilot.press("e")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, RowErrorsScreen)
        lines = [error.location() for error in screen.errors]
        assert lines == [f"{bad}:3:2", f"{bad}:4:3"]
        await pilot.press("j", "c")
        assert pilot.app.clipboard.startswith(f"{bad}:4:3: ") and "'x'" in pilot.app.clipboard
        await pilot.press("C")
        assert pilot.app.clipboard.count("\n") == 1 and "not an IP address" in pilot.app.clipboard
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, DashboardScreen)


async def test_appending_a_day_to_one_file_counts_no_zero_day_for_the_other(
    make_app: Callable[..., IpdashApp], tmp_path: Path
) -> None:
    good, other = write(tmp_path, "good.csv", GOOD), write(tmp_path, "other.csv", OTHER)
    async with make_app(plan_of(good, other)).run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, IpdashApp) and app.data is not None
        before = app.data.analysis.ips["198.51.100.1"].metrics
        with good.open("a") as appended:
            appended.write("2026-11-21,192.0.2.1,5000,10\n")
        await pilot.press("r")
        await settle(pilot)
        after = app.data.analysis.ips["198.51.100.1"].metrics
        assert (after.totals.sent, after.idle_days) == (before.totals.sent, before.idle_days) == (6000, 0)
        assert app.data.analysis.window == before.window  # waits a day for other.csv


def test_screen_updates_before_compose_are_ignored() -> None:
    """Progress, sources, status and domain results can arrive before the dashboard is composed."""
    screen = DashboardScreen(clock=lambda: None)  # type: ignore[arg-type,return-value]
    screen.show_progress("stats.csv", 1, 2)
    screen.refresh_sources()
    screen.refresh_status()
    screen.set_domains(None)  # type: ignore[arg-type]
