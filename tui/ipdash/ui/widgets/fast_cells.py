"""Cheap cell rendering for our DataTables: most of a repaint at 10,000 IPs was Rich's.

DataTable renders every visible cell through ``console.render_lines(Styled(Padding(cell)))``
(about 0.3 ms a cell, 455 cells a page at 160×48), and its cache is keyed by the table's update
count, so a sort, a page down or `end` renders every cell it shows again. Our cells are one-line
``Text`` with one style and no spans: for those the same segments are built here directly, and
kept per (row, column) while the cell object is the same, whatever the order of the rows. Row
and column indexes are stamped on afterwards (DataTable reads them back from the style's meta
on a click). Anything else (a header, a wrapped or cut value, a cell with spans) goes through
DataTable's own path. ``tests/ui/test_fast_cells.py`` holds the two paths equal, segment for
segment, so a Rich or Textual upgrade that changes rendering fails there (both are pinned).
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual._types import SegmentLines
from textual.widgets import DataTable

_NULL = Style.null()


def bare_segments(cell: Text, width: int, padding: int) -> list[Segment] | None:
    """The segments Rich renders for ``Padding(cell, (0, padding))`` on one line of ``width``
    cells, before the table's styles; None when ``cell`` is not the simple case."""
    plain = cell.plain
    inner = width - 2 * padding
    if (
        not plain
        or cell._spans
        or "\n" in plain
        or "\t" in plain
        or inner <= 0
        or cell.overflow not in (None, "fold", "crop", "ellipsis")
    ):
        return None
    length = cell_len(plain)
    if length > inner:
        return None
    justify = cell.justify or "default"
    style = cell.style if isinstance(cell.style, Style) else _NULL if cell.style == "" else None
    if style is None or justify not in ("default", "left", "right"):
        return None
    segments: list[Segment] = []
    if padding:
        segments.append(Segment(" " * padding, _NULL))
    spare = inner - length
    if justify == "right":
        stripped = plain.rstrip()
        if stripped != plain:
            return None
        segments.append(Segment(" " * spare + plain, style))
    elif justify == "left":
        segments.append(Segment(plain + " " * spare, style))
    else:
        segments.append(Segment(plain, style))
        if spare:
            segments.append(Segment(" " * spare, _NULL))
    if padding:
        segments.append(Segment(" " * padding, _NULL))
    return segments


def bare_lines(cell: Text, width: int, padding: int, height: int) -> list[list[Segment]] | None:
    """The segments Rich renders for ``Padding(cell, (0, padding))`` in a box of ``width`` ×
    ``height`` cells, one list per line (a row of ``height`` lines: the feed's wrapped values); None
    unless every line of ``cell`` is the simple case of ``bare_segments`` (already wrapped to fit)."""
    if height == 1:
        bare = bare_segments(cell, width, padding)
        return None if bare is None else [bare]
    parts = cell.plain.split("\n")
    if len(parts) > height or cell._spans:
        return None
    lines: list[list[Segment]] = []
    for part in parts:
        line = bare_segments(
            Text(part, style=cell.style, justify=cell.justify, overflow=cell.overflow), width, padding
        )
        if line is None:
            return None
        lines.append(line)
    blank = [Segment(" " * width, _NULL)]
    return lines + [blank] * (height - len(parts))


class FastCellsMixin:
    """Mix into a ``DataTable`` subclass (before it); rows more than one line high take DataTable's path."""

    #: (row key, column key) -> (cell, width, padding, height, bare lines[, place, its styled lines])
    _bare_cache: dict[tuple[Any, Any], tuple[Any, ...]]

    def notify_style_update(self: Any) -> None:
        DataTable.notify_style_update(self)
        self.__dict__.pop("_header_cache", None)  # a theme or CSS change: headers drawn again

    def _render_cell(  # type: ignore[override]
        self: Any,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> SegmentLines:
        slow = DataTable._render_cell
        if row_index == -1 and column_index >= 0:
            return _header_cell(self, column_index, base_style, width, cursor, hover)
        if (
            row_index < 0
            or column_index < 0
            or row_index < self.fixed_rows
            or column_index < self.fixed_columns
        ):
            return slow(self, row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        try:
            cell = self._data[row_key][column_key]
            height = self.rows[row_key].height  # a row of wrapped lines (the feed's): every cell that high
        except KeyError:
            return slow(self, row_index, column_index, base_style, width, cursor, hover)
        if not isinstance(cell, Text) or height < 1:
            return slow(self, row_index, column_index, base_style, width, cursor, hover)
        bare = cell_lines(self, row_key, column_key, cell, width, height)
        if bare is None:
            return slow(self, row_index, column_index, base_style, width, cursor, hover)
        component_style, post_style = self._get_styles_to_render_cell(
            False,
            False,
            False,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        # The line for these styles at this place is kept with the cell: a filter that brings a row
        # back where it was, or a repaint that moves nothing, draws it without styling it again.
        place = (row_index, column_index, base_style, component_style, post_style)
        cache = self.__dict__["_bare_cache"]
        found = cache[row_key, column_key]
        if len(found) > 5 and found[5] == place:
            return found[6]  # type: ignore[no-any-return]
        pre_style = base_style + Style.from_meta({"row": row_index, "column": column_index}) + component_style
        lines = [list(Segment.apply_style(line, style=pre_style, post_style=post_style)) for line in bare]
        cache[row_key, column_key] = (*found[:5], place, lines)
        return lines


def cell_lines(
    table: Any, row_key: Any, column_key: Any, cell: Text, width: int, height: int
) -> list[list[Segment]] | None:
    """``bare_lines`` of a table's cell, kept per (row, column) while the cell object, its width,
    the padding and the row's height are the same."""
    cache: dict[tuple[Any, Any], tuple[Any, ...]] = table.__dict__.setdefault("_bare_cache", {})
    key = (row_key, column_key)
    padding = table.cell_padding
    found = cache.get(key)
    if (
        found is None
        or found[0] is not cell
        or found[1] != width
        or found[2] != padding
        or found[3] != height
    ):
        found = cache[key] = (cell, width, padding, height, bare_lines(cell, width, padding, height))
    return found[4]  # type: ignore[no-any-return]


def _header_cell(
    table: Any, column_index: int, base_style: Style, width: int, cursor: bool, hover: bool
) -> SegmentLines:
    """A header cell through DataTable's path, kept while its label and styles hold: DataTable's
    own cache is keyed by the update count, so every sort or filter rendered the header again
    (Rich's full path, ~1 ms a cell)."""
    column = table.ordered_columns[column_index]
    key = (
        column.key,
        width,
        table.cell_padding,
        table.header_height,
        base_style,
        cursor,
        hover,
        table._show_hover_cursor,
        table.show_cursor,
        table.cursor_type,
        table._pseudo_class_state,
        table.cursor_foreground_priority,
        table.cursor_background_priority,
    )
    cache = table.__dict__.setdefault("_header_cache", {})
    found = cache.get(key)
    if found is None or found[0] is not column.label:
        if len(cache) > 256:
            cache.clear()
        lines = DataTable._render_cell(table, -1, column_index, base_style, width, cursor, hover)
        found = cache[key] = (column.label, lines)
    return found[1]  # type: ignore[no-any-return]
