"""The alerts panel: what ``ipdash poll`` would alert on, as it fires, with acknowledge (``a``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from ipdash.ui.tones import plain, toned
from ipdash.ui.widgets.bulk_rows import place_rows

if TYPE_CHECKING:
    from ipdash.sources.alert_board import ScreenAlert

_SEVERITY = {"critical": ("✗ critical", "bad"), "warning": ("▲ warn", "warn")}


class AlertsPanel(DataTable[Text]):
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]
    COLUMNS = (
        ("state", "State"),
        ("severity", "Severity"),
        ("since", "Since"),
        ("ip", "IP"),
        ("rule", "Rule"),
        ("what", "What"),
        ("value", "Value"),
        ("seen", "Seen"),
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", **kwargs)
        self.alerts: list[ScreenAlert] = []

    def on_mount(self) -> None:
        self.border_title = "Alerts"

    @property
    def highlighted(self) -> ScreenAlert | None:
        if not self.alerts or not 0 <= self.cursor_row < len(self.alerts):
            return None
        return self.alerts[self.cursor_row]

    def show(self, alerts: Sequence[ScreenAlert], note: str = "") -> None:
        keep = self.highlighted.key if self.highlighted else None
        row = self.cursor_row
        self.alerts = list(alerts)
        rows = []
        for alert in self.alerts:
            label, tone = _SEVERITY[alert.condition.severity]
            state = (
                toned(self.app, f"✓ ack {alert.acknowledged_at:%m-%d %H:%M}", "muted")
                if alert.acknowledged_at
                else toned(self.app, "● new", "info")
            )
            rows.append(
                [
                    state,
                    toned(self.app, label, tone),
                    plain(alert.since or "—"),
                    plain(alert.ip or "—"),
                    plain(alert.rule),
                    plain(alert.what),
                    plain(alert.value),
                    Text(f"{alert.first_seen:%H:%M:%S}"),
                ]
            )
        self.clear(columns=True)
        for index, (key, label) in enumerate(self.COLUMNS):
            width = min(60, max([len(label), *(row[index].cell_len for row in rows)]))
            self.add_column(label, key=key, width=width)
        place_rows(self, [(alert.key, row) for alert, row in zip(self.alerts, rows, strict=True)])
        # The cursor stays on its alert, unless that was just acknowledged (it moves down the
        # list): then on the row it was on, the next alert to look at.
        by_key = {a.key: i for i, a in enumerate(self.alerts)}
        if keep in by_key and not self.alerts[by_key[keep]].acknowledged:
            self.move_cursor(row=by_key[keep])
        elif self.alerts:
            self.move_cursor(row=min(max(row, 0), len(self.alerts) - 1))
        open_count = sum(1 for a in self.alerts if not a.acknowledged)
        title = f"Alerts ({open_count} new, {len(self.alerts) - open_count} acknowledged)"
        self.border_title = title if self.alerts else "Alerts (none)"
        self.border_subtitle = note or ("a acknowledge" if open_count else "")
