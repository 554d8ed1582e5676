"""Row geometry for a DataTable whose rows are all one line (the IP table), without lists of every row.

DataTable finds a row's place by summing the heights of the rows above it (``ordered_rows``: a list
of every row) and maps screen lines to rows through ``_y_offsets`` (a tuple per line of every row),
both rebuilt after any sort or filter: at 10,000 IPs two lists of 10,000 per keystroke, before the
first line is drawn. With one-line rows a row's line is its index, so both are read from the row
locations instead. ``tests/ui/test_one_line_rows.py`` holds them equal to DataTable's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from textual.geometry import Region
from textual.widgets.data_table import RowKey


class OneLineOffsets:
    """``DataTable._y_offsets`` for one-line rows: line ``y`` is row ``y``, line 0 within it."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def __len__(self) -> int:
        return len(self._table.rows)

    def __getitem__(self, y: int) -> tuple[RowKey, int]:
        if not 0 <= y < len(self._table.rows):
            raise IndexError(y)
        return self._table._row_locations.get_key(y), 0

    def __iter__(self) -> Iterator[tuple[RowKey, int]]:
        return (self[y] for y in range(len(self)))

    def clear(self) -> None:
        """DataTable.clear() clears its list; there is nothing kept here to clear."""


class OneLineRowsMixin:
    """Mix into a ``DataTable`` subclass (before it) whose rows are all one line high."""

    @property
    def _y_offsets(self) -> OneLineOffsets:
        return OneLineOffsets(self)

    def _get_row_region(self: Any, row_index: int) -> Region:
        if not self.is_valid_row_index(row_index):
            return Region(0, 0, 0, 0)
        row_width = (
            sum(column.get_render_width(self) for column in self.columns.values())
            + self._row_label_column_width
        )
        y = row_index + (self.header_height if self.show_header else 0)
        return Region(0, y, max(self.size.width, row_width), 1)

    def _get_cell_region(self: Any, coordinate: Any) -> Region:
        if not self.is_valid_coordinate(coordinate):
            return Region(0, 0, 0, 0)
        row_index, column_index = coordinate
        x = (
            sum(column.get_render_width(self) for column in self.ordered_columns[:column_index])
            + self._row_label_column_width
        )
        column_key = self._column_locations.get_key(column_index)
        width = self.columns[column_key].get_render_width(self)
        y = row_index + (self.header_height if self.show_header else 0)
        return Region(x, y, width, 1)
