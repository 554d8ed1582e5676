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
from ipdash.ui.widgets.bulk_rows import prepared_rows
from ipdash.ui.widgets.fast_cells import FastCellsMixin
from ipdash.ui.widgets.fit_columns import ColumnFit, Layout, apply_layout, lay_out, planned_layout, table_room

__all__ = ["SEVERITY_LABELS", "BreachFeed", "FeedItem", "ordered"]

SEVERITY_LABELS = {"critical": ("✗ critical", "bad"), "warn": ("▲ warn", "warn")}


def ordered(items: Iterable[FeedItem]) -> list[FeedItem]:
    return sorted(
        items, key=lambda i: (SEVERITY_RANK[i.severity], -(i.since or date.min).toordinal(), i.ip, i.what)
    )


class BreachFeed(FastCellsMixin, DataTable[Text]):
    """The feed fits its width: a long value wraps within its column (up to ``VALUE_LINES`` lines,
    ending "…" when there is more), and enter on a line opens it whole (:class:`FeedLineScreen`)."""

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
    #: (at 10,000 IPs thousands of lines: ~0.3-1 s of a stalled loop per data update or filter key).
    SYNC_LINES = 300

    def on_mount(self) -> None:
        self.border_title = "Breaches"

    def show(self, items: Iterable[FeedItem]) -> None:
        """Each line is formatted once per theme and kept while it is in the feed: a filter
        keystroke or a data update that leaves most breaches as they were formats only the new ones."""
        self._generation += 1
        items = list(items)
        if len(items) > self.SYNC_LINES:
            self._show_in_background(items)
            return
        self.formatting = False
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

    def _show_in_background(self, items: list[FeedItem]) -> None:
        """Order, format and fit the lines in a thread; the loop only places the finished rows."""
        generation, theme, styles = self._generation, self.app.theme, tone_styles(self.app)
        formatted = dict(self._formatted) if self._formatted_theme == theme else {}
        fitted, fitted_layout = dict(self._fitted), self._fitted_layout
        room, padding, console = table_room(self), self.cell_padding, self.app.console
        keys = [key for key, _label in self.COLUMNS]
        self.formatting = True

        def work() -> None:
            with bulk_allocation():  # lines that live as long as the feed: frozen when done
                lines = ordered(items)
                rows = [formatted.get(item) or _format(styles, item) for item in lines]
                layout = planned_layout(self.COLUMNS, self.FIT, rows, room, padding)
                kept = fitted if layout == fitted_layout else {}
                placed, heights = [], []
                for number, (item, row) in enumerate(zip(lines, rows, strict=True)):
                    found = kept.get(item)
                    if found is None or found[0] is not row:
                        found = kept[item] = (row, *self.FIT.cells(console, row, keys, layout))
                    placed.append((str(number), found[1]))
                    heights.append(found[2])
                if len(formatted) > 4 * len(lines) + 1000:  # lines no longer in any feed: let them go
                    formatted.clear()
                formatted.update(zip(lines, rows, strict=True))
                if len(kept) > 4 * len(lines) + 1000:
                    kept = {item: kept[item] for item in lines if item in kept}
                prepared = prepared_rows([key for key, _width in layout], placed, heights)
            done = (lines, rows, layout, placed, heights, kept, formatted, prepared)
            self.app.call_from_thread(self._shown_from_thread, generation, theme, room, done)

        self.run_worker(work, thread=True, exclusive=True, group="feed-lines", exit_on_error=False)

    def _shown_from_thread(self, generation: int, theme: str, room: int, done: tuple[Any, ...]) -> None:
        if generation != self._generation or theme != self.app.theme:
            return  # newer lines (or a theme) were asked for: their own layout is on its way
        self.formatting = False
        lines, rows, layout, placed, heights, kept, formatted, prepared = done
        self.items, self._rows = lines, rows
        self._formatted, self._formatted_theme = formatted, theme
        self._fitted, self._fitted_layout = kept, layout
        if room != table_room(self):  # resized meanwhile: fitted again to the width it has now
            self._lay_out(new_rows=True)
            return
        apply_layout(self, self.COLUMNS, layout, placed, heights, prepared=prepared)
        self._layout = layout
        self._titled()

    def on_resize(self) -> None:
        if self._rows:
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
