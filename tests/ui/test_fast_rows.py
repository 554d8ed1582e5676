"""The IP table's lines kept by place (``fast_rows``) are exactly the lines DataTable draws: every
line, segment for segment (meta included), with the cursor and the mouse on any row, scrolled
sideways, focused or not, after cells change in place and after the rows are placed again."""

from __future__ import annotations

from typing import Any

import pytest
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.widgets import DataTable, Input

from ipdash.ui.widgets.fast_cells import FastCellsMixin
from ipdash.ui.widgets.fast_rows import FastRowsMixin
from ipdash.ui.widgets.one_line_rows import OneLineRowsMixin


class _Fast(OneLineRowsMixin, FastRowsMixin, FastCellsMixin, DataTable[Text]):  # type: ignore[misc]
    pass


class _Tables(App[None]):
    CSS = "DataTable { height: 12; width: 60; }"

    def compose(self) -> ComposeResult:
        yield _Fast(id="fast", cursor_type="row", zebra_stripes=True)
        yield DataTable[Text](id="plain", cursor_type="row", zebra_stripes=True)
        yield Input(id="elsewhere")


def _cells(n: int) -> list[Text]:
    return [
        Text(f"10.0.0.{n}", style=Style(color="green")),
        Text(f"{n * 1000:,}", justify="right"),
        Text.assemble(("▲", "red"), f" {n}%"),  # spans: DataTable's own path, inside a kept line
        Text("—" if n % 3 else "a long value cut by its column", style=Style(italic=True)),
        Text(f"pool-{n % 4}"),
    ]


def _segments(strips: list[Any]) -> list[list[tuple[str, Any, Any]]]:
    return [[(s.text, s.style, s.style.meta if s.style else None) for s in strip] for strip in strips]


def _lines(table: DataTable[Text], *, slow: bool = False) -> list[list[tuple[str, Any, Any]]]:
    table._clear_caches()
    table._pseudo_class_state = table.get_pseudo_class_state()
    base = table.rich_style
    width = table.size.width
    draw = DataTable._render_line if slow else type(table)._render_line
    ys = range(table.header_height + table.row_count + 2)  # past the last row too
    strips = [draw(table, y, x, x + width, base) for y in ys for x in (0, 7)]
    return _segments(strips)


def _place(table: DataTable[Text], rows: list[int]) -> None:
    table.clear(columns=True)
    for key, width in (("ip", 12), ("sent", 9), ("rate", 6), ("note", 10), ("pool", 8)):
        table.add_column(key, key=key, width=width)
    for n in rows:
        table.add_row(*_cells(n), key=str(n))


@pytest.mark.parametrize("focused", [True, False])
async def test_every_line_is_datatables_line(focused: bool) -> None:
    async with _Tables().run_test(size=(80, 40)) as pilot:
        fast, plain = pilot.app.query_one("#fast", _Fast), pilot.app.query_one("#plain", DataTable)
        for table in (fast, plain):
            _place(table, list(range(30)))
        (fast if focused else pilot.app.query_one(Input)).focus()
        await pilot.pause()
        for cursor, hover, scroll in ((0, -1, 0), (3, 3, 0), (4, 7, 2), (29, 0, 20)):
            for table in (fast, plain):
                table.move_cursor(row=cursor)
                table.hover_coordinate = Coordinate(hover, 0)
                table.scroll_to(y=scroll, animate=False, immediate=True)
            await pilot.pause()
            expected = _lines(fast, slow=True)
            assert _lines(fast) == expected
            assert _lines(fast) == expected, "drawn again from the kept lines"
            assert fast.__dict__["_kept_lines"], "the cheap path was taken"
            if not focused:  # the same state as the plain DataTable: the same screen lines
                region = Region(0, 0, fast.size.width, fast.size.height)
                assert _segments(fast.render_lines(region)) == _segments(plain.render_lines(region))


async def test_a_cell_changed_in_place_and_rows_placed_again_are_drawn_again() -> None:
    async with _Tables().run_test(size=(80, 40)) as pilot:
        fast = pilot.app.query_one("#fast", _Fast)
        _place(fast, list(range(20)))
        await pilot.pause()
        before = _lines(fast)
        fast.update_cell("2", "sent", Text("changed", justify="right"))
        await pilot.pause()
        after = _lines(fast)
        assert after != before and after == _lines(fast, slow=True)
        plain = pilot.app.query_one("#plain", DataTable)
        for table in (fast, plain):
            _place(table, [5, 1, 9, 2])  # other rows at the same places, and blank lines below them
        pilot.app.query_one(Input).focus()
        await pilot.pause()
        assert _lines(fast) == _lines(fast, slow=True)
        region = Region(0, 0, fast.size.width, fast.size.height)
        assert _segments(fast.render_lines(region)) == _segments(plain.render_lines(region))


class _Wrapped(FastRowsMixin, FastCellsMixin, DataTable[Text]):  # type: ignore[misc]
    WRAPPED_ROWS = True  # the breaches feed's rows: a long value wrapped over several lines


def _wrapped_cells(n: int) -> list[Text]:
    value = ["one line", "wrapped\nover two", "three\nlines\nhere", "x"][n % 4]
    return [
        Text("✗ critical" if n % 2 else "▲ warn", style=Style(color="red" if n % 2 else "yellow")),
        Text(f"10.0.0.{n}"),
        Text(value),
        Text.assemble(("a", "red"), "b") if n % 5 == 0 else Text("2026-11-20"),  # spans: DataTable's cell
        Text("fits\nnot" if n == 7 else "p", justify="right"),
    ]


async def test_wrapped_rows_lines_are_datatables_lines() -> None:
    class _WrappedTables(App[None]):
        CSS = "DataTable { height: 20; width: 70; }"

        def compose(self) -> ComposeResult:
            yield _Wrapped(id="fast", cursor_type="row", zebra_stripes=True)
            yield DataTable[Text](id="plain", cursor_type="row", zebra_stripes=True)
            yield Input(id="elsewhere")

    async with _WrappedTables().run_test(size=(80, 50)) as pilot:
        fast, plain = pilot.app.query_one("#fast", _Wrapped), pilot.app.query_one("#plain", DataTable)
        for table in (fast, plain):
            for key, width in (("severity", 10), ("ip", 9), ("detail", 8), ("since", 10), ("pool", 4)):
                table.add_column(key, key=key, width=width)
            for n in range(16):
                cells = _wrapped_cells(n)
                table.add_row(*cells, key=str(n), height=max(cell.plain.count("\n") + 1 for cell in cells))
        pilot.app.query_one(Input).focus()  # the same state as the plain DataTable: the same screen lines
        await pilot.pause()
        for cursor, hover, scroll in ((0, -1, 0), (2, 2, 0), (5, 7, 3), (15, 0, 20)):
            for table in (fast, plain):
                table.move_cursor(row=cursor)
                table.hover_coordinate = Coordinate(hover, 0)
                table.scroll_to(y=scroll, animate=False, immediate=True)
            await pilot.pause()
            expected = _lines(fast, slow=True)
            assert _lines(fast) == expected
            assert _lines(fast) == expected, "drawn again from the kept lines"
            assert any(place[-1] > 0 for place in fast.__dict__["_kept_lines"]), (
                "wrapped lines took the cheap path"
            )
            region = Region(0, 0, fast.size.width, fast.size.height)
            assert _segments(fast.render_lines(region)) == _segments(plain.render_lines(region))
