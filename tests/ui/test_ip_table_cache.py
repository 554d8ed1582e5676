"""The IP table formats cells once per data update: sort and filter only reorder row keys.

Every test checks what is on screen (the table's own rows) against the analysis it was given,
so a stale cache shows up as a wrong order, a wrong cell or a wrong colour.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from rich.text import Text
from test_dashboard import filtered, loaded
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import DataTable

from ipdash.domain.models import ip_sort_key
from ipdash.domain.verdicts import format_rate
from ipdash.ui.app import IpdashApp
from ipdash.ui.screens.dashboard import DashboardScreen
from ipdash.ui.tones import tone_style
from ipdash.ui.widgets.bulk_rows import place_rows
from ipdash.ui.widgets.ip_table import IpTable


@pytest.fixture(params=["on the loop", "in a thread"])
def formatting(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Small tables format their cells on the event loop, big ones in a worker: both, here."""
    if request.param == "in a thread":
        monkeypatch.setattr(IpTable, "SYNC_ROWS", 0)
    return str(request.param)


def _table(app: IpdashApp) -> IpTable:
    return app.dashboard.query_one(IpTable)


def _on_screen(table: IpTable, column: str) -> list[str]:
    """The plain text of one column, top to bottom, as the table holds it now."""
    index = [c.key for c in table.table_columns].index(column)
    return [table.get_row_at(row)[index].plain for row in range(table.row_count)]


def _bounce_order(app: IpdashApp, ips: list[str] | None = None) -> list[str]:
    """Worst bounce rate first (the table's reversed order: ties by address, reversed too)."""
    assert app.data is not None
    analyses = app.data.analysis.ips
    chosen = ips if ips is not None else list(analyses)

    def key(ip: str) -> tuple[float, Any]:
        rate = analyses[ip].metrics.totals.rate("bounce_rate")
        return (rate if rate is not None else -1.0, ip_sort_key(ip))

    return sorted(chosen, key=key, reverse=True)


async def _update(pilot: Pilot[int], app: IpdashApp, ips: dict[str, Any]) -> None:
    """A new data update, as a load or a poll would post it."""
    assert app.data is not None
    app.post_message(replace(app.data, analysis=replace(app.data.analysis, ips=ips)))
    await loaded(pilot)
    await pilot.pause()
    while app.dashboard.selected_pending:  # a big table's selected-IP panel follows once the cursor rests
        await pilot.pause()


async def test_sort_and_filter_reorder_rows_without_formatting_again(
    make_app: Callable[..., IpdashApp], formatting: str
) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        table = _table(app)
        built = table.cells_built
        table.sort_by("bounce", reverse=True)
        expected = _bounce_order(app)
        assert table.visible_ips() == expected
        assert _on_screen(table, "ip") == expected
        assert app.data is not None
        rates = [app.data.analysis.ips[ip].metrics.totals.bounce_rate for ip in expected]
        assert [text.lstrip("✗▲ ") for text in _on_screen(table, "bounce")] == [format_rate(r) for r in rates]
        await pilot.press("slash", *"ses", "enter")
        sending = [ip for ip in expected if app.data.analysis.ips[ip].facts.provider == "ses"]  # type: ignore[union-attr]
        assert sending and len(sending) < len(expected)
        assert _on_screen(table, "ip") == sending, "filtered rows keep the sort order"
        assert set(_on_screen(table, "provider")) == {"ses"}
        await pilot.press("S")  # reverse, while filtered
        assert _on_screen(table, "ip") == sending[::-1]
        await pilot.press("escape")
        assert _on_screen(table, "ip") == expected[::-1]
        assert table.cells_built == built, "sorting and filtering never format a cell"


async def test_a_data_update_that_changes_a_row_rewrites_it_and_resorts(
    make_app: Callable[..., IpdashApp], formatting: str
) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        table = _table(app)
        table.sort_by("bounce", reverse=True)
        await pilot.press("slash", *"dedicated", "enter")  # a filter stays on across the update
        assert app.data is not None
        analyses = app.data.analysis.ips
        before = table.visible_ips()
        last, worst = before[-1], _bounce_order(app)[0]
        # The least-bouncing shown IP now bounces like the worst one.
        changed = {**analyses, last: replace(analyses[last], metrics=analyses[worst].metrics)}
        built = table.cells_built
        await _update(pilot, app, changed)
        assert table.cells_built == built + 1, "a data update formats the cells again"
        now = _bounce_order(app, before)
        assert now != before and now[0] in (last, worst)
        assert _on_screen(table, "ip") == now
        row = table.visible_ips().index(last)
        bounce = [c.key for c in table.table_columns].index("bounce")
        assert table.get_row_at(row)[bounce].plain.lstrip("✗▲ ") == format_rate(
            analyses[worst].metrics.totals.bounce_rate
        )


async def test_an_update_with_the_same_order_patches_only_the_changed_cell(
    make_app: Callable[..., IpdashApp], formatting: str
) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        table = _table(app)
        assert app.data is not None
        analyses = app.data.analysis.ips
        ip = table.visible_ips()[2]
        facts = analyses[ip].facts
        assert facts is not None
        changed = {**analyses, ip: replace(analyses[ip], facts=replace(facts, pool="renamed"))}
        order = table.visible_ips()
        untouched = table.get_row_at(0)
        await _update(pilot, app, changed)
        assert table.visible_ips() == order
        assert _on_screen(table, "pool")[2] == "renamed"
        assert table.get_row_at(0)[0] is untouched[0], "an unchanged IP keeps its formatted cells"


async def test_a_theme_change_recolours_every_cell_and_keeps_sort_and_filter(
    make_app: Callable[..., IpdashApp], formatting: str
) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        table = _table(app)
        await pilot.press("slash", *"critical", "enter")
        table.sort_by("score")
        order = table.visible_ips()
        band = [c.key for c in table.table_columns].index("band")

        def band_colours() -> set[Any]:
            # "critical" also finds IPs with a critical breach (the filter's breach words): only the
            # band cells that say critical are looked at.
            cells = [table.get_row_at(row)[band] for row in range(table.row_count)]
            return {cell.style.color for cell in cells if "critical" in cell.plain}  # type: ignore[union-attr]

        dark = band_colours()
        assert dark == {tone_style(app, "bad").color}
        await pilot.press("t")
        await loaded(pilot)
        assert app.theme != "ipdash-dark"
        assert band_colours() == {tone_style(app, "bad").color} != dark
        assert table.visible_ips() == order
        assert table.filter_text == "critical"


async def test_a_burst_of_typing_filters_at_its_first_key_and_once_at_its_end(
    make_app: Callable[..., IpdashApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(DashboardScreen, "FILTER_DEBOUNCE", 3600.0)  # the window never ends here
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        table = _table(app)
        await pilot.press("slash", "s")
        assert app.dashboard.filters_applied == 1, "the first key after a quiet spell filters at once"
        assert table.filter_text == "s" and not app.dashboard.filter_pending
        await pilot.press(*"es-")
        assert app.dashboard.filter_pending
        assert table.filter_text == "s", "keys within the window wait"
        assert app.dashboard.filters_applied == 1
        await pilot.press("enter")  # enter applies what was typed at once
        assert app.dashboard.filters_applied == 2
        assert table.filter_text == "ses-"
        assert table.row_count == 5


async def test_the_window_applies_the_last_text_typed_once(
    make_app: Callable[..., IpdashApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(DashboardScreen, "FILTER_DEBOUNCE", 3600.0)  # its end is called by the test
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        dashboard, table = app.dashboard, _table(app)
        await pilot.press("slash", *"ses-")
        assert dashboard.filters_applied == 1 and table.filter_text == "s"

        def window_ends() -> None:  # as its timer would
            assert dashboard._filter_timer is not None
            dashboard._filter_timer.stop()
            dashboard._filter_window_ended()

        window_ends()
        assert dashboard.filters_applied == 2
        assert table.filter_text == "ses-" and table.row_count == 5
        assert not dashboard.filter_pending
        window_ends()  # a window with nothing typed in it applies nothing, and none follows
        assert dashboard.filters_applied == 2
        assert dashboard._filter_timer is None
        await pilot.press("backspace")  # the next key after the quiet spell filters at once
        assert dashboard.filters_applied == 3 and table.filter_text == "ses"


async def test_the_debounce_timer_applies_the_final_text_once(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        await pilot.press("slash", *"critical")
        await filtered(pilot)
        assert app.dashboard.filters_applied <= len("critical")
        assert _table(app).filter_text == "critical"
        assert sorted(_table(app).visible_ips()) == [
            "198.51.100.12",
            "203.0.113.20",
            "203.0.113.21",
        ]  # band or a breach


class _Tables(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable[Text](id="added")
        yield DataTable[Text](id="placed")


async def test_placing_rows_at_once_leaves_the_table_as_add_row_does() -> None:
    """Guards ``place_rows`` (it writes DataTable's row structures) against a Textual upgrade."""
    rows = [(f"k{n}", [Text(f"a{n}"), Text(f"b{n}" * (n % 3 + 1))]) for n in range(30)]
    async with _Tables().run_test(size=(60, 20)) as pilot:
        added, placed = pilot.app.query_one("#added", DataTable), pilot.app.query_one("#placed", DataTable)
        for table in (added, placed):
            table.add_column("A", key="a", width=4)
            table.add_column("B", key="b", width=9)
        for key, cells in rows:
            added.add_row(*cells, key=key)
        placed.add_row(Text("old"), Text("old"), key="old")  # replaced, not kept
        place_rows(placed, rows)
        await pilot.pause()
        assert placed.row_count == added.row_count == 30
        for index in range(30):
            assert placed.get_row_at(index) == added.get_row_at(index)
            assert placed.coordinate_to_cell_key((index, 0)) == added.coordinate_to_cell_key((index, 0))
        assert placed.virtual_size == added.virtual_size
        placed.move_cursor(row=29)
        assert placed.cursor_row == 29
        placed.sort("a", key=lambda cell: -int(cell.plain[1:]), reverse=False)
        assert placed.get_row_at(0)[0].plain == "a29"


async def test_end_and_home_go_to_the_last_and_first_ip(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        table = _table(app)
        await pilot.press("end")
        assert table.selected_ip == table.visible_ips()[-1]
        assert app.dashboard.query_one("#side").border_title == table.visible_ips()[-1]
        await pilot.press("home")
        assert table.cursor_row == 0


async def test_an_update_that_drops_the_selected_ip(
    make_app: Callable[..., IpdashApp], formatting: str
) -> None:
    """In a thread, the old rows stay up until the new cells are ready: the side panel must not
    look the old selection up in the new data."""
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        table = _table(app)
        await pilot.press("j", "j")
        gone = table.selected_ip
        assert app.data is not None and gone is not None
        await _update(pilot, app, {ip: a for ip, a in app.data.analysis.ips.items() if ip != gone})
        assert gone not in table.visible_ips()
        assert table.row_count == 8
        assert table.selected_ip in table.visible_ips()
        assert app.dashboard.query_one("#side").border_title == table.selected_ip
