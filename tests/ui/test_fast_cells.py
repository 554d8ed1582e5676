"""The tables' cheap cell path renders exactly what DataTable's own path renders."""

from __future__ import annotations

import pytest
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from ipdash.ui.widgets.fast_cells import FastCellsMixin, bare_segments

STYLES = [
    Style(),
    Style(color="red"),
    Style(color="#112233", bgcolor="#445566", bold=True),
    Style(italic=True),
]
VALUES = ["", "✓ 0", "10.0.0.1", "2001:db8::1", "▲ 0.41%", "— not checked", "日本語", "x ", " y", "héllo"]


class FastTable(FastCellsMixin, DataTable[Text]):
    pass


def _cells() -> list[Text]:
    found = []
    for value in VALUES:
        for style in STYLES:
            for justify in (None, "left", "right"):
                found.append(Text(value, style=style, justify=justify))  # type: ignore[arg-type]
    found += [Text(value) for value in VALUES]  # no style at all (plain outside text)
    found += [
        Text.assemble(("a", "red"), ("b", "blue")),
        Text("two\nlines"),
        Text("a\tb"),
        Text("s", style="bold"),
    ]
    return found


class Host(App[None]):
    def __init__(self, padding: int) -> None:
        super().__init__()
        self.padding = padding

    def compose(self) -> ComposeResult:
        yield FastTable(cursor_type="row", zebra_stripes=True, cell_padding=self.padding)


def _simple(lines: list[list[Segment]]) -> list[list[Segment]]:
    return [list(Segment.simplify(line)) for line in lines]


@pytest.mark.parametrize("padding", [0, 1, 2])
async def test_fast_and_slow_paths_render_the_same_segments(padding: int) -> None:
    cells = _cells()
    app = Host(padding)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(FastTable)
        widths = [4, 8, 20]  # narrower than some values (the slow path cuts them), exact, wider
        for index, width in enumerate(widths):
            table.add_column(f"c{index}", width=width - 2 * padding, key=f"c{index}")
        for index, cell in enumerate(cells):
            table.add_row(cell, cell, cell, key=str(index))
        await pilot.pause()
        base = Style(color="white", bgcolor="black")
        fast_cases = 0
        for row in range(len(cells)):
            for column, width in enumerate(widths):
                for cursor, hover in ((False, False), (True, False), (False, True)):
                    table._clear_caches()
                    fast = table._render_cell(row, column, base, width, cursor, hover)
                    table._clear_caches()
                    slow = DataTable._render_cell(table, row, column, base, width, cursor, hover)
                    assert _simple(fast) == _simple(slow), (cells[row], width, cursor, hover)
                    assert [s.style.meta for s in _simple(fast)[0] if s.style] == [
                        s.style.meta for s in _simple(slow)[0] if s.style
                    ]
                    key = table._row_locations.get_key(row)
                    fast_cases += bare_segments(table._data[key][f"c{column}"], width, padding) is not None
        assert fast_cases > len(cells)  # the cheap path was taken, not only the fallback


def test_cells_the_cheap_path_does_not_handle_fall_back() -> None:
    assert bare_segments(Text("a\nb"), 10, 1) is None
    assert bare_segments(Text.assemble(("a", "red"), "b"), 10, 1) is None
    assert bare_segments(Text("too long for it"), 6, 1) is None
    assert bare_segments(Text("x", style="bold"), 6, 1) is None  # a style by name: Rich parses it
    assert bare_segments(Text("ok", style=Style(bold=True)), 6, 1) is not None


@pytest.mark.parametrize("padding", [0, 1])
async def test_cells_of_wrapped_rows_render_as_datatables_own(padding: int) -> None:
    """A row of several lines (the feed's wrapped values): each cell's lines, the blank ones under a
    shorter cell too, are DataTable's own, and already-wrapped values take the cheap path."""
    cells = [Text("wrapped\nvalue"), Text("one"), Text("a\nb\nc", style=Style(color="red")), Text("x\n\ny")]
    cells += [Text("too wide for it\nb"), Text("r\nl", justify="right"), Text.assemble(("a", "red"), "\nb")]
    app = Host(padding)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(FastTable)
        width = 10
        table.add_column("c0", width=width - 2 * padding, key="c0")
        for index, cell in enumerate(cells):
            table.add_row(cell, key=str(index), height=3)
        await pilot.pause()
        base = Style(color="white", bgcolor="black")
        for row in range(len(cells)):
            for cursor, hover in ((False, False), (True, False), (False, True)):
                table._clear_caches()
                fast = table._render_cell(row, 0, base, width, cursor, hover)
                table._clear_caches()
                slow = DataTable._render_cell(table, row, 0, base, width, cursor, hover)
                assert _simple(fast) == _simple(slow), (cells[row], cursor, hover)
                assert [[s.style.meta for s in line if s.style] for line in _simple(fast)] == [
                    [s.style.meta for s in line if s.style] for line in _simple(slow)
                ]
        cheap = [key for key, found in table.__dict__["_bare_cache"].items() if found[4] is not None]
        assert {key.value for key, _ in cheap} == {"0", "1", "2", "5"}
