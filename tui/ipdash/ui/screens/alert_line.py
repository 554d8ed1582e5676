"""Enter on an alert (the Alerts panel, 6): the whole alert, every field, nothing cut; `c` copies."""

from __future__ import annotations

from rich.text import Text

from ipdash.sources.alert_board import ScreenAlert
from ipdash.ui.screens.feed_line import LineScreen
from ipdash.ui.tones import plain, toned
from ipdash.ui.widgets.alerts_panel import SEVERITY_LABELS


def alert_line_text(alert: ScreenAlert) -> str:
    """One line for a ticket: severity, IP or scope, what, value, since, rule, first seen, state."""
    since = f" since {alert.since}" if alert.since else ""
    who = f"{alert.ip} " if alert.ip else ""
    state = f", acknowledged {alert.acknowledged_at:%Y-%m-%d %H:%M}" if alert.acknowledged_at else ""
    return (
        f"{alert.condition.severity} {who}{alert.what}: {alert.value}{since}"
        f" (rule {alert.rule}, first seen {alert.first_seen:%Y-%m-%d %H:%M:%S}{state})"
    )


class AlertLineScreen(LineScreen):
    LINE_TITLE = "Alert"
    COPIED = "Copied the alert to the clipboard."

    def __init__(self, alert: ScreenAlert) -> None:
        super().__init__()
        self.alert = alert

    def fields(self) -> list[tuple[str, Text]]:
        alert = self.alert
        label, tone = SEVERITY_LABELS.get(alert.condition.severity, (alert.condition.severity, "plain"))
        state = (
            toned(self.app, f"✓ acknowledged {alert.acknowledged_at:%Y-%m-%d %H:%M}", "muted")
            if alert.acknowledged_at
            else toned(self.app, "● new (a acknowledges)", "info")
        )
        return [
            ("State", state),
            ("Severity", toned(self.app, label, tone)),
            ("Since", plain(alert.since or "—")),
            ("IP", plain(alert.ip or "—")),
            ("Rule", plain(alert.rule)),
            ("What", plain(alert.what)),
            ("Value", plain(alert.value)),
            ("First seen", Text(f"{alert.first_seen:%Y-%m-%d %H:%M:%S}")),
        ]

    def line_text(self) -> str:
        return alert_line_text(self.alert)
