"""The IP table: one row per sending IP, sortable, filterable, updated in place by row key.

Cells are formatted once per data update (``TableCells``); sorting and filtering only choose
and order row names, and the table shows them as an index into the rows (``shown_rows``: no
structure of every row is made per keystroke). Past ``SYNC_ROWS`` IPs the
formatting (about 0.15 ms an IP) runs in a worker thread, so a data update does not stall the
event loop; until it is done the table keeps showing, sorting and filtering the previous cells.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from ipdash.gc_pauses import bulk_allocation
from ipdash.ui.tones import tone_style, tone_styles
from ipdash.ui.widgets.fast_cells import FastCellsMixin
from ipdash.ui.widgets.fast_rows import FastRowsMixin
from ipdash.ui.widgets.frame_turns import in_turns
from ipdash.ui.widgets.ip_columns import (
    BASE_COLUMNS,
    MIN_IP_CELLS,
    NARROW_KEYS,
    Column,
    Row,
    layouts,
    shortened_ip,
    table_rows,
)
from ipdash.ui.widgets.one_line_rows import OneLineRowsMixin
from ipdash.ui.widgets.shown_rows import OrderedRows, ShownRecords, ShownRows, place_shown
from ipdash.ui.widgets.steady_scrollbars import SteadyScrollbarsMixin
from ipdash.ui.widgets.table_cells import TableCells

if TYPE_CHECKING:
    from ipdash.domain.analysis import Analysis
    from ipdash.domain.warmup.results import WarmupProgress

__all__ = ["BASE_COLUMNS", "NARROW_KEYS", "Column", "IpTable", "Row"]


#: Past SYNC_ROWS IPs, column widths for choosing a layout are measured on about this many rows
#: (the cells themselves are still sized to their widest value, so nothing is cut).
FIT_SAMPLE_ROWS = 300


def _widest(column: Column, rows: list[Row]) -> int:
    return max([cell_len(column.label), *(cell_len(column.cell(row)[0]) for row in in_turns(rows))])


class IpTable(SteadyScrollbarsMixin, OneLineRowsMixin, FastRowsMixin, FastCellsMixin, DataTable[Text]):  # type: ignore[misc]  # _y_offsets: a lazy sequence
    """Rows keyed by IP, each one line (``OneLineRowsMixin``), shown from an index (``ShownRows``);
    a refresh updates changed cells and keeps the cursor on its IP."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        # DataTable's home/end move between columns; in a table of IPs they mean first/last IP.
        Binding("home", "scroll_top", "First IP", show=False),
        Binding("end", "scroll_bottom", "Last IP", show=False),
        Binding("s", "sort_next", "Sort", id="sort"),
        Binding("S", "sort_reverse", "Reverse", show=False, id="sort_reverse"),
    ]

    #: Up to this many IPs the cells are formatted on the event loop (≤ ~50 ms); above, in a thread.
    SYNC_ROWS = 300

    def __init__(self, columns: list[Column] | None = None, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.all_columns = columns or list(BASE_COLUMNS)
        self.table_columns = list(self.all_columns)
        self.analysis: Analysis | None = None
        self.row_data: dict[str, Row] = {}
        self.filter_text = ""
        self.sort_key = "ip"
        self.sort_reverse = False
        self.cells_built = 0  # how many times cells were formatted (one per data update / theme)
        self._cells: TableCells | None = None
        self._placed: TableCells | None = None  # the cells the rows on screen came from
        self._ip_keys: dict[str, Any] = {}
        self._view: ShownRows | None = None  # the rows on screen, as an index into the cells
        self._generation = 0  # of row_data: a background format for an older one is dropped
        self.formatting = False  # a background format is running
        self._formatting_for: tuple[int, str, tuple[Column, ...]] | None = None
        self._shown: list[str] = []
        self._widths: list[int] = []
        self._labels: list[str] = []
        self._measured: dict[tuple[int, Column], int] = {}  # (generation, column) -> widest cell

    def on_mount(self) -> None:
        self.border_title = "IPs"

    def on_resize(self) -> None:
        if self._fit():
            self.refresh_rows()

    def _fit(self) -> bool:
        """Choose the widest layout whose columns fit the table's width without cutting a value
        (``ip_columns.layouts``); True when the columns changed."""
        width = self.size.width  # inside the border
        if width <= 0 or not self.row_data:
            return False
        if len(self.row_data) + 1 > self.size.height and self.size.height >= self.max_rows_shown():
            width -= self.styles.scrollbar_size_vertical  # rows overflow: the scrollbar takes its cells
        options = layouts(self.all_columns)
        chosen, fits = options[-1], False
        for columns, padding in options:
            if self._needed_width(columns, padding) <= width:
                chosen, fits = (columns, padding), True
                break
        if not fits and (squeezed := self._squeezed_ip(*options[-1], width)) is not None:
            chosen, fits = squeezed, True
        # Nothing to scroll sideways when it fits (no empty scrollbar line under the rows).
        self.styles.overflow_x = "hidden" if fits else "auto"
        columns, padding = chosen
        changed = columns != self.table_columns or padding != self.cell_padding
        if changed:
            self.table_columns = columns
            self.cell_padding = padding
            self._cells = None
        return changed

    def _squeezed_ip(
        self, columns: list[Column], padding: int, width: int
    ) -> tuple[list[Column], int] | None:
        """The narrowest layout with the IP column cut to the room left (a long IPv6 address on a
        narrow terminal: its middle becomes "…"), when that leaves at least ``MIN_IP_CELLS``."""
        index = next((i for i, column in enumerate(columns) if column.key == "ip"), None)
        if index is None:
            return None
        ip_width = self._needed_width([columns[index]], padding)
        room = width - (self._needed_width(columns, padding) - ip_width)
        if room < MIN_IP_CELLS or room >= ip_width:
            return None
        squeezed = [*columns[:index], shortened_ip(columns[index], room), *columns[index + 1 :]]
        return (squeezed, padding) if self._needed_width(squeezed, padding) <= width else None

    def max_rows_shown(self) -> int:
        """Lines inside the border the table may grow to (its max-height), or its height now."""
        limit = self.styles.max_height
        if limit is not None and limit.is_cells:
            return int(limit.value) - self.styles.gutter.height
        return self.size.height

    def _needed_width(self, columns: list[Column], padding: int) -> int:
        """Cells the columns take with every value whole (past SYNC_ROWS IPs, measured on a sample)."""
        total = 0
        for column in columns:
            key = (self._generation, column)
            width = self._measured.get(key)
            if width is None:
                width = self._measured[key] = _widest(column, self._fit_sample(self.row_data))
            total += width + (2 * padding if padding else 1)
        return total - (0 if padding else 1)  # no space after the last column

    def _fit_sample(self, rows: dict[str, Row]) -> list[Row]:
        found = list(rows.values())
        return found[:: max(1, len(found) // FIT_SAMPLE_ROWS)] if len(found) > self.SYNC_ROWS else found

    def _measure_in_background(self) -> None:
        """A big table's column widths for choosing a layout (~0.1-0.3 s of formatting a sample),
        measured in a thread; the layout is chosen and the cells formatted once they are in."""
        generation, sample = self._generation, self._fit_sample(self.row_data)
        columns = {column for layout, _padding in layouts(self.all_columns) for column in layout}
        self.formatting, self._formatting_for = True, None

        def work() -> None:
            widths = {(generation, column): _widest(column, sample) for column in columns}
            self.app.call_from_thread(self._measured_in, generation, widths)

        self.run_worker(work, thread=True, exclusive=True, group="ip-table-cells", exit_on_error=False)

    def _measured_in(self, generation: int, widths: dict[tuple[int, Column], int]) -> None:
        if generation != self._generation:
            return  # newer data: its own measure is on its way
        self._measured.update(widths)
        self._fit()
        self._format_in_background()

    @property
    def spacer(self) -> int:
        """Cells added to each column with no cell padding: one space between columns."""
        return 0 if self.cell_padding else 1

    def set_columns(self, columns: list[Column]) -> None:
        self.table_columns = columns
        self._cells = None
        self.refresh_rows()

    def show(
        self,
        analysis: Analysis,
        warmups: dict[str, WarmupProgress] | None = None,
        blocklists: dict[str, tuple[str, str]] | None = None,
        rows: dict[str, Row] | None = None,
    ) -> None:
        """A data update (or a theme change): the cells are formatted again, once. ``rows``: the
        rows ``ip_columns.table_rows`` makes of the same arguments, made already (off the loop)."""
        from ipdash.ui.time_range import range_columns

        self.analysis = analysis
        if (named := range_columns(self.all_columns, analysis.window)) != self.all_columns:
            self.all_columns = named
            self.table_columns = range_columns(self.table_columns, analysis.window)
        self.row_data = rows if rows is not None else table_rows(analysis, warmups, blocklists)
        self._cells = None
        self._generation += 1
        self._measured.clear()
        if len(self.row_data) > self.SYNC_ROWS:
            self._measure_in_background()  # then the fit, then the cells, in a thread
        else:
            self._fit()
            self.refresh_rows()

    @property
    def selected_ip(self) -> str | None:
        """The IP under the cursor, if it is in the current data (rows still showing the previous
        data while a background format runs can hold IPs the new data no longer has)."""
        if not self._shown or self.cursor_row < 0 or self.cursor_row >= len(self._shown):
            return None
        ip = self._shown[self.cursor_row]
        return ip if ip in self.row_data else None

    def visible_ips(self) -> list[str]:
        return list(self._shown)

    def current_cells(self) -> TableCells | None:
        """The cells of the current data, theme and columns; while a background format runs,
        the cells on screen; None when there are none yet."""
        cells = self._cells
        if cells is None or cells.theme != self.app.theme or cells.columns != tuple(self.table_columns):
            if len(self.row_data) > self.SYNC_ROWS:
                self._format_in_background()
                return self._placed
            cells = self._cells = self._format()
        return cells

    def _format(self) -> TableCells:
        self.cells_built += 1
        return TableCells(
            self.row_data,
            self.table_columns,
            lambda tone: tone_style(self.app, tone),
            self.app.theme,
            previous=self._placed,
            ip_keys=self._ip_keys,
        )

    def _format_in_background(self) -> None:
        wanted = (self._generation, self.app.theme, tuple(self.table_columns))
        if self.formatting and self._formatting_for == wanted:
            return
        self.formatting, self._formatting_for = True, wanted
        rows, columns, theme, previous = self.row_data, self.table_columns, self.app.theme, self._placed
        sort_key, reverse, needle = self.sort_key, self.sort_reverse, self.filter_text
        styles = tone_styles(self.app)
        self.cells_built += 1

        def work() -> None:
            # ~150k objects that live as long as the data: frozen when done, so the collector's
            # full passes during later keystrokes do not walk them (they stalled keys 0.2-0.5 s)
            with bulk_allocation():
                cells = TableCells(
                    rows, columns, styles.__getitem__, theme, previous=previous, ip_keys=self._ip_keys
                )
                keys = self._column_keys_for(cells)
                cells.row_dicts(keys)  # what placing the rows needs (~0.1 s at 10k), before handing over
                cells.row_records()
                cells.matching(cells.ordered(sort_key, reverse), needle)  # what the loop shows first
                self.app.call_from_thread(self._formatted, wanted, cells)
                cells.prepare(keys)  # each column's order and the filter's text, off the loop

        self.run_worker(work, thread=True, exclusive=True, group="ip-table-cells", exit_on_error=False)

    def _column_keys_for(self, cells: TableCells) -> list[Any]:
        from textual.widgets.data_table import ColumnKey

        return [ColumnKey(column.key) for column in cells.columns]

    def _formatted(self, wanted: tuple[int, str, tuple[Column, ...]], cells: TableCells) -> None:
        if wanted != (self._generation, self.app.theme, tuple(self.table_columns)):
            return  # newer data, theme or columns: their own format is on its way
        self.formatting = False
        self._cells = cells
        self.refresh_rows()

    def refresh_rows(self) -> None:
        if self.analysis is None:
            return
        selected = self.selected_ip
        cells = self.current_cells()
        if cells is None:
            return
        widths = [width + self.spacer for width in cells.widths]
        if widths:
            widths[-1] -= self.spacer  # a space separates columns: none after the last
        labels = [col.label for col in cells.columns]
        if widths != self._widths or labels != self._labels:  # "Sent 30d" → "Sent 90d": same widths
            self.clear(columns=True)
            self._shown, self._placed = [], None
            for col, width in zip(cells.columns, widths, strict=True):
                label = Text(col.label, justify="right" if col.right else "left")
                self.add_column(label, key=col.key, width=width)
            self._widths, self._labels = widths, labels
        wanted = cells.matching(cells.ordered(self.sort_key, self.sort_reverse), self.filter_text)
        placed = self._placed
        if placed is not None and placed is not cells and wanted == self._shown and cells.same_layout(placed):
            self._patch(placed, cells)  # a data update: only the cells whose text or tone changed
        elif placed is not cells or wanted != self._shown:
            self._place(wanted, cells)  # a sort, a filter, new rows: another index, no cell touched
        self._placed, self._shown = cells, wanted
        if selected in wanted:
            self.move_cursor(row=wanted.index(selected))
        elif selected is not None:
            self.move_cursor(row=0)  # its IP is gone (filtered out): back to the top
        total = len(self.analysis.ips)
        shown = f"{len(wanted)} of {total}" if self.filter_text else str(total)
        self.border_title = f"IPs ({shown})"
        arrow = "▼" if self.sort_reverse else "▲"
        filt = f" · filter “{self.filter_text}”" if self.filter_text else ""
        self.border_subtitle = f"sort {cells.sort_label(self.sort_key)} {arrow}{filt}"

    def _patch(self, old: TableCells, new: TableCells) -> None:
        keys = [column.key for column in new.columns]
        for ip in self._shown:
            before, after = old.texts[ip], new.texts[ip]
            if before != after:
                for index, key in enumerate(keys):
                    if before[index] != after[index]:
                        self.update_cell(ip, key, new.cells[ip][index])

    def _place(self, wanted: list[str], cells: TableCells) -> None:
        data = cells.row_dicts([column.key for column in self.ordered_columns])
        self._view = ShownRows(wanted, cells.row_records(), data)
        place_shown(self, self._view)

    @property
    def ordered_rows(self) -> Any:
        """The rows in order, read from the index as asked (DataTable's is a list of every row,
        made again after each sort or filter, on a cursor move that scrolls)."""
        if isinstance(self.rows, ShownRecords) and self._view is not None:
            return OrderedRows(self._view)
        return DataTable.ordered_rows.fget(self)  # type: ignore[attr-defined]

    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip()
        self.refresh_rows()

    def sort_by(self, key: str, reverse: bool | None = None) -> None:
        self.sort_key = key
        if reverse is not None:
            self.sort_reverse = reverse
        self.refresh_rows()

    def action_sort_next(self) -> None:
        keys = [c.key for c in self.table_columns]
        index = keys.index(self.sort_key) if self.sort_key in keys else -1
        self.sort_key = keys[(index + 1) % len(keys)]
        self.refresh_rows()

    def action_sort_reverse(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self.refresh_rows()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        key = str(event.column_key.value)
        if key == self.sort_key:
            self.sort_reverse = not self.sort_reverse
        self.sort_key = key
        self.refresh_rows()
