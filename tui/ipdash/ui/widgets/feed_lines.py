"""A big breaches feed's lines for one data update in one theme: ordered, formatted and measured
once (in a worker thread), so a filter keystroke shows a subset by line number.

At 10,000 IPs the feed holds thousands of lines; ordering, formatting, measuring and fitting them
again for every filter keystroke was ~50 ms of a worker thread holding the interpreter while the
event loop drew the table. Here a subset's order is its lines' numbers sorted, its column widths the
column-wise maximum of each line's widths (measured once), and its lines' fitted cells are kept per
layout: a keystroke whose layout was fitted before places its rows on the loop in a few ms.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.text import Text
from textual.widgets._data_table import Row
from textual.widgets.data_table import ColumnKey, RowKey

from ipdash.domain.feed import FeedItem
from ipdash.ui.widgets.bulk_rows import PreparedRows, prepared_from
from ipdash.ui.widgets.fit_columns import ColumnFit, Layout
from ipdash.ui.widgets.frame_turns import in_turns

#: A line fitted to a layout: (its formatted row, its fitted cells, its height, cells by column key).
Fitted = tuple[Sequence[Text], list[Text], int, dict[ColumnKey, Text]]
#: Layouts whose fitted lines are kept per data update (widths differ as filters narrow columns).
KEPT_LAYOUTS = 4


class FeedLines:
    """``lines`` (ordered) with their formatted ``rows``; subsets are given by line number."""

    def __init__(
        self,
        lines: Sequence[FeedItem],
        theme: str,
        format_line: Callable[[FeedItem], list[Text]],
        formatted: Mapping[FeedItem, list[Text]],
    ) -> None:
        self.lines = list(lines)
        self.theme = theme
        self.rows = [formatted.get(item) or format_line(item) for item in in_turns(self.lines)]
        # By identity: a filter's lines are these very objects (hashing a FeedItem hashes its 13 fields).
        self._number = {id(item): number for number, item in enumerate(self.lines)}
        self._unique = len(self._number) == len(self.lines)
        self.widths = [tuple(cell.cell_len for cell in row) for row in in_turns(self.rows)]
        #: layout -> each line fitted to it (None: not yet); lists are filled, never emptied, so the
        #: loop may read one while a worker thread fits other lines (evicting replaces the dict)
        self._fitted: dict[Layout, list[Fitted | None]] = {}
        self._row_keys = [RowKey(str(place)) for place in range(len(self.lines))]

    def numbers(self, items: Iterable[FeedItem]) -> list[int] | None:
        """The line numbers of ``items`` in the feed's order; None when one is not among the lines."""
        if not self._unique:
            return None
        number = self._number
        try:
            return sorted([number[id(item)] for item in items])
        except KeyError:
            return None

    def natural(self, columns: Sequence[tuple[str, str]], numbers: Sequence[int]) -> dict[str, int]:
        """``natural_widths`` of the lines ``numbers`` (their widest cell per column, or the label)."""
        widths = self.widths
        measured = list(zip(*[widths[n] for n in numbers], strict=True)) if numbers else []
        return {
            key: max(len(label), max(measured[index])) if measured else len(label)
            for index, (key, label) in enumerate(columns)
        }

    def fitted(self, layout: Layout, numbers: Sequence[int]) -> list[Fitted | None] | None:
        """The lines fitted to ``layout`` when every line of ``numbers`` is, else None."""
        found = self._fitted.get(layout)
        return found if found is not None and all(found[n] is not None for n in numbers) else None

    def fit(
        self,
        layout: Layout,
        numbers: Sequence[int],
        fit: ColumnFit,
        console: Console,
        keys: Sequence[str],
        reuse: Mapping[FeedItem, Fitted] | None = None,
    ) -> None:
        """Fit the lines ``numbers`` to ``layout`` (call from a worker thread); ``reuse``: lines
        fitted to the same layout before (an earlier data update's), kept when their row is the same."""
        found = self._fitted.get(layout)
        if found is None:
            found = [None] * len(self.lines)
            kept = self._fitted if len(self._fitted) < KEPT_LAYOUTS else {}
            self._fitted = {**kept, layout: found}
        column_keys = [ColumnKey(key) for key, _width in layout]
        for number in in_turns(numbers, 16):
            if found[number] is not None:
                continue
            row = self.rows[number]
            entry = reuse.get(self.lines[number]) if reuse is not None else None
            if entry is None or entry[0] is not row:
                cells, height = fit.cells(console, row, keys, layout)
                entry = (row, cells, height, dict(zip(column_keys, cells, strict=True)))
            found[number] = entry

    def fitted_lines(self, layout: Layout) -> dict[FeedItem, Fitted]:
        """Every line fitted to ``layout`` so far, by item (what the next data update may reuse)."""
        found = self._fitted.get(layout) or []
        return {self.lines[n]: entry for n, entry in enumerate(found) if entry is not None}

    def prepared(self, fitted: list[Fitted | None], numbers: Sequence[int]) -> tuple[PreparedRows, list[int]]:
        """The table's row structures for the lines ``numbers`` (``fitted``: the lines fitted to the
        layout, as ``fitted`` gives them), named by their place ("0", "1", …, as the feed's rows
        are), and their heights."""
        keys = self._row_keys
        cells: dict[RowKey, dict[Any, Any]] = {}
        rows: dict[RowKey, Row] = {}
        heights = []
        for place, number in enumerate(numbers):
            entry = fitted[number]
            assert entry is not None, "fitted before it is placed"
            key = keys[place]
            cells[key] = entry[3]
            rows[key] = Row(key, entry[2])
            heights.append(entry[2])
        return prepared_from(cells, rows), heights

    def items(self, numbers: Sequence[int]) -> list[FeedItem]:
        return [self.lines[n] for n in numbers]

    def formatted_rows(self, numbers: Sequence[int]) -> list[list[Text]]:
        return [self.rows[n] for n in numbers]
