"""Big tables (past ``IpTable.SYNC_ROWS``): the selected-IP panel follows the cursor once it rests,
and a long address is shortened in the middle, never at its end."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot

from ipdash.ui.app import IpdashApp
from ipdash.ui.screens.dashboard import DashboardScreen
from ipdash.ui.widgets.ip_columns import middle_ellipsis
from ipdash.ui.widgets.ip_table import IpTable
from settling import settle


async def _panel_followed(pilot: Pilot[int], app: IpdashApp) -> None:
    while app.dashboard.selected_pending:  # the debounce timer, an explicit state
        await pilot.pause()


async def test_the_panel_follows_the_cursor_once_it_rests_on_a_big_table(
    make_app: Callable[..., IpdashApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(IpTable, "SYNC_ROWS", 0)  # the sample's 9 IPs count as a big table
    async with make_app().run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, IpdashApp)
        side = app.dashboard.query_one("#side")
        table = app.dashboard.query_one(IpTable)
        await pilot.press("j", "j", "j")
        await _panel_followed(pilot, app)
        assert side.border_title == table.selected_ip == table.visible_ips()[3]
        await pilot.press("slash", *"198.51", "enter")  # a filter moves the cursor: the panel follows
        await _panel_followed(pilot, app)
        assert side.border_title == table.selected_ip
        assert table.selected_ip is not None and "198.51" in table.selected_ip


@pytest.mark.parametrize(
    ("address", "cells", "shown"),
    [
        ("2001:db8:85a3:1234:5678:8a2e:370:7334", 14, "2001:…370:7334"),
        ("2001:db8:85a3:1234:5678:8a2e:370:7334", 20, "2001:db8:…370:7334"),
        ("2001:db8:4860:4000::abcd", 16, "2001:…4000::abcd"),
        ("2001:db8::1", 12, "2001:db8::1"),  # fits: whole
        ("203.0.113.250", 13, "203.0.113.250"),
    ],
)
def test_an_address_keeps_both_ends(address: str, cells: int, shown: str) -> None:
    assert middle_ellipsis(address, cells) == shown
    assert len(shown) <= cells


def test_any_text_fits_its_cells() -> None:
    for cells in range(3, 40):
        for text in (
            "2001:db8:85a3:1234:5678:8a2e:370:7334",
            "a" * 50,
            "a:b:c:d:e:f:0:1:2:3:4:5",
            "x.y.z" * 9,
        ):
            shortened = middle_ellipsis(text, cells)
            assert len(shortened) <= cells
            head, _, tail = shortened.partition("…")
            assert text.startswith(head) and text.endswith(tail)


async def test_on_a_big_table_the_panel_follows_a_move_at_once_and_a_burst_once_at_its_end(
    make_app: Callable[..., IpdashApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(IpTable, "SYNC_ROWS", 0)  # the sample's 9 IPs count as a big table
    monkeypatch.setattr(DashboardScreen, "SELECTED_DEBOUNCE", 3600.0)  # its end is called by the test
    async with make_app().run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, IpdashApp)
        dashboard = app.dashboard
        side = dashboard.query_one("#side")
        table = dashboard.query_one(IpTable)

        def window_ends() -> None:  # as its timer would
            assert dashboard._selected_timer is not None
            dashboard._selected_timer.stop()
            dashboard._selected_window_ended()

        if dashboard._selected_timer is not None:  # the rows placed by the load moved the cursor
            window_ends()
        assert dashboard._selected_timer is None, "a quiet spell"
        await pilot.press("j")
        await _panel_followed(pilot, app)  # after the table's repaint, not at the window's end
        assert dashboard._selected_timer is not None, "the window is still open"
        assert side.border_title == table.selected_ip == table.visible_ips()[1]
        await pilot.press("j", "j")
        assert dashboard.selected_pending, "moves within the window wait"
        assert side.border_title == table.visible_ips()[1]
        window_ends()
        assert not dashboard.selected_pending
        assert side.border_title == table.selected_ip == table.visible_ips()[3]
        window_ends()  # a window with no move in it draws nothing, and none follows
        assert dashboard._selected_timer is None
        await pilot.press("k")  # the next move after the quiet spell: at once again
        await _panel_followed(pilot, app)
        assert side.border_title == table.selected_ip == table.visible_ips()[2]
