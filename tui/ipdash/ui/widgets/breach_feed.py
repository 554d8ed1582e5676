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

__all__ = ["BreachFeed", "FeedItem", "ordered"]

_SEVERITY = {"critical": ("✗ critical", "bad"), "warn": ("▲ warn", "warn")}


def ordered(items: Iterable[FeedItem]) -> list[FeedItem]:
    return sorted(
        items, key=lambda i: (SEVERITY_RANK[i.severity], -(i.since or date.min).toordinal(), i.ip, i.what)
    )


class BreachFeed(DataTable[Text]):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", **kwargs)
        self.items: list[FeedItem] = []

    COLUMNS = (
        ("severity", "Severity"),
        ("since", "Since"),
        ("ip", "IP"),
        ("what", "What"),
        ("detail", "Value"),
        ("source", "Preset"),
    )

    def on_mount(self) -> None:
        self.border_title = "Breaches"

    def show(self, items: Iterable[FeedItem]) -> None:
        self.items = ordered(items)
        rows = []
        for item in self.items:
            label, tone = _SEVERITY[item.severity]
            rows.append(
                [
                    toned(self.app, label, tone),
                    Text(item.since.isoformat() if item.since else "—"),
                    plain(item.ip),
                    plain(item.what),
                    plain(item.detail),
                    toned(self.app, item.source.split(":", 1)[0], "muted"),
                ]
            )
        # Explicit widths (see IpTable.refresh_rows): a stable layout whatever the timing.
        self.clear(columns=True)
        for index, (key, label) in enumerate(self.COLUMNS):
            width = max([len(label), *(row[index].cell_len for row in rows)])
            self.add_column(label, key=key, width=width)
        place_rows(self, [(str(index), row) for index, row in enumerate(rows)])
        critical = sum(1 for i in self.items if i.severity == "critical")
        self.border_title = (
            f"Breaches ({len(self.items)}: {critical} critical)" if self.items else "Breaches (none)"
        )
