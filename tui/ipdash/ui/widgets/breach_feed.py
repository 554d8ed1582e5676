"""The breaches feed: every current breach, critical first, newest first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.widgets import DataTable

from ipdash.domain.verdicts import IP_SCOPE, METRIC_LABELS, Status, format_rate
from ipdash.ui.tones import toned

if TYPE_CHECKING:
    from ipdash.domain.thresholds import Verdict

_SEVERITY = {"critical": ("✗ critical", "bad", 0), "warn": ("▲ warn", "warn", 1)}


@dataclass(frozen=True)
class FeedItem:
    """One line of the feed. Breaches from thresholds, listings and warm-up events all become these."""

    severity: str  # "critical" | "warn"
    since: date | None
    ip: str
    what: str
    detail: str
    source: str

    @classmethod
    def from_verdict(cls, verdict: Verdict) -> FeedItem:
        scope = "all" if verdict.scope == IP_SCOPE else verdict.scope
        return cls(
            severity="critical" if verdict.status is Status.CRITICAL else "warn",
            since=verdict.since,
            ip=verdict.ip,
            what=f"{METRIC_LABELS[verdict.metric]} · {scope}",
            detail=f"{format_rate(verdict.value)} ≥ {format_rate(verdict.threshold)}",
            source=f"{verdict.preset}: {verdict.source}",
        )


def ordered(items: Iterable[FeedItem]) -> list[FeedItem]:
    return sorted(
        items, key=lambda i: (_SEVERITY[i.severity][2], -(i.since or date.min).toordinal(), i.ip, i.what)
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
            label, tone, _ = _SEVERITY[item.severity]
            rows.append(
                [
                    toned(self.app, label, tone),
                    Text(item.since.isoformat() if item.since else "—"),
                    Text(item.ip),
                    Text(item.what),
                    Text(item.detail),
                    toned(self.app, item.source.split(":", 1)[0], "muted"),
                ]
            )
        # Explicit widths (see IpTable.refresh_rows): a stable layout whatever the timing.
        self.clear(columns=True)
        for index, (key, label) in enumerate(self.COLUMNS):
            width = max([len(label), *(row[index].cell_len for row in rows)])
            self.add_column(label, key=key, width=width)
        for index, row in enumerate(rows):
            self.add_row(*row, key=str(index))
        critical = sum(1 for i in self.items if i.severity == "critical")
        self.border_title = (
            f"Breaches ({len(self.items)}: {critical} critical)" if self.items else "Breaches (none)"
        )
