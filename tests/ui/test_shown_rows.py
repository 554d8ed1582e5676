"""The IP table shows its rows from an index (``shown_rows``): DataTable's row structures are views
over a list of row names. Held here against DataTable's own structures after place, sort, filter
and clear (a Textual upgrade that reads them otherwise fails here), and on the dashboard: the right
rows, cursor and selected-IP panel after sort, filter, backspace, `end` and `home`, with no stale row."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rich.text import Text
from test_dashboard import filtered, loaded
from test_one_line_rows import _same_geometry
from textual.app import App, ComposeResult
from textual.coordinate import Coordinate
from textual.pilot import Pilot
from textual.widgets import DataTable
from textual.widgets._data_table import Row
from textual.widgets.data_table import RowKey

from ipdash.ui.app import IpdashApp
from ipdash.ui.widgets.alerts_panel import AlertsPanel
from ipdash.ui.widgets.breach_feed import BreachFeed
from ipdash.ui.widgets.bulk_rows import place_rows
from ipdash.ui.widgets.ip_table import IpTable
from ipdash.ui.widgets.one_line_rows import OneLineRowsMixin
from ipdash.ui.widgets.shown_rows import ShownRows, place_shown
from settling import settle


class _Shown(OneLineRowsMixin, DataTable[Text]):
    pass


class _Tables(App[None]):
    def compose(self) -> ComposeResult:
        yield _Shown(id="shown")
        yield DataTable[Text](id="plain")


def _same_rows(ours: DataTable[Text], theirs: DataTable[Text]) -> None:
    assert ours.row_count == theirs.row_count
    assert len(ours._data) == len(theirs._data)
    assert list(ours.rows) == list(theirs.rows)
    assert [ours._row_locations.get_key(i) for i in range(-1, ours.row_count + 2)] == [
        theirs._row_locations.get_key(i) for i in range(-1, theirs.row_count + 2)
    ]
    for index in range(ours.row_count):
        key = ours._row_locations.get_key(index)
        assert key in ours._row_locations and key in ours.rows and key in ours._data
        assert ours._row_locations.get(key) == theirs._row_locations.get(key) == index
        assert ours.get_row_at(index) == theirs.get_row_at(index)
        assert ours.get_row_index(key) == theirs.get_row_index(key)
        assert ours.coordinate_to_cell_key(Coordinate(index, 1)) == theirs.coordinate_to_cell_key(
            Coordinate(index, 1)
        )
    assert [row.key for row in ours.ordered_rows] == [row.key for row in theirs.ordered_rows]
    gone = RowKey("not-shown")
    assert gone not in ours._row_locations and gone not in ours.rows and gone not in ours._data
    assert ours._row_locations.get(gone) is None


async def test_rows_shown_from_an_index_are_datatables_rows() -> None:
    async with _Tables().run_test(size=(60, 30)) as pilot:
        ours, theirs = pilot.app.query_one(_Shown), pilot.app.query_one("#plain", DataTable)
        for table in (ours, theirs):
            table.add_column("A", key="a", width=4)
            table.add_column("B", key="b", width=9)
        names = [f"k{n}" for n in range(40)]
        cells = {name: {"a": Text(f"a{n}"), "b": Text(f"b{n}")} for n, name in enumerate(names)}
        records = {name: (RowKey(name), Row(RowKey(name), 1)) for name in names}

        def show(order: list[str]) -> None:
            place_shown(ours, ShownRows(order, records, cells))
            place_rows(theirs, [(name, list(cells[name].values())) for name in order])

        show(names)
        await pilot.pause()
        _same_rows(ours, theirs)
        _same_geometry(ours, theirs)
        show(names[::-1])  # a sort
        ours.move_cursor(row=17)
        theirs.move_cursor(row=17)
        await pilot.pause()
        _same_rows(ours, theirs)
        assert ours.cursor_row == theirs.cursor_row == 17
        show([name for name in names if "3" in name])  # a filter: fewer rows, the cursor clamped
        await pilot.pause()
        _same_rows(ours, theirs)
        _same_geometry(ours, theirs)
        assert ours.cursor_row == theirs.cursor_row
        assert ours.virtual_size == theirs.virtual_size
        ours.update_cell("k3", "b", Text("changed"))  # a data update's patch, by row key
        assert ours.get_row("k3")[1].plain == "changed"
        show([])  # nothing matches
        await pilot.pause()
        _same_rows(ours, theirs)
        show(names)
        for table in (ours, theirs):
            table.clear()
        _same_rows(ours, theirs)
        _same_geometry(ours, theirs)


@pytest.fixture(params=["small", "big"])
def size(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """A small table formats on the loop; a big one (SYNC_ROWS 0) measures and formats in threads."""
    if request.param == "big":
        monkeypatch.setattr(IpTable, "SYNC_ROWS", 0)
    return str(request.param)


def _column(table: IpTable, key: str) -> list[str]:
    index = [c.key for c in table.table_columns].index(key)
    return [table.get_row_at(row)[index].plain for row in range(table.row_count)]


async def _rested(pilot: Pilot[int], app: IpdashApp) -> None:
    await filtered(pilot)
    while app.dashboard.selected_pending:
        await pilot.pause()


async def test_sort_filter_backspace_end_home_show_the_right_rows_and_ip(
    make_app: Callable[..., IpdashApp], size: str
) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        table = app.dashboard.query_one(IpTable)
        side = app.dashboard.query_one("#side")
        everything = table.visible_ips()
        await pilot.press("s")  # sort by the next column
        await _rested(pilot, app)
        order = table.visible_ips()
        assert sorted(order) == sorted(everything) and _column(table, "ip") == order
        await pilot.press("end")
        await _rested(pilot, app)
        assert table.selected_ip == order[-1] == side.border_title
        await pilot.press("slash", "2", "0", "3", "enter")  # the 203.0.113.x addresses; keys to the table
        await _rested(pilot, app)
        cells = table.current_cells()
        assert cells is not None
        matching = cells.matching(order, "203")  # the sort's order kept
        assert matching == [ip for ip in order if ip.startswith("203.")]
        assert table.visible_ips() == matching and _column(table, "ip") == matching, "no stale row"
        assert 0 < table.row_count < len(order)
        assert table.selected_ip in matching and side.border_title == table.selected_ip
        await pilot.press("home")
        await _rested(pilot, app)
        assert table.cursor_row == 0 and side.border_title == matching[0]
        await pilot.press("end")
        await _rested(pilot, app)
        assert side.border_title == matching[-1] == table.selected_ip
        await pilot.press("slash", "backspace", "backspace", "backspace")  # every row back, in the sort
        await _rested(pilot, app)
        assert table.visible_ips() == order and _column(table, "ip") == order
        assert table.selected_ip == matching[-1] == side.border_title, "the cursor keeps its IP"
        await pilot.press("x", "y", "z", "q")  # nothing matches
        await _rested(pilot, app)
        assert table.row_count == 0 and table.visible_ips() == [] and table.selected_ip is None
        assert side.border_title == "Selected IP"
        await pilot.press("escape")
        await _rested(pilot, app)
        assert _column(table, "ip") == order


async def test_the_alerts_tab_draws_its_rows_when_opened(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        panel = app.dashboard.query_one(AlertsPanel)
        assert panel.alerts and panel.row_count == 0, "a closed tab's rows wait"
        assert "new" in str(panel.border_title)
        await pilot.press("6")
        await pilot.pause()
        assert panel.row_count == len(panel.alerts)
        ips = [panel.get_row_at(row)[3].plain for row in range(panel.row_count)]
        assert ips == [alert.ip or "—" for alert in panel.alerts]
        await pilot.press("1", "6")  # closed and opened again: the same rows, nothing pending
        await pilot.pause()
        assert panel.row_count == len(panel.alerts)


def _feed_lines(feed: BreachFeed) -> list[tuple[object, list[str], int]]:
    return [
        (item, [cell.plain for cell in feed.get_row_at(n)], feed.ordered_rows[n].height)
        for n, item in enumerate(feed.items)
    ]


async def test_a_big_feed_laid_out_in_a_thread_is_the_feed_laid_out_on_the_loop(
    make_app: Callable[..., IpdashApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        feed = app.dashboard.query_one(BreachFeed)
        on_loop, layout, title = _feed_lines(feed), feed._layout, feed.border_title
        assert on_loop and any(height > 1 for _, _, height in on_loop), "a wrapped value among them"
        monkeypatch.setattr(BreachFeed, "SYNC_LINES", 0)  # every feed counts as big
        await pilot.press("slash", *"203.0.113.20", "enter")
        await filtered(pilot)
        await settle(pilot)  # the feed's thread, then its rows placed
        assert not feed.formatting and feed.row_count == len(feed.items) < len(on_loop)
        assert all(item.ip == "203.0.113.20" or item.kind in ("account", "domain") for item in feed.items)
        await pilot.press("escape")
        await filtered(pilot)
        await settle(pilot)
        assert _feed_lines(feed) == on_loop and feed._layout == layout and feed.border_title == title


async def test_a_big_feed_filtered_again_is_placed_at_once_and_resized_as_on_the_loop(
    make_app: Callable[..., IpdashApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big feed's lines are ordered, formatted and fitted once per data update: a filter whose
    layout was fitted before places its lines as it is applied (no thread, no stale line), and a
    resize fits them as the loop does."""
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        feed = app.dashboard.query_one(BreachFeed)
        table = app.dashboard.query_one(IpTable)
        monkeypatch.setattr(BreachFeed, "SYNC_LINES", 0)  # every feed counts as big
        await pilot.press("slash", *"203.0.113.20", "enter")
        await filtered(pilot)
        await settle(pilot)
        first = _feed_lines(feed)
        assert first and all(item.ip == "203.0.113.20" or item.kind == "account" for item, _, _ in first)
        await pilot.press("escape")
        await filtered(pilot)
        await settle(pilot)
        every = _feed_lines(feed)
        assert len(every) > len(first)
        await pilot.press("slash", *"203.0.113.20")
        await filtered(pilot)
        assert not feed.formatting, "the layout was fitted before: placed as the filter was applied"
        assert _feed_lines(feed) == first and table.filter_text == "203.0.113.20"
        await pilot.press(*["backspace"] * len("203.0.113.20"))
        await filtered(pilot)
        await settle(pilot)
        assert _feed_lines(feed) == every
        wide = feed._layout
        await pilot.resize_terminal(100, 40)
        await settle(pilot)
        resized, layout = _feed_lines(feed), feed._layout
        assert layout != wide and resized != every, "narrower: the lines fitted again"
        monkeypatch.setattr(BreachFeed, "SYNC_LINES", 300)  # the same lines laid out on the loop
        feed.show([item for item, _, _ in every])
        await pilot.pause()
        assert not feed.formatting and _feed_lines(feed) == resized and feed._layout == layout
