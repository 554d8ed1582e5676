"""The Alerts, Sources and Domains panels and the row-errors screen fit their width as the feed does
(ipdash.ui.widgets.fit_columns): no column runs past the right edge at any size, a long value wraps
in its column to two lines ending "…", a path or an address too long is cut in the middle, and
enter opens the whole line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from ipdash.domain.models import RowError, SourceInfo, SourceState
from ipdash.sources.alert_board import ScreenAlert
from ipdash.sources.alerts import Condition
from ipdash.sources.providers.polling import SourceStatus
from ipdash.ui.app import IpdashApp
from ipdash.ui.screens.alert_line import AlertLineScreen, alert_line_text
from ipdash.ui.screens.feed_line import FieldsLineScreen
from ipdash.ui.screens.row_errors import RowErrorLineScreen, RowErrorsScreen
from ipdash.ui.widgets.alerts_panel import AlertsPanel
from ipdash.ui.widgets.domains_panel import FIT as DOMAINS_FIT
from ipdash.ui.widgets.fit_columns import path_ellipsis
from ipdash.ui.widgets.sources_panel import SourcesPanel, error_label
from settling import settle

SIZES = [(80, 24), (100, 30), (120, 40), (160, 48), (200, 60)]
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
DEEP = "/srv/exports/" + "/".join(["very-long-directory-name-ünïcødé-数据"] * 5) + "/daily-stats.csv"


def squeezed(text: str) -> str:
    return "".join(text.split())


def column_cells(table: DataTable[Any], key: str) -> list[str]:
    index = [column.key.value for column in table.ordered_columns].index(key)
    return [table.get_row_at(row)[index].plain for row in range(table.row_count)]


def assert_fits(table: DataTable[Any]) -> None:
    widths = sum(column.get_render_width(table) for column in table.ordered_columns)
    assert widths <= table.scrollable_content_region.width, (widths, table.scrollable_content_region)
    assert table.max_scroll_x == 0
    for row in table.ordered_rows:
        assert row.height <= 2


def assert_value_cut_at_its_end(cells: Sequence[str], values: Sequence[str]) -> None:
    for cell, value in zip(cells, values, strict=True):
        assert cell.count("\n") <= 1
        if cell.endswith("…"):
            assert squeezed(value).startswith(squeezed(cell[:-1]))
        else:
            assert squeezed(cell) == squeezed(value)


def alert(number: int, *, ip: str, what: str, value: str) -> ScreenAlert:
    condition = Condition(f"k{number}", "threshold", "critical", what, value, ip)
    return ScreenAlert(f"k{number}", condition, "threshold", ip, what, value, "2026-11-20", NOW)


HOSTILE_ALERTS = [
    alert(1, ip="2001:0db8:85a3:0000:0000:8a2e:0370:7334", what="bounce · gmail.com", value="word " * 400),
    alert(2, ip="192.0.2.1", what="no spaces", value="x" * 3000),
    alert(3, ip="gmail:" + "s" * 300, what="w" * 300, value="短い値 ünïcode " * 30),
    alert(4, ip="", what="source", value=""),
]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_the_alerts_fit_their_width_and_enter_shows_an_alert_whole(
    make_app: Callable[..., IpdashApp], size: tuple[int, int]
) -> None:
    async with make_app().run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await pilot.pause()
        panel = pilot.app.screen.query_one(AlertsPanel)
        assert_fits(panel)
        values = column_cells(panel, "value")
        assert_value_cut_at_its_end(values, [a.value for a in panel.alerts])
        assert "state" in dict(panel._layout) and "severity" in dict(panel._layout)
        cut = [n for n, cell in enumerate(values) if cell.endswith("…")]
        if size[0] < 200:
            assert cut, "the sample's MTA block reason is cut in the panel"
        longest = max(range(len(panel.alerts)), key=lambda n: len(panel.alerts[n].value))
        panel.focus()
        panel.move_cursor(row=longest)
        await pilot.press("enter")
        screen = pilot.app.screen
        assert isinstance(screen, AlertLineScreen) and screen.alert is panel.alerts[longest]
        assert ("Value", screen.alert.value) in [(label, value.plain) for label, value in screen.fields()]
        await pilot.press("escape")
        assert pilot.app.screen is pilot.app.dashboard


async def test_hostile_alerts_stay_inside_the_panel_and_keep_the_cursor_on_a_resize(
    make_app: Callable[..., IpdashApp],
) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("6")
        panel = pilot.app.screen.query_one(AlertsPanel)
        panel.show(HOSTILE_ALERTS)
        await pilot.pause()
        assert_fits(panel)
        assert_value_cut_at_its_end(column_cells(panel, "value"), [a.value for a in HOSTILE_ALERTS])
        ip = column_cells(panel, "ip")[0]
        assert ip.startswith("2001:") and ip.endswith(":7334") and "…" in ip  # both ends of the address
        panel.move_cursor(row=2)
        await pilot.resize_terminal(200, 60)
        await pilot.pause()
        assert_fits(panel)
        assert panel.cursor_row == 2


async def test_the_alert_line_copies_the_alert(make_app: Callable[..., IpdashApp]) -> None:
    item = alert(9, ip="192.0.2.9", what="bounce · all", value="2.48% ≥ 2.00%")
    async with make_app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.app.push_screen(AlertLineScreen(item))
        await pilot.press("c")
        assert pilot.app.clipboard == alert_line_text(item)
        assert pilot.app.clipboard == (
            "critical 192.0.2.9 bounce · all: 2.48% ≥ 2.00% since 2026-11-20"
            " (rule threshold, first seen 2026-11-21 09:00:00)"
        )


class _Errors(App[None]):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__()
        self.errors = errors

    def on_mount(self) -> None:
        info = SourceInfo(DEEP, "stats", SourceState.FRESH, NOW, 10, len(self.errors))
        self.push_screen(RowErrorsScreen(self.errors, [info]))


ROW_ERRORS = [
    RowError(DEEP, 12, 3, "not a whole number: 'x'", "sent"),
    RowError(DEEP, 13, 2, "not an IP address: '" + "ü" * 300 + "'"),
    RowError(DEEP, None, None, "file not found"),
]


@pytest.mark.parametrize("size", [(80, 24), (160, 48), (200, 60)], ids=["80x24", "160x48", "200x60"])
async def test_row_errors_fit_with_long_paths_cut_in_the_middle(size: tuple[int, int]) -> None:
    app = _Errors(ROW_ERRORS)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#row-errors", DataTable)
        assert_fits(table)
        for cell, error in zip(column_cells(table, "where"), ROW_ERRORS, strict=True):
            assert "\n" not in cell
            if "…" in cell:  # the start of the path and its end: the file's name and the line
                head, tail = cell.split("…")
                assert error.location().startswith(head) and error.location().endswith(tail)
                assert tail.endswith(error.location().rsplit("/", 1)[1][-10:])
            else:
                assert cell == error.location()
        reasons = column_cells(table, "reason")
        assert_value_cut_at_its_end(
            reasons, ["sent: not a whole number: 'x'", ROW_ERRORS[1].message, "file not found"]
        )
        await pilot.press("j", "enter")
        screen = app.screen
        assert isinstance(screen, RowErrorLineScreen) and screen.error is ROW_ERRORS[1]
        assert ("File", DEEP) in [(label, value.plain) for label, value in screen.fields()]
        await pilot.press("c")
        assert app.clipboard == f"{DEEP}:13:2: {ROW_ERRORS[1].message}"
        await pilot.press("escape")
        assert isinstance(app.screen, RowErrorsScreen)


@pytest.mark.parametrize("cells", [1, 2, 5, 13, 30, 80])
def test_a_path_cut_in_the_middle_never_takes_more_than_its_cells(cells: int) -> None:
    shown = path_ellipsis(DEEP + ":12:3", cells)
    assert cell_len(shown) <= cells
    if cells >= 13:
        assert shown.endswith(":12:3") and shown.startswith("/srv")
    assert path_ellipsis("short.csv", cells) == "short.csv" or cells < 9


def test_a_long_domain_leaves_every_check_in_view() -> None:
    natural = {"Domain": 190, "Overall": 9, "SPF": 9, "DKIM": 6, "DMARC": 9, "BIMI": 9}
    layout = dict(DOMAINS_FIT.widths(natural, 100, 1))
    assert all(layout[key] == natural[key] for key in natural if key != "Domain")
    assert layout["Domain"] == 100 - (9 + 9 + 6 + 9 + 9) - 2 * 6


class _Sources(App[None]):
    def compose(self) -> ComposeResult:
        yield SourcesPanel(clock=lambda: NOW, tick_seconds=3600)


async def test_the_sources_panel_fits_a_long_error_and_enter_shows_it_whole() -> None:
    failing = SourceStatus(
        name="sendgrid-" + "ä" * 60,
        kind="sendgrid",
        interval=timedelta(minutes=15),
        last_attempt=NOW,
        last_success=NOW - timedelta(hours=2),
        next_poll=NOW + timedelta(minutes=5),
        last_error="HTTP 503 from https://api.sendgrid.example/v3/stats: " + "upstream connect error " * 20,
        failure_kind="server",
    )
    app = _Sources()
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(SourcesPanel)
        panel.show([failing])
        await pilot.pause()
        table = app.query_one(DataTable)
        assert_fits(table)
        assert_value_cut_at_its_end(column_cells(table, "last error"), [error_label(failing)])
        table.focus()
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, FieldsLineScreen)
        assert ("Last error", error_label(failing)) in [
            (label, value.plain) for label, value in screen.fields()
        ]


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
async def test_the_status_bar_keeps_every_state_and_the_row_errors_in_view(
    make_app: Callable[..., IpdashApp], tmp_path: Path, size: tuple[int, int]
) -> None:
    from ipdash.sources.loader import CsvFile, LoadPlan

    folder = tmp_path / "/".join(["very-long-directory-name-ünïcødé-数据"] * 3)
    folder.mkdir(parents=True)
    good = folder / "stats-export-with-a-very-long-file-name-from-the-esp-2026-11-20.csv"
    good.write_text("date,ip,sent,bounces\n2026-11-20,192.0.2.1,5000,10\n2026-11-20,nope,5,1\n")
    plan = LoadPlan(csv=(CsvFile(path=good), CsvFile(path=folder / "missing-file-that-does-not-exist.csv")))
    async with make_app(plan).run_test(size=size) as pilot:
        await settle(pilot)
        status = pilot.app.screen.query_one("#status-text")
        text = status.render()
        line = getattr(text, "plain", str(text))
        assert cell_len(line) <= status.size.width, line
        assert "1 row errors (e)" in line and "✗ failed" in line and "…" in line
        assert ("stats-ex…" in line) == (size[0] >= 160)  # at 80 columns the fresh file is counted
