"""The breaches feed: every current breach, critical first, newest first."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from ipdash.domain.feed import SEVERITY_RANK, FeedItem
from ipdash.ui.tones import plain, toned
from ipdash.ui.widgets.fast_cells import FastCellsMixin
from ipdash.ui.widgets.fit_columns import ColumnFit, Layout, lay_out

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

    def on_mount(self) -> None:
        self.border_title = "Breaches"

    def show(self, items: Iterable[FeedItem]) -> None:
        """Each line is formatted once per theme and kept while it is in the feed: a filter
        keystroke or a data update that leaves most breaches as they were formats only the new ones."""
        self.items = ordered(items)
        theme = self.app.theme
        formatted = self._formatted if self._formatted_theme == theme else {}
        rows = [formatted.get(item) or self._format(item) for item in self.items]
        if len(formatted) > 4 * len(self.items) + 1000:  # lines no longer in any feed: let them go
            formatted = {}
        formatted.update(zip(self.items, rows, strict=True))
        self._formatted, self._formatted_theme = formatted, theme
        self._rows = rows
        self._lay_out(new_rows=True)

    def _format(self, item: FeedItem) -> list[Text]:
        label, tone = SEVERITY_LABELS[item.severity]
        return [
            toned(self.app, label, tone),
            plain(item.ip),
            plain(item.what),
            plain(item.detail),
            Text(item.since.isoformat() if item.since else "—"),
            toned(self.app, item.source.split(":", 1)[0], "muted"),
        ]

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
