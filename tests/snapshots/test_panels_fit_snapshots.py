"""SVG snapshots of the panels that fit their width as the feed does (ipdash.ui.widgets.fit_columns):
the Alerts tab at 80×24 with a long value wrapped and cut, the whole alert behind enter, and the
row-errors screen with long unicode paths cut in the middle at 80×24 and 160×48."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from textual.app import App
from textual.pilot import Pilot

from ipdash.domain.models import RowError, SourceInfo, SourceState
from ipdash.ui.screens.row_errors import RowErrorsScreen
from ipdash.ui.widgets.alerts_panel import AlertsPanel
from settling import settle

DEEP = "/srv/exports/" + "/".join(["very-long-directory-name-ünïcødé-数据"] * 5) + "/daily-stats.csv"
ROW_ERRORS = [
    RowError(DEEP, 12, 3, "not a whole number: 'x'", "sent"),
    RowError(DEEP, 13, 2, "not an IP address: '" + "ü" * 300 + "'"),
    RowError(DEEP, 14, 1, "not a date: '2026-13-45'"),
]


async def _on_the_longest_alert(pilot: Pilot[int]) -> None:
    await settle(pilot)
    await pilot.press("6")
    panel = pilot.app.screen.query_one(AlertsPanel)
    longest = max(range(len(panel.alerts)), key=lambda n: len(panel.alerts[n].value))
    panel.focus()
    panel.move_cursor(row=longest, animate=False)
    await pilot.pause()


def test_alerts_tab_at_80x24(snap_compare: Callable[..., bool], make_app: Callable[..., object]) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=_on_the_longest_alert)


def test_alert_line_whole(snap_compare: Callable[..., bool], make_app: Callable[..., object]) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        await _on_the_longest_alert(pilot)
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)


class _RowErrors(App[None]):
    def on_mount(self) -> None:
        info = SourceInfo(DEEP, "stats", SourceState.FRESH, datetime(2026, 11, 21, tzinfo=UTC), 10, 3)
        self.push_screen(RowErrorsScreen(ROW_ERRORS, [info]))


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_row_errors_with_long_paths(snap_compare: Callable[..., bool], size: tuple[int, int]) -> None:
    assert snap_compare(_RowErrors(), terminal_size=size)
