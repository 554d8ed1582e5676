"""The breaches feed: every current breach, critical first, newest first."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from ipdash.domain.feed import SEVERITY_RANK, FeedItem
from ipdash.domain.safe_text import safe_text
from ipdash.gc_pauses import bulk_allocation
from ipdash.ui.tones import plain, tone_styles
from ipdash.ui.widgets.bulk_rows import PreparedRows
from ipdash.ui.widgets.fast_cells import FastCellsMixin
from ipdash.ui.widgets.fast_rows import FastRowsMixin
from ipdash.ui.widgets.feed_lines import FeedLines
from ipdash.ui.widgets.fit_columns import (
    ColumnFit,
    Layout,
    apply_layout,
    lay_out,
    planned_layout_from,
    table_room,
)
from ipdash.ui.widgets.steady_scrollbars import SteadyScrollbarsMixin

__all__ = ["SEVERITY_LABELS", "BreachFeed", "FeedItem", "ordered"]

SEVERITY_LABELS = {"critical": ("✗ critical", "bad"), "warn": ("▲ warn", "warn")}


def ordered(items: Iterable[FeedItem]) -> list[FeedItem]:
    return sorted(
        items, key=lambda i: (SEVERITY_RANK[i.severity], -(i.since or date.min).toordinal(), i.ip, i.what)
    )


class BreachFeed(SteadyScrollbarsMixin, FastRowsMixin, FastCellsMixin, DataTable[Text]):  # type: ignore[misc]
    """The feed fits its width: a long value wraps within its column (up to ``VALUE_LINES`` lines,
    ending "…" when there is more), and enter on a line opens it whole (:class:`FeedLineScreen`).
    Its lines take ``fast_rows``' path, wrapped rows too: through DataTable's own, the landing frame
    of a data update drew ~40 lines for ~35 ms of the loop (1,000 IPs)."""

    WRAPPED_ROWS = True

    BINDINGS = [
        Binding("enter", "select_cursor", "Whole line", id="feed.line"),
        Binding("j", "cursor_down", "Down", show=False, id="feed.down"),
        Binding("k", "cursor_up", "Up", show=False, id="feed.up"),
        Binding("home", "scroll_top", "First line", show=False, id="feed.first"),
        Binding("end", "scroll_bottom", "Last line", show=False, id="feed.last"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", **kwargs)
        self.items: list[FeedItem] = []
        self._rows: list[list[Text]] = []
        self._layout: tuple[tuple[str, int], ...] = ()
        self._formatted: dict[FeedItem, list[Text]] = {}
        self._formatted_theme = ""
        #: item -> (its formatted row, its cells fitted to ``_fitted_layout``, its height): a filter
        #: keystroke places the lines it keeps without wrapping or cutting them again
        self._fitted: dict[FeedItem, tuple[Sequence[Text], list[Text], int]] = {}
        self._fitted_layout: tuple[tuple[str, int], ...] = ()
        self._generation = 0  # of the lines asked for: a background layout for older ones is dropped
        self.formatting = False  # a background layout runs (past SYNC_LINES lines)
        self._big: FeedLines | None = None  # a big feed's lines, formatted in its theme
        self._numbers: list[int] = []  # the big feed's lines shown
        self._resized_room: int | None = None  # the columns' room at the last resize

    COLUMNS = (
        ("severity", "Severity"),
        ("ip", "IP"),
        ("what", "What"),
        ("detail", "Value"),
        ("since", "Since"),
        ("source", "Preset"),
    )
    #: When the feed is narrower than its lines the Value column keeps 20 cells: Preset goes, then
    #: the IP / scope and What columns narrow (with an ellipsis), then Since goes.
    FIT = ColumnFit(
        "detail",
        (("source", None), ("ip", 17), ("what", 22), ("since", None)),
        middle_cut=frozenset({"ip"}),  # a long IPv6 address keeps both ends, not its start only
    )
    VALUE_LINES = FIT.value_lines  # lines a value wraps to in the feed; enter shows a longer one whole
    #: Up to this many lines the feed is formatted and fitted on the event loop; above, in a thread
    #: (at 10,000 IPs thousands of lines: ~0.3-1 s of a stalled loop per data update or filter key;
    #: at 1,000 IPs ~230 lines, ~10 ms of the first data frame's stall when it was 300).
    SYNC_LINES = 100

    def on_mount(self) -> None:
        self.border_title = "Breaches"

    def show(self, items: Iterable[FeedItem], among: Sequence[FeedItem] | None = None) -> None:
        """Each line is formatted once per theme and kept while it is in the feed: a filter
        keystroke or a data update that leaves most breaches as they were formats only the new ones.
        ``among``: the whole feed ``items`` were picked from (a filter's); past ``SYNC_LINES`` it is
        ordered, formatted and measured once, in a thread, and each filter shows a subset of it."""
        self._generation += 1
        items = list(items)
        whole = items if among is None else among
        if len(whole) > self.SYNC_LINES or len(items) > self.SYNC_LINES:
            self._show_big(items, whole)
            return
        self.formatting = False
        self._big = None
        self.items = ordered(items)
        theme = self.app.theme
        formatted = self._formatted if self._formatted_theme == theme else {}
        styles = tone_styles(self.app)
        rows = [formatted.get(item) or _format(styles, item) for item in self.items]
        self._keep_formatted(formatted, rows, theme)
        self._lay_out(new_rows=True)

    def _keep_formatted(
        self, formatted: dict[FeedItem, list[Text]], rows: list[list[Text]], theme: str
    ) -> None:
        if len(formatted) > 4 * len(self.items) + 1000:  # lines no longer in any feed: let them go
            formatted = {}
        formatted.update(zip(self.items, rows, strict=True))
        self._formatted, self._formatted_theme = formatted, theme
        self._rows = rows

    def _show_big(
        self, items: list[FeedItem], whole: Sequence[FeedItem], *, keep_cursor: bool = False
    ) -> None:
        """A big feed: a subset of the lines already ordered and formatted (a filter keystroke) is
        placed at once when its layout was fitted before; anything else is done in a thread."""
        big = self._big
        numbers = big.numbers(items) if big is not None and big.theme == self.app.theme else None
        if big is not None and numbers is not None:
            room = table_room(self)
            layout = planned_layout_from(
                self.FIT, big.natural(self.COLUMNS, numbers), room, self.cell_padding
            )
            if keep_cursor and layout == self._layout and numbers == self._numbers:
                self.formatting = False
                return  # a resize that leaves every width as it was
            fitted = big.fitted(layout, numbers)
            if fitted is not None:
                self._place_big(big, numbers, layout, big.prepared(fitted, numbers), keep_cursor=keep_cursor)
                return
        self._show_in_background(items, whole, keep_cursor=keep_cursor)

    def _place_big(
        self,
        big: FeedLines,
        numbers: list[int],
        layout: Layout,
        prepared: tuple[PreparedRows, list[int]],
        *,
        keep_cursor: bool,
    ) -> None:
        self.formatting = False
        rows, heights = prepared
        self.items, self._rows, self._numbers = big.items(numbers), big.formatted_rows(numbers), numbers
        placed = [(str(place), row) for place, row in enumerate(self._rows)]  # its length: the cursor's room
        apply_layout(self, self.COLUMNS, layout, placed, heights, keep_cursor=keep_cursor, prepared=rows)
        self._layout = layout
        self._titled()

    def _show_in_background(
        self, items: list[FeedItem], whole: Sequence[FeedItem], *, keep_cursor: bool = False
    ) -> None:
        """Order, format, measure and fit the lines in a thread; the loop only places the rows."""
        generation, theme, styles = self._generation, self.app.theme, tone_styles(self.app)
        big = self._big if self._big is not None and self._big.theme == theme else None
        formatted = dict(self._formatted) if self._formatted_theme == theme else {}
        room, padding, console = table_room(self), self.cell_padding, self.app.console
        keys = [key for key, _label in self.COLUMNS]
        self.formatting = True

        def work() -> None:
            with bulk_allocation():  # lines that live as long as the feed: frozen when done
                lines = big
                numbers = lines.numbers(items) if lines is not None else None
                if lines is None or numbers is None:  # new lines: a data update (or a theme)
                    lines = FeedLines(ordered(whole), theme, lambda item: _format(styles, item), formatted)
                    numbers = lines.numbers(items)
                if numbers is None:  # not lines of ``whole`` (or repeated lines): these lines alone
                    lines = FeedLines(ordered(items), theme, lambda item: _format(styles, item), formatted)
                    numbers = list(range(len(lines.lines)))
                layout = planned_layout_from(self.FIT, lines.natural(self.COLUMNS, numbers), room, padding)
                reuse = big.fitted_lines(layout) if big is not None and big is not lines else None
                lines.fit(layout, numbers, self.FIT, console, keys, reuse)
                if len(formatted) > 4 * len(lines.lines) + 1000:  # lines no longer in any feed: let them go
                    formatted.clear()
                formatted.update(zip(lines.lines, lines.rows, strict=True))
                fitted = lines.fitted(layout, numbers)
                assert fitted is not None
                prepared = lines.prepared(fitted, numbers)
            done = (lines, numbers, layout, formatted, prepared)
            self.app.call_from_thread(self._shown_from_thread, generation, room, keep_cursor, done)

        self.run_worker(work, thread=True, exclusive=True, group="feed-lines", exit_on_error=False)

    def _shown_from_thread(
        self, generation: int, room: int, keep_cursor: bool, done: tuple[Any, ...]
    ) -> None:
        lines, numbers, layout, formatted, prepared = done
        if generation != self._generation or lines.theme != self.app.theme:
            return  # newer lines (or a theme) were asked for: their own layout is on its way
        self._big = lines
        self._formatted, self._formatted_theme = formatted, lines.theme
        if room != table_room(self):  # resized meanwhile: fitted again to the width it has now
            self._show_big(lines.items(numbers), lines.lines, keep_cursor=keep_cursor)
            return
        self._place_big(lines, numbers, layout, prepared, keep_cursor=keep_cursor)

    def on_resize(self) -> None:
        room = table_room(self)
        if room == self._resized_room:
            # Its height alone changed (the IP table's rows landed above it): the widths hold. At
            # 10,000 IPs measuring the big feed's lines again was ~15 ms of the loop in that frame.
            return
        self._resized_room = room
        if self._big is not None and self._rows:
            if not self.formatting:  # a layout in flight is fitted again to the new width as it lands
                self._generation += 1
                self._show_big(self.items, self._big.lines, keep_cursor=True)
        elif self._rows:
            self._lay_out(new_rows=False)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a line: the whole line, wrapped, with its preset's sources."""
        from ipdash.ui.screens.feed_line import FeedLineScreen

        event.stop()
        if 0 <= event.cursor_row < len(self.items):
            self.app.push_screen(FeedLineScreen(self.items[event.cursor_row]))

    def _lay_out(self, *, new_rows: bool) -> None:
        """Explicit widths (see IpTable.refresh_rows): a stable layout whatever the timing."""
        rows = [(str(number), row) for number, row in enumerate(self._rows)]
        previous = None if new_rows else self._layout  # a resize keeps the cursor on its line
        layout = lay_out(
            self, self.COLUMNS, self.FIT, rows, previous, keep_cursor=not new_rows, fitted=self._fitted_cells
        )
        if layout is None:
            return
        self._layout = layout
        if len(self._fitted) > 4 * len(self.items) + 1000:  # lines no longer in the feed: let them go
            self._fitted = {item: self._fitted[item] for item in self.items if item in self._fitted}
        self._titled()

    def _titled(self) -> None:
        critical = sum(1 for i in self.items if i.severity == "critical")
        self.border_title = (
            f"Breaches ({len(self.items)}: {critical} critical)" if self.items else "Breaches (none)"
        )

    def _fitted_cells(self, name: str, row: Sequence[Text], layout: Layout) -> tuple[list[Text], int]:
        """A line's cells fitted to ``layout``, kept per line while the layout holds (a filter
        places kept lines; a line whose row was formatted again, e.g. for a theme, is fitted again)."""
        if layout != self._fitted_layout:
            self._fitted, self._fitted_layout = {}, layout
        item = self.items[int(name)]
        found = self._fitted.get(item)
        if found is None or found[0] is not row:
            keys = [key for key, _label in self.COLUMNS]
            found = self._fitted[item] = (row, *self.FIT.cells(self.app.console, row, keys, layout))
        return found[1], found[2]


def _format(styles: dict[str, Any], item: FeedItem) -> list[Text]:
    """A feed line's cells in a theme's tone ``styles`` (``tone_styles``: usable off the loop)."""
    label, tone = SEVERITY_LABELS[item.severity]
    return [
        Text(safe_text(label, multiline=True), style=styles[tone]),
        plain(item.ip),
        plain(item.what),
        plain(item.detail),
        Text(item.since.isoformat() if item.since else "—"),
        Text(safe_text(item.source.split(":", 1)[0], multiline=True), style=styles["muted"]),
    ]
