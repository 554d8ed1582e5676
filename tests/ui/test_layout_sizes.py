"""Layout at the terminal sizes people use (issue 12): every verdict column of the IP table in view
and no value cut, also with the longest blocklist cells `b` gives; the feed's Value column in view;
the IP detail in one column below 120 columns; the IP table as tall as its rows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rich.cells import cell_len

from ipdash.domain.config import CsvFile
from ipdash.sources.loader import LoadPlan
from ipdash.ui.app import IpdashApp
from ipdash.ui.screens.dashboard import TABLE_SPARE_ROWS
from ipdash.ui.screens.detail import IpDetailScreen
from ipdash.ui.widgets.breach_feed import BreachFeed
from ipdash.ui.widgets.ip_columns import NARROW_KEYS
from ipdash.ui.widgets.ip_table import IpTable
from settling import settle

SIZES = [(80, 24), (100, 30), (120, 40), (160, 48), (200, 60)]
#: The widest cells the blocklist column shows after `b` on a resolver that answers nothing.
AFTER_B = ("? 12 unchecked · rDNS ?", "warn")
AFTER_B_LISTED = ("✗ listed 2/12 · rDNS ✗", "bad")


def assert_fits(table: IpTable) -> None:
    """Every verdict column is shown, the columns fit the table, and each value fits its column."""
    keys = [column.key for column in table.table_columns]
    assert set(NARROW_KEYS) <= set(keys), keys
    rendered = [column.get_render_width(table) for column in table.ordered_columns]
    room = table.size.width - (table.styles.scrollbar_size_vertical if table.show_vertical_scrollbar else 0)
    assert sum(rendered) <= room, (keys, rendered, room)
    for ip in table.visible_ips():
        for column, cell in zip(table.ordered_columns, table.get_row(ip), strict=True):
            assert cell_len(cell.plain) <= column.width, (ip, column.key, cell.plain, column.width)


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_every_verdict_column_is_whole_at_each_size(
    make_app: Callable[..., IpdashApp], size: tuple[int, int]
) -> None:
    async with make_app().run_test(size=size) as pilot:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, IpdashApp) and app.data is not None
        table = app.dashboard.query_one(IpTable)
        assert_fits(table)
        for cell in (AFTER_B, AFTER_B_LISTED):  # as after `b`: the longest blocklist cells
            table.show(app.data.analysis, app.data.warmups, dict.fromkeys(app.data.analysis.ips, cell))
            await pilot.pause()
            assert_fits(table)


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_the_feed_s_value_column_is_in_view(
    make_app: Callable[..., IpdashApp], size: tuple[int, int]
) -> None:
    async with make_app().run_test(size=size) as pilot:
        await settle(pilot)
        feed = pilot.app.screen.query_one(BreachFeed)
        keys = [column.key.value for column in feed.ordered_columns]
        widths = [column.get_render_width(feed) for column in feed.ordered_columns]
        value_starts = sum(widths[: keys.index("detail")])
        shown = feed.size.width
        # The Value column starts on screen with room for a whole "6.38% ≥ 5.00%".
        assert value_starts + len(" 6.38% ≥ 5.00%") <= shown, (keys, widths, shown)


@pytest.mark.parametrize(("width", "one_column"), [(80, True), (100, True), (119, True), (120, False)])
async def test_the_detail_is_one_column_below_120(
    make_app: Callable[..., IpdashApp], width: int, one_column: bool
) -> None:
    async with make_app().run_test(size=(width, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, IpDetailScreen)
        assert screen.query_one("#detail-top").has_class("-one-column") is one_column
        left, right = screen.query_one("#detail-left"), screen.query_one("#detail-right")
        if one_column:
            assert right.region.y >= left.region.bottom  # below, not beside
            assert left.region.width == right.region.width
        else:
            assert right.region.x >= left.region.right


@pytest.mark.parametrize("size", [(120, 40), (200, 60)], ids=["120x40", "200x60"])
async def test_the_ip_table_takes_the_rows_it_needs(
    make_app: Callable[..., IpdashApp], size: tuple[int, int]
) -> None:
    async with make_app().run_test(size=size) as pilot:
        await settle(pilot)
        table = pilot.app.screen.query_one(IpTable)
        # Its rows, the header and the border, and at most one spare line: no block of empty rows.
        assert table.size.height - table.styles.gutter.height <= table.row_count + 2
        assert table.row_count == 9


async def test_many_ips_scroll_inside_the_table_and_leave_the_panels_room(
    make_app: Callable[..., IpdashApp], tmp_path: Path
) -> None:
    lines = ["date,ip,sent,bounces"] + [f"2026-11-20,192.0.2.{n},1000,10" for n in range(1, 41)]
    path = tmp_path / "forty.csv"
    path.write_text("\n".join(lines) + "\n")
    async with make_app(LoadPlan(csv=(CsvFile(path=path),))).run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = pilot.app.screen.query_one(IpTable)
        assert table.row_count == 40
        assert table.size.height <= 30 - TABLE_SPARE_ROWS
        assert pilot.app.screen.query_one("#bottom").size.height >= 8
        assert_fits(table)


#: The widest blocklist cell: listed, reverse DNS failing, and the result older than the re-check.
STALE_LISTED = ("✗ listed 2/12 · rDNS ✗ · stale", "bad")
LONG_IPV6 = "2001:db8:85a3:1234:5678:8a2e:370:7334"


def _ipv6_csv(tmp_path: Path) -> Path:
    lines = ["date,ip,sent,bounces,complaints"]
    for day in ("2026-11-19", "2026-11-20"):
        lines += [f"{day},{LONG_IPV6},5000,400,1", f"{day},2001:db8:4860:4000::abcd,5000,10,9"]
        lines += [f"{day},192.0.2.{n},1000,10,0" for n in range(1, 4)]
    path = tmp_path / "ipv6.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])
async def test_a_long_ipv6_address_and_a_stale_cell_do_not_push_columns_off(
    make_app: Callable[..., IpdashApp], tmp_path: Path, size: tuple[int, int]
) -> None:
    """Issue 12: at 80 columns an IPv6 address is shortened in the middle (the whole address is in
    the selected-IP panel and the detail), and nothing scrolls sideways."""
    async with make_app(LoadPlan(csv=(CsvFile(path=_ipv6_csv(tmp_path)),))).run_test(size=size) as pilot:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, IpdashApp) and app.data is not None
        table = app.dashboard.query_one(IpTable)
        table.show(app.data.analysis, app.data.warmups, dict.fromkeys(app.data.analysis.ips, STALE_LISTED))
        await pilot.pause()
        assert_fits(table)
        assert table.styles.overflow_x == "hidden"  # it fits: no sideways scrolling
        ips = [cell.plain for cell in table.get_column("ip")]
        shortened = [ip for ip in ips if "…" in ip]
        if size[0] == 80:
            assert shortened, ips
        for short in shortened:  # the two ends of the address stay, so it can still be told apart
            head, tail = short.split("…")
            assert any(ip.startswith(head) and ip.endswith(tail) for ip in app.data.analysis.ips)
        table.move_cursor(row=table.visible_ips().index(LONG_IPV6))
        await pilot.pause()
        assert app.dashboard.query_one("#side").border_title == LONG_IPV6
        await pilot.press("slash", *"8a2e", "enter")  # a part of the address the cell does not show
        await pilot.pause()
        assert table.visible_ips() == [LONG_IPV6]
