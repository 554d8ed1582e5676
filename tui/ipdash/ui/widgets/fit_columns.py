"""Tables of text that fit their width: the feed, the alerts panel, the sources panel, row errors.

One column holds the long value (an MTA's reply, an alert's value, an error's reason): it keeps
``value_room`` cells while, in a stated order, other columns give way (narrow to a width, with
"…", or go); the value then wraps within its column to ``value_lines`` lines, the last ending "…"
when there is more (enter on the line shows it whole). An IP address or a path too long for its
column is cut in the middle (both ends kept); other text at its end.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from ipdash.ui.widgets.bulk_rows import PreparedRows, place_prepared, place_rows
from ipdash.ui.widgets.ip_columns import middle_ellipsis

#: A step in giving way: (column, width) narrows the column to that width; (column, None) hides it.
Step = tuple[str, int | None]
Layout = tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class ColumnFit:
    value: str  # the column that keeps its room and wraps
    give_way: tuple[Step, ...]  # in order, until the value column has its room
    value_room: int = 20
    value_lines: int = 2
    #: Columns whose addresses or paths keep both ends (the value column too: then on one line).
    middle_cut: frozenset[str] = frozenset()
    paths: bool = False  # in middle_cut columns, any text is a path (else only IP addresses)

    def widths(self, natural: dict[str, int], room: int, padding: int) -> Layout:
        return fitted(natural, room, padding, self.value_room, self.give_way, self.value)

    def cells(
        self, console: Console, row: Sequence[Text], keys: Sequence[str], layout: Layout
    ) -> tuple[list[Text], int]:
        """The row's cells for the columns of ``layout`` (``row`` holds one cell per key of
        ``keys``), and the lines the row takes."""
        by_key = dict(zip(keys, row, strict=True))
        cells, height = [], 1
        for key, width in layout:
            text = by_key[key]
            if key == self.value and key in self.middle_cut:  # one line, both ends kept
                text = (
                    Text(path_ellipsis(text.plain, width), style=text.style)
                    if text.cell_len > width
                    else text
                )
            elif key == self.value:
                text = wrapped(console, text, width, self.value_lines)
                height = text.plain.count("\n") + 1
            elif key in self.middle_cut and text.cell_len > width and self.paths:
                text = Text(path_ellipsis(text.plain, width), style=text.style)
            elif key in self.middle_cut and text.cell_len > width and is_address(text.plain):
                text = Text(middle_ellipsis(text.plain, width), style=text.style)
            else:
                text = ellipsized(text, width)
            cells.append(text)
        return cells, height


def lay_out(
    table: DataTable[Any],
    columns: Sequence[tuple[str, str]],
    fit: ColumnFit,
    rows: Sequence[tuple[str, Sequence[Text]]],
    previous: Layout | None = None,
    *,
    keep_cursor: bool = False,
    fitted: Callable[[str, Sequence[Text], Layout], tuple[list[Text], int]] | None = None,
    natural: dict[str, int] | None = None,
) -> Layout | None:
    """Give ``table`` the (key, label) ``columns`` that fit its width and its ``rows`` (row key,
    one cell per column), fitted (by ``fitted`` when given: a table that keeps fitted rows).
    Returns the layout, or None when it is ``previous`` (nothing redrawn: a resize that leaves
    every width as it was). ``keep_cursor``: the cursor stays on its row (a resize), else it goes
    to the first row as ``clear`` puts it (new rows). ``natural``: the rows' natural widths, when
    the caller has measured them already."""
    if natural is None:
        natural = natural_widths(columns, [cells for _, cells in rows])
    layout = fit.widths(natural, table_room(table), table.cell_padding)
    if layout == previous:
        return None
    keys = [key for key, _label in columns]
    placed, heights = [], []
    for name, cells in rows:
        if fitted is not None:
            shown, height = fitted(name, cells, layout)
        else:
            shown, height = fit.cells(table.app.console, cells, keys, layout)
        placed.append((name, shown))
        heights.append(height)
    apply_layout(table, columns, layout, placed, heights, keep_cursor=keep_cursor)
    return layout


def planned_layout(
    columns: Sequence[tuple[str, str]],
    fit: ColumnFit,
    rows: Sequence[Sequence[Text]],
    room: int,
    padding: int,
) -> Layout:
    """The (column, width) layout ``rows`` take in ``room`` cells (pure: callable off the loop)."""
    return planned_layout_from(fit, natural_widths(columns, rows), room, padding)


def planned_layout_from(fit: ColumnFit, natural: dict[str, int], room: int, padding: int) -> Layout:
    """The layout of rows whose natural widths (``natural_widths``) are ``natural``."""
    return fit.widths(natural, room, padding)


def apply_layout(
    table: DataTable[Any],
    columns: Sequence[tuple[str, str]],
    layout: Layout,
    placed: Sequence[tuple[str, Sequence[Text]]],
    heights: Sequence[int],
    *,
    keep_cursor: bool = False,
    prepared: PreparedRows | None = None,
) -> None:
    """Give ``table`` the columns of ``layout`` and the fitted rows ``placed`` (of ``heights`` lines;
    ``prepared``: the same rows' structures made ahead, off the loop)."""
    labels = dict(columns)
    cursor_row = table.cursor_row
    table.clear(columns=True)
    for key, width in layout:
        table.add_column(labels[key], key=key, width=width)
    if prepared is not None:
        place_prepared(table, prepared)
    else:
        place_rows(table, placed, heights)
    if keep_cursor and placed:
        table.move_cursor(row=min(max(cursor_row, 0), len(placed) - 1))


def table_room(table: DataTable[Any]) -> int:
    """Cells a table's columns may take: inside its border, less a vertical scrollbar's; 0 when it
    is not laid out yet (natural widths then; it is laid out again on resize)."""
    if not table.size.width:
        return 0
    return table.size.width - table.styles.scrollbar_size_vertical


def natural_widths(columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Text]]) -> dict[str, int]:
    """Each (key, label) column's width with nothing cut: its label or its widest cell."""
    return {
        key: max([len(label), *(row[index].cell_len for row in rows)])
        for index, (key, label) in enumerate(columns)
    }


def fitted(
    natural: dict[str, int],
    room: int,
    padding: int,
    value_room: int,
    give_way: Sequence[Step],
    value: str = "detail",
) -> Layout:
    """(column, width) for the columns shown: the natural widths when they fit (or room is 0);
    else the ``value`` column keeps ``value_room`` cells while, in turn, the steps of
    ``give_way`` narrow or hide columns; the value column takes what is left, up to its need."""
    widths = dict(natural)
    if not room:
        return tuple(widths.items())

    def left_for_value() -> int:
        return room_left_for(value, widths, room, padding)

    wanted = min(natural[value], value_room)
    for key, width in give_way:
        if left_for_value() >= wanted:
            break
        if key not in widths:
            continue
        if width is None:
            del widths[key]
        else:
            widths[key] = min(widths[key], max(width, widths[key] - (wanted - left_for_value())))
    widths[value] = max(min(natural[value], left_for_value()), min(natural[value], 8))
    return tuple(widths.items())


def ellipsized(text: Text, width: int) -> Text:
    """``text`` on one line of ``width`` cells, ending "…" when cut (the line shows it whole)."""
    if text.cell_len <= width:
        return text
    cut = text.copy()
    cut.truncate(width, overflow="ellipsis")
    return cut


def wrapped(console: Console, text: Text, width: int, max_lines: int) -> Text:
    """``text`` wrapped to ``width``, at most ``max_lines`` lines, the last ending "…" when cut."""
    if text.cell_len <= width:
        return text
    lines = list(text.wrap(console, width, overflow="fold"))
    for line in lines:
        line.rstrip()  # a wrap keeps the space it broke at
    if len(lines) > max_lines:
        last = lines[max_lines - 1].copy()
        last.truncate(width - 1)
        last.append("…")
        lines = [*lines[: max_lines - 1], last]
    return Text("\n").join(lines)


def path_ellipsis(text: str, cells: int) -> str:
    """A path (``/data/…/stats.csv:12:3``) in at most ``cells`` cells: its start and, in two thirds
    of the room, its end (the file's name and the line), the middle replaced by "…"."""
    if cell_len(text) <= cells:
        return text
    if cells < 2:
        return "…"[:cells]
    tail_room = (2 * (cells - 1)) // 3
    last = text[text.rfind("/") :] if "/" in text else ""
    if tail_room < cell_len(last) <= cells - 5:  # the file's whole name, when it fits beside a start
        tail_room = cell_len(last)
    tail, used = "", 0
    for char in reversed(text):
        if used + cell_len(char) > tail_room:
            break
        tail, used = char + tail, used + cell_len(char)
    head, head_used = "", 0
    for char in text:
        if head_used + cell_len(char) > cells - 1 - used:
            break
        head, head_used = head + char, head_used + cell_len(char)
    return f"{head}…{tail}"


def is_address(text: str) -> bool:
    """An IP address (cut in the middle when too long); a scope such as ``gmail:news.example`` is
    cut at its end (its start says which mailbox provider)."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


Rows = Sequence[tuple[str, Sequence[Text]]]
#: One way to show a table: its (key, label) columns and its rows; a table given several shows the
#: first that fits its width (words, then symbols, then short labels: the Domains tab).
Variant = tuple[Sequence[tuple[str, str]], Rows]


def room_left_for(value: str, widths: Mapping[str, int], room: int, padding: int) -> int:
    """Cells left in ``room`` for the ``value`` column once the other columns have ``widths``."""
    others = sum(width for key, width in widths.items() if key != value)
    return room - others - 2 * padding * len(widths)


def fits(fit: ColumnFit, natural: Mapping[str, int], room: int, padding: int) -> bool:
    """Whether every column fits at its ``natural`` width with the value column given its room."""
    return room_left_for(fit.value, natural, room, padding) >= min(natural[fit.value], fit.value_room)


class FittedTable(DataTable[Text]):
    """A DataTable whose rows fit its width by ``fit`` (laid out again when it is resized)."""

    def __init__(self, columns: Sequence[tuple[str, str]], fit: ColumnFit, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._columns = self.fit_columns = tuple(columns)
        self.fit = fit
        self._fit_rows: list[tuple[str, Sequence[Text]]] = []
        self._variants: tuple[Variant, ...] = ()
        self._variant_shown = 0
        self._layout: Layout | None = None

    def show_rows(self, rows: Rows, *, keep_cursor: bool = False) -> None:
        """(row key, one cell per column) rows, in order; ``keep_cursor``: the cursor stays on its
        row (rows updated in place), else it goes to the first."""
        self.show_variants(((self._columns, rows),), keep_cursor=keep_cursor)

    def show_variants(self, variants: Sequence[Variant], *, keep_cursor: bool = False) -> None:
        """The same rows told in ways from the richest to the most compact (same row keys and
        column keys): the first that fits the width is shown, the last when none does."""
        self._variants = tuple(variants)
        self._variant_shown = -1
        self._show_fitting(keep_cursor=keep_cursor, previous=None)

    def on_resize(self) -> None:
        if self._variants and self._fit_rows:
            self._show_fitting(keep_cursor=True, previous=self._layout)

    def _show_fitting(self, *, keep_cursor: bool, previous: Layout | None) -> None:
        room = table_room(self)
        shown, natural = len(self._variants) - 1, None
        for index, (columns, rows) in enumerate(self._variants):
            natural = natural_widths(columns, [cells for _, cells in rows])
            if not room or fits(self.fit, natural, room, self.cell_padding):
                shown = index
                break
        if shown != self._variant_shown:
            previous = None  # another variant: drawn even when its widths are the same
        self._variant_shown = shown
        columns, rows = self._variants[shown]
        self.fit_columns, self._fit_rows = tuple(columns), list(rows)
        layout = lay_out(
            self,
            self.fit_columns,
            self.fit,
            self._fit_rows,
            previous,
            keep_cursor=keep_cursor,
            natural=natural,
        )
        self._layout = layout or self._layout


class FittedLines(FittedTable):
    """A fitted table whose lines open whole on enter (the footer says so)."""

    BINDINGS = [Binding("enter", "select_cursor", "Whole line", id="fitted.line")]
