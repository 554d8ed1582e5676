"""A layout that leaves a scroll view's scrollbars as they were draws nothing more, and the selected-IP
panel's scrollbar follows a change of its height within the layout's own frame: a change of the
panel's height is one frame (Textual's own path drew the scrollbars again in a frame of their own
one or two frame intervals after the layout, the last thing a page down waited for)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import DataTable

from ipdash.ui.app import IpdashApp
from ipdash.ui.widgets.ip_table import IpTable
from ipdash.ui.widgets.steady_scrollbars import LaidOutScroll, LaidOutStatic, SteadyScrollbarsMixin
from settling import settle


class _Table(SteadyScrollbarsMixin, DataTable[Text]):  # type: ignore[misc]
    pass


class _Panels(App[None]):
    CSS = """
    _Table { height: 10; border: round $primary; }
    LaidOutScroll { height: 8; border: round $secondary; }
    LaidOutStatic { margin-bottom: 1; }
    """

    def compose(self) -> ComposeResult:
        yield _Table(id="table")
        with LaidOutScroll(id="side"):
            yield LaidOutStatic("one\ntwo\nthree", id="first")
            yield LaidOutStatic("four\nfive", id="second")

    def on_mount(self) -> None:
        table = self.query_one(_Table)
        table.add_columns("n", "square")
        for n in range(200):
            table.add_row(Text(str(n)), Text(str(n * n)))


class _Frames:
    """Every compositor update of the screen from now on, with the regions it drew."""

    def __init__(self, app: App[Any]) -> None:
        self.drawn: list[list[Region]] = []
        compositor = app.screen._compositor
        original = compositor.render_update

        def render_update(*args: Any, **kwargs: Any) -> Any:
            self.drawn.append(list(compositor._dirty_regions))
            return original(*args, **kwargs)

        compositor.render_update = render_update  # type: ignore[method-assign]


async def _drawn(pilot: Pilot[Any]) -> None:
    """Until nothing is left to draw (no refresh asked for by any widget, none pending on the screen)."""
    app = pilot.app
    while True:
        await pilot.pause()
        screen = app.screen
        waiting = [
            w for w in screen.walk_children(with_self=True) if w._repaint_required or w._layout_required
        ]
        bars = [
            bar
            for w in screen.walk_children()
            for bar in (w._vertical_scrollbar, w._horizontal_scrollbar)
            if bar is not None and (bar._repaint_required or bar._dirty_regions)
        ]
        if not (
            waiting or bars or screen._dirty_widgets or screen._layout_required or screen._repaint_required
        ):
            return


async def test_a_change_of_the_panels_height_is_one_frame_with_its_scrollbar_in_it() -> None:
    app = _Panels()
    async with app.run_test(size=(60, 20)) as pilot:
        await _drawn(pilot)
        side = app.query_one(LaidOutScroll)
        assert side.show_vertical_scrollbar, "the panel overflows: it has a scrollbar"
        bar = side.vertical_scrollbar
        thumb_before = (bar.window_virtual_size, bar.window_size)
        frames = _Frames(app)
        app.query_one("#second", LaidOutStatic).update("\n".join(str(n) for n in range(12)))
        await _drawn(pilot)
        assert (bar.window_virtual_size, bar.window_size) != thumb_before, "its thumb changed"
        assert len(frames.drawn) == 1, f"one frame, not {len(frames.drawn)}"
        bar_region = app.screen.find_widget(bar).region
        assert any(region.overlaps(bar_region) for region in frames.drawn[0]), "the scrollbar drawn in it"


async def test_a_layout_elsewhere_draws_no_scrollbar_of_a_table_again() -> None:
    app = _Panels()
    async with app.run_test(size=(60, 20)) as pilot:
        await _drawn(pilot)
        table = app.query_one(_Table)
        assert table.show_vertical_scrollbar
        frames = _Frames(app)
        app.query_one("#first", LaidOutStatic).update("a\nb\nc")  # same height: a layout, nothing moves
        await _drawn(pilot)
        assert len(frames.drawn) == 1
        table_bar = app.screen.find_widget(table.vertical_scrollbar).region
        assert not any(region.overlaps(table_bar) for region in frames.drawn[0])


async def test_a_table_whose_rows_change_still_updates_its_scrollbar() -> None:
    app = _Panels()
    async with app.run_test(size=(60, 20)) as pilot:
        await _drawn(pilot)
        table = app.query_one(_Table)
        before = table.vertical_scrollbar.window_virtual_size
        for n in range(200, 400):
            table.add_row(Text(str(n)), Text(str(n * n)))
        await _drawn(pilot)
        assert table.vertical_scrollbar.window_virtual_size > before


async def test_on_the_dashboard_a_move_is_the_tables_frame_and_the_panels_frame(
    make_app: Callable[..., IpdashApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(IpTable, "SYNC_ROWS", 0)  # the sample's 9 IPs count as a big table
    async with make_app().run_test(size=(160, 36)) as pilot:
        await settle(pilot)
        await _drawn(pilot)
        app = pilot.app
        assert isinstance(app, IpdashApp)
        table = app.dashboard.table
        side = app.dashboard.query_one("#side")
        for _ in range(len(table.visible_ips()) - 1):
            frames = _Frames(app)
            await pilot.press("j")
            while app.dashboard.selected_pending:
                await pilot.pause()
            await _drawn(pilot)
            assert side.border_title == table.selected_ip
            watched = [app.screen.find_widget(w).region for w in (table, side)]
            ours = [f for f in frames.drawn if any(r.overlaps(w) for r in f for w in watched)]
            assert len(ours) <= 2, f"the table's frame and the panel's, not {len(ours)}"
            if app.dashboard._selected_timer is not None:  # the next move starts a quiet spell
                app.dashboard._selected_timer.stop()
                app.dashboard._selected_window_ended()
                await _drawn(pilot)


async def test_a_panel_part_is_measured_once_per_content_and_width(monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.table import Table
    from textual.visual import RichVisual

    measured: list[int] = []
    original = RichVisual.get_height

    def get_height(self: RichVisual, rules: Any, width: int) -> int:
        measured.append(width)
        return original(self, rules, width)

    monkeypatch.setattr(RichVisual, "get_height", get_height)

    def table(rows: int) -> Table:
        grid = Table("provider", "sent")
        for n in range(rows):
            grid.add_row(f"p{n}", str(n))
        return grid

    app = _Panels()
    async with app.run_test(size=(60, 20)) as pilot:
        part = app.query_one("#second", LaidOutStatic)
        part.update(table(3))
        await _drawn(pilot)
        assert measured, "measured for its first layout"
        side = app.query_one(LaidOutScroll)
        side.styles.width = 40  # narrower, then as wide as before (a scrollbar comes and goes)
        await _drawn(pilot)
        measured.clear()
        side.styles.width = "100%"
        part.refresh(layout=True)  # and a repaint: Textual forgets the widget's measured height
        await _drawn(pilot)
        assert measured == [], "not rendered again to be measured at a width it was measured at"
        part.update(table(5))
        await _drawn(pilot)
        assert measured, "new content: measured again"
        assert part.region.height == 5 + 4, "5 rows, the header and the table's 3 rules"
