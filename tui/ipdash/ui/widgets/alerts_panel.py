"""The alerts panel: what ``ipdash poll`` would alert on, as it fires, with acknowledge (``a``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import DataTable

from ipdash.ui.tones import plain, toned
from ipdash.ui.widgets.fit_columns import ColumnFit, Layout, lay_out

if TYPE_CHECKING:
    from ipdash.sources.alert_board import ScreenAlert

SEVERITY_LABELS = {"critical": ("✗ critical", "bad"), "warning": ("▲ warn", "warn")}


class AlertsPanel(DataTable[Text]):
    """The alerts fit the panel's width as the feed's lines do (:mod:`fit_columns`): a long value
    wraps in its column to two lines ending "…", and enter opens the alert whole."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Whole line", id="alerts.line"),
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
    #: The Value column keeps 20 cells: Rule goes (What says it), then Seen (the clock time it was
    #: first seen); State, the IP / scope and What narrow (with "…"); then Since goes, and last the
    #: IP and What narrow further. The alert's line (enter) shows every field whole.
    FIT = ColumnFit(
        "value",
        (
            ("rule", None),
            ("seen", None),
            ("state", 6),
            ("ip", 17),
            ("what", 22),
            ("since", None),
            ("ip", 15),
            ("what", 14),
        ),
        middle_cut=frozenset({"ip"}),
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", **kwargs)
        self.alerts: list[ScreenAlert] = []
        self._rows: list[list[Text]] = []
        self._layout: Layout = ()
        #: (alert key, row) the cursor was on, while rows wait for the panel to be shown
        self._pending: tuple[str | None, int] | None = None

    def on_mount(self) -> None:
        self.border_title = "Alerts"

    @property
    def highlighted(self) -> ScreenAlert | None:
        if not self.alerts or not 0 <= self.cursor_row < len(self.alerts):
            return None
        return self.alerts[self.cursor_row]

    def show(self, alerts: Sequence[ScreenAlert], note: str = "") -> None:
        """The alerts as they stand. While the panel is hidden (its tab not open) only the list and
        the titles change; the rows are drawn when it is shown (at 10,000 IPs thousands of alerts
        were laid out on every data update, ~0.5 s of a stalled event loop, for a closed tab)."""
        keep, row = self._pending or (self.highlighted.key if self.highlighted else None, self.cursor_row)
        self.alerts = list(alerts)
        open_count = sum(1 for a in self.alerts if not a.acknowledged)
        title = f"Alerts ({open_count} new, {len(self.alerts) - open_count} acknowledged)"
        self.border_title = title if self.alerts else "Alerts (none)"
        self.border_subtitle = note or ("a acknowledge" if open_count else "")
        self._pending = (keep, row)
        if not self._hidden():
            self.show_pending()

    def _hidden(self) -> bool:
        return any(not node.display for node in self.ancestors_with_self if isinstance(node, Widget))

    def show_pending(self) -> None:
        """Draw the rows of the alerts shown while the panel was hidden (its tab was opened)."""
        if self._pending is None:
            return
        keep, row = self._pending
        self._pending = None
        rows = []
        for alert in self.alerts:
            label, tone = SEVERITY_LABELS[alert.condition.severity]
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
        self._rows = rows
        self._lay_out(new_rows=True)
        # The cursor stays on its alert, unless that was just acknowledged (it moves down the
        # list): then on the row it was on, the next alert to look at.
        by_key = {a.key: i for i, a in enumerate(self.alerts)}
        if keep in by_key and not self.alerts[by_key[keep]].acknowledged:
            self.move_cursor(row=by_key[keep])
        elif self.alerts:
            self.move_cursor(row=min(max(row, 0), len(self.alerts) - 1))

    def on_resize(self) -> None:
        if self._pending is not None:
            self.show_pending()
        elif self._rows:
            self._lay_out(new_rows=False)

    def _lay_out(self, *, new_rows: bool) -> None:
        rows = [(alert.key, cells) for alert, cells in zip(self.alerts, self._rows, strict=True)]
        previous = None if new_rows else self._layout
        layout = lay_out(self, self.COLUMNS, self.FIT, rows, previous, keep_cursor=True)
        if layout is not None:
            self._layout = layout

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on an alert: the whole alert, wrapped, copyable."""
        from ipdash.ui.screens.alert_line import AlertLineScreen

        event.stop()
        if 0 <= event.cursor_row < len(self.alerts):
            self.app.push_screen(AlertLineScreen(self.alerts[event.cursor_row]))
