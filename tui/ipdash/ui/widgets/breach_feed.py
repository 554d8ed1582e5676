"""The breaches feed: every current breach, critical first, newest first."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from ipdash.domain.feed import SEVERITY_RANK, FeedItem
from ipdash.ui.tones import plain, toned
from ipdash.ui.widgets.bulk_rows import place_rows
from ipdash.ui.widgets.fast_cells import FastCellsMixin

__all__ = ["BreachFeed", "FeedItem", "ordered"]

_SEVERITY = {"critical": ("✗ critical", "bad"), "warn": ("▲ warn", "warn")}


def ordered(items: Iterable[FeedItem]) -> list[FeedItem]:
    return sorted(
        items, key=lambda i: (SEVERITY_RANK[i.severity], -(i.since or date.min).toordinal(), i.ip, i.what)
    )


class BreachFeed(FastCellsMixin, DataTable[Text]):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", **kwargs)
        self.items: list[FeedItem] = []
        self._rows: list[list[Text]] = []
        self._widths: list[int] = []
        self._formatted: dict[FeedItem, list[Text]] = {}
        self._formatted_theme = ""

    COLUMNS = (
        ("severity", "Severity"),
        ("ip", "IP"),
        ("what", "What"),
        ("detail", "Value"),
        ("since", "Since"),
        ("source", "Preset"),
    )
    #: When the feed is narrower than its lines, the IP / scope and What columns give way (to these
    #: widths, with an ellipsis) so that the Value column stays in view.
    NARROW_WIDTHS = {"ip": 17, "what": 22}
    VALUE_ROOM = 20  # cells of the Value column kept in view (longer values run on to the right)

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
        label, tone = _SEVERITY[item.severity]
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

    def _lay_out(self, *, new_rows: bool) -> None:
        """Explicit widths (see IpTable.refresh_rows): a stable layout whatever the timing."""
        rows = self._rows
        widths = [
            max([len(label), *(row[index].cell_len for row in rows)])
            for index, (_key, label) in enumerate(self.COLUMNS)
        ]
        # Severity, IP, What and a value of up to VALUE_ROOM cells, with their cell padding:
        wanted = sum(widths[:3]) + min(widths[3], self.VALUE_ROOM) + 8
        over = wanted - self.size.width if self.size.width else 0  # size: inside the border
        for index, (key, _label) in enumerate(self.COLUMNS):
            if over > 0 and key in self.NARROW_WIDTHS:
                given = min(over, max(0, widths[index] - self.NARROW_WIDTHS[key]))
                widths[index] -= given
                over -= given
        if widths == self._widths and not new_rows:
            return
        self._widths = widths
        self.clear(columns=True)
        for (key, label), width in zip(self.COLUMNS, widths, strict=True):
            self.add_column(label, key=key, width=width)
        room = widths[1]  # the IP / scope column: a long IPv6 address keeps both ends, not its start only
        if any(
            row[1].cell_len > room and _is_address(item.ip)
            for row, item in zip(rows, self.items, strict=True)
        ):
            from ipdash.ui.widgets.ip_columns import middle_ellipsis

            rows = [
                [row[0], plain(middle_ellipsis(item.ip, room)), *row[2:]]
                if row[1].cell_len > room and _is_address(item.ip)
                else row
                for row, item in zip(rows, self.items, strict=True)
            ]
        place_rows(self, [(str(index), row) for index, row in enumerate(rows)])
        critical = sum(1 for i in self.items if i.severity == "critical")
        self.border_title = (
            f"Breaches ({len(self.items)}: {critical} critical)" if self.items else "Breaches (none)"
        )


def _is_address(text: str) -> bool:
    """An IP address (cut in the middle when too long); a scope such as ``gmail:news.example`` is
    cut at its end as before (its start says which mailbox provider)."""
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
