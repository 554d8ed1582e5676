"""Cheap lines for a DataTable of one-line rows (the IP table): a line is kept by its place.

DataTable keys its line and row caches by the cursor's coordinate and the table's update count, so
each cursor move draws every visible line again, and each sort or filter (which places new rows)
draws every line again even where the same row comes back to the same place; drawing a line also
reads the row styles, column widths and background colours from the CSS once per line and walks
every cell through two lookups, a coordinate and a highlight test. Here those are read once per
repaint, each cell takes the bare-segment path of ``fast_cells``, and a finished line is kept
under everything that decides it (row, place, the cell objects, whether the cursor or the mouse is
on it, styles, widths), so a cursor move redraws two lines and a filter undone redraws none.
``tests/ui/test_fast_rows.py`` holds every line equal to DataTable's own, segment for segment.
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual._segment_tools import line_crop
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable

from ipdash.ui.widgets.fast_cells import bare_segments, cell_lines

#: Lines kept by place; past this many (a long scroll) they start again.
KEPT_LINES = 2000
_PENDING = object()  # a repaint has begun: its first line reads what they all share
#: Rich's style addition without its 1024-entry cache: a cell's place (its meta) is unique per cell,
#: so caching those sums would only push out the ones worth keeping.
_add = Style._add.__wrapped__  # type: ignore[attr-defined]


class _Pass:
    """What every line of one repaint shares (read from the CSS and the columns once)."""

    __slots__ = (
        "base_style", "bg_css", "columns", "columns_key", "even", "fg_css", "hover", "odd", "padding", "remaining",
        "show_cursor",
    )  # fmt: skip

    def __init__(self, table: Any) -> None:
        self.base_style = table.rich_style  # DataTable.render_line reads it for every line
        self.padding = table.cell_padding
        self.columns = [(column.key, column.get_render_width(table)) for column in table.ordered_columns]
        self.columns_key = tuple(self.columns)
        table_width = sum(width for _, width in self.columns) + table._row_label_column_width
        self.remaining = max(0, table.size.width - table_width)
        if table.zebra_stripes:
            self.odd = table.get_component_styles("datatable--odd-row").rich_style
            self.even = table.get_component_styles("datatable--even-row").rich_style
        else:
            self.odd = self.even = None
        self.show_cursor = table.show_cursor
        self.hover = table._show_hover_cursor
        self.fg_css = table.cursor_foreground_priority == "css"
        self.bg_css = table.cursor_background_priority == "css"


class FastRowsMixin:
    """Mix into a ``DataTable`` subclass (before ``FastCellsMixin``) whose rows are all one line,
    with a row cursor, no fixed rows or columns and no row labels; anything else takes DataTable's
    path. ``WRAPPED_ROWS``: rows of several lines too (the feed's wrapped values), each line of a
    cell from ``fast_cells.cell_lines``."""

    WRAPPED_ROWS = False

    def render_lines(self: Any, crop: Region) -> list[Strip]:
        self.__dict__["_fast_pass"] = (
            _PENDING  # read once per repaint (a line drawn outside one reads its own)
        )
        try:
            return DataTable.render_lines(self, crop)
        finally:
            self.__dict__["_fast_pass"] = None

    def render_line(self: Any, y: int) -> Strip:
        if not self._fast_rows():
            return DataTable.render_line(self, y)
        shared = self._shared_pass()
        scroll_x, scroll_y = self.scroll_offset
        if y >= (self.header_height if self.show_header else 0):  # no fixed rows: only the header stays
            y += scroll_y
        return self._render_line(y, scroll_x, scroll_x + self.size.width, shared.base_style)

    def _shared_pass(self: Any) -> _Pass:
        shared = self.__dict__.get("_fast_pass")
        if not isinstance(shared, _Pass):
            within, shared = shared is _PENDING, _Pass(self)
            if within:
                self.__dict__["_fast_pass"] = shared
        return shared

    def _fast_rows(self: Any) -> bool:
        return (
            self.cursor_type == "row"
            and not self.fixed_rows
            and not self.fixed_columns
            and not (self._labelled_row_exists and self.show_row_labels)
        )

    def _render_line(self: Any, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        if not self._fast_rows():
            return DataTable._render_line(self, y, x1, x2, base_style)
        width = self.size.width
        try:
            row_key, line = self._get_offsets(y)
        except LookupError:
            return Strip.blank(width, base_style)
        if row_key is self._header_row_key or (line and not self.WRAPPED_ROWS):
            return DataTable._render_line(self, y, x1, x2, base_style)
        row_index = self._row_locations.get(row_key)
        try:
            cells = self._data[row_key]
            height = self.rows[row_key].height
        except KeyError:
            return DataTable._render_line(self, y, x1, x2, base_style)
        if row_index is None or not (height == 1 or (self.WRAPPED_ROWS and line < height)):
            return DataTable._render_line(self, y, x1, x2, base_style)
        shared = self._shared_pass()
        cursor = row_index == self.cursor_coordinate.row
        hover = row_index == self.hover_coordinate.row
        row_style = (shared.odd if row_index % 2 else shared.even) if shared.odd is not None else base_style
        values = tuple(cells.get(key) for key, _ in shared.columns)
        place = (
            row_key, y, x1, x2, width, base_style, row_style, cursor, hover, shared.show_cursor, shared.hover,
            shared.fg_css, shared.bg_css, shared.padding, shared.columns_key, self._pseudo_class_state, line,
        )  # fmt: skip
        kept: dict[Any, tuple[tuple[Any, ...], Strip]] = self.__dict__.setdefault("_kept_lines", {})
        found = kept.get(place)
        if found is not None and all(a is b for a, b in zip(found[0], values, strict=True)):
            return found[1]
        wrapped = (row_key, line, height)
        strip = self._fast_line(
            shared, row_index, values, row_style, cursor, hover, x1, x2, width, base_style, wrapped
        )
        if len(kept) >= KEPT_LINES:
            kept.clear()
        kept[place] = (values, strip)
        return strip

    def _fast_line(
        self: Any,
        shared: _Pass,
        row_index: int,
        values: tuple[Any, ...],
        row_style: Style,
        cursor: bool,
        hover: bool,
        x1: int,
        x2: int,
        width: int,
        base_style: Style,
        wrapped: tuple[Any, int, int],
    ) -> Strip:
        """What ``DataTable._render_line`` draws for this data line (row cursor, one line).

        Each segment's style is DataTable's ``row + meta + component + segment + post``; meta holds
        nothing but the cell's place, so it is added last (the same style: Rich's addition keeps
        every colour and attribute of the others), and the rest is shared by every cell of a tone.
        ``wrapped``: (row key, the line's number in its row, the row's height)."""
        component_style, post_style = self._get_styles_to_render_cell(
            False, False, False, hover, cursor, shared.show_cursor, shared.hover, shared.fg_css, shared.bg_css
        )
        toned: dict[Style | None, Style] = {}
        head = row_style + component_style
        padding = shared.padding
        line: list[Segment] = []
        row_key, line_no, height = wrapped
        for column_index, ((key, cell_width), cell) in enumerate(zip(shared.columns, values, strict=True)):
            if not isinstance(cell, Text):
                bare = None
            elif height == 1:
                bare = bare_segments(cell, cell_width, padding)
            else:
                lines = cell_lines(self, row_key, key, cell, cell_width, height)
                bare = None if lines is None else lines[line_no]
            if bare is None:
                lines = self._render_cell(row_index, column_index, row_style, cell_width, cursor, hover)
                line += lines[line_no]
                continue
            meta = Style.from_meta({"row": row_index, "column": column_index})
            for text, style, _control in bare:
                found = toned.get(style)
                if found is None:
                    found = head + style
                    found = toned[style] = found + post_style if post_style else found
                line.append(Segment(text, _add(found, meta)))
        extend_style, _ = self._get_styles_to_render_cell(
            False, False, False, hover, cursor, shared.show_cursor, shared.hover, False, False
        )
        extend_style = row_style + extend_style
        extend_style += Style.from_meta({"row": row_index, "column": 0, "out_of_bounds": True})
        line.append(Segment(" " * shared.remaining, extend_style))
        segments = line_crop(line, x1, x2, width)
        simplified = list(Segment.simplify(segments))
        if Segment.get_line_length(simplified) == width:
            return Strip(simplified, width)  # DataTable's Strip(…).adjust_cell_length(…).simplify(), in one
        return Strip(segments).adjust_cell_length(width, base_style).simplify()
