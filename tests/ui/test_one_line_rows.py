"""``OneLineRowsMixin`` (the IP table's row geometry read from row locations) against DataTable's
own, after placing, sorting and filtering rows: a Textual upgrade that changes them fails here."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from ipdash.ui.widgets.bulk_rows import place_rows
from ipdash.ui.widgets.one_line_rows import OneLineRowsMixin


class _OneLine(OneLineRowsMixin, DataTable[Text]):
    pass


class _Tables(App[None]):
    def compose(self) -> ComposeResult:
        yield _OneLine(id="one-line")
        yield DataTable[Text](id="plain")


def _same_geometry(ours: _OneLine, theirs: DataTable[Text]) -> None:
    assert list(ours._y_offsets) == DataTable._y_offsets.fget(theirs)  # type: ignore[attr-defined]
    assert len(ours._y_offsets) == ours._total_row_height == theirs._total_row_height
    for index in [-1, 0, 1, ours.row_count // 2, ours.row_count - 1, ours.row_count, ours.row_count + 5]:
        assert ours._get_row_region(index) == DataTable._get_row_region(theirs, index)
        for column in (-1, 0, 1, 2):
            coordinate = Coordinate(index, column)
            assert ours._get_cell_region(coordinate) == DataTable._get_cell_region(theirs, coordinate)

    def line(table: DataTable[Text], y: int) -> tuple[object, int] | None:
        try:
            key, offset = table._get_offsets(y)
        except LookupError:
            return None
        return ("header" if key is table._header_row_key else key), offset

    for y in range(ours.row_count + 3):
        assert line(ours, y) == line(theirs, y)


async def test_one_line_geometry_is_datatables() -> None:
    async with _Tables().run_test(size=(60, 30)) as pilot:
        ours, theirs = pilot.app.query_one(_OneLine), pilot.app.query_one("#plain", DataTable)
        for table in (ours, theirs):
            table.add_column("A", key="a", width=4)
            table.add_column("B", key="b", width=9)
        _same_geometry(ours, theirs)  # no rows yet
        rows = [(f"k{n}", [Text(f"a{n}"), Text(f"b{n}")]) for n in range(40)]
        for table in (ours, theirs):
            place_rows(table, rows)
        await pilot.pause()
        _same_geometry(ours, theirs)
        for table in (ours, theirs):
            table.sort("a", key=lambda cell: -int(cell.plain[1:]))
            table.move_cursor(row=17)
        await pilot.pause()
        _same_geometry(ours, theirs)
        for table in (ours, theirs):
            place_rows(table, rows[5:12])  # a filter: fewer rows
            table.show_header = False
        await pilot.pause()
        _same_geometry(ours, theirs)
        for table in (ours, theirs):
            table.clear()
        _same_geometry(ours, theirs)
