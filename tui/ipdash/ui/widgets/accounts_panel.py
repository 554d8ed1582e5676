"""The "Account & domains" tab: what providers report above the IP level, judged against the presets.

One row per (provider, account or sending domain): its latest day, volume, each rate with its
verdict word and symbol (colour only repeats them), the basis of the rate (window counts, that
day's rate, or SES's rolling representative-volume rate), the provider's own status, and Google
Postmaster v2's IP-related delivery-error reasons and compliance rows that need work.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from ipdash.domain.verdicts import Status, format_rate
from ipdash.ui.tones import toned

if TYPE_CHECKING:  # the judging code (pydantic) is not needed for the first frame
    from ipdash.domain.accounts import AccountRate, AccountSignal

#: domain.accounts.ACCOUNT_METRICS, in column order
COLUMN_METRICS = ("bounce_rate", "complaint_rate", "block_rate")

_MARKS = {
    Status.OK: ("✓", "ok", "ok"),
    Status.WARN: ("▲", "warn", "warn"),
    Status.CRITICAL: ("✖", "critical", "bad"),
    Status.INSUFFICIENT_VOLUME: ("·", "low volume", "muted"),
    Status.NO_DATA: ("?", "not reported", "muted"),
}
_BASIS = {"window": "window counts", "daily": "that day", "rolling": "rolling (representative volume)"}
EMPTY = (
    "No account or domain signals in the window. Provider sources (Postmaster Tools v2, SES, "
    "SendGrid, Postmark) add them: see the README's provider section."
)


class AccountsPanel(Static):
    """Renders the account signals it is given; judges nothing itself."""

    DEFAULT_CSS = """
    AccountsPanel {
        height: auto;
        padding: 0 1;
    }
    """

    def show(self, signals: Sequence[AccountSignal]) -> None:
        self.signals = tuple(signals)
        if not signals:
            self.shown: RenderableType = Text(EMPTY)
            self.update(self.shown)
            return
        table = Table(expand=True, box=None, header_style="bold", pad_edge=False)
        for column in (
            "provider · scope",
            "latest",
            "sent",
            "bounce",
            "complaint / spam",
            "block",
            "basis",
            "status",
        ):
            table.add_column(column, no_wrap=column != "basis")
        notes: list[Text] = []
        for signal in signals:
            rates = {rate.metric: rate for rate in signal.rates}
            bases = sorted({_BASIS.get(r.basis, r.basis) for r in signal.rates})
            table.add_row(
                Text(signal.label),
                Text(signal.latest.isoformat()),
                Text("—" if signal.sent is None else f"{signal.sent:,}"),
                *(self._cell(rates.get(metric)) for metric in COLUMN_METRICS),
                Text(", ".join(bases) or "—"),
                Text(signal.status or "—"),
            )
            notes += self._notes(signal)
        self.shown = Group(table, *notes)
        self.update(self.shown)

    def _cell(self, rate: AccountRate | None) -> Text:
        if rate is None:
            return Text("—", style="dim")
        mark, word, tone = _MARKS.get(rate.status, ("?", rate.status.value, "muted"))
        value = format_rate(rate.value) if rate.value is not None else ""
        text = toned(self.app, f"{mark} {value} {word}".replace("  ", " "), tone)
        if rate.status.is_breach and rate.threshold is not None:
            text.append(f" (≥ {format_rate(rate.threshold)} {rate.preset})", style="dim")
        return text

    def _notes(self, signal: AccountSignal) -> list[Text]:
        notes = []
        if signal.delivery_errors:
            reasons = ", ".join(f"{name} {format_rate(value)}" for name, value in signal.delivery_errors)
            notes.append(Text(f"{signal.label}: Gmail rejects for IP reasons: {reasons}"))
        if signal.compliance:
            rows = ", ".join(row.split("=")[0] for row in signal.compliance)
            notes.append(toned(self.app, f"▲ {signal.label}: Gmail compliance needs work: {rows}", "warn"))
        from ipdash.domain.accounts import metric_name

        for rate in signal.rates:
            if rate.basis == "rolling" and rate.status.is_breach:
                name = metric_name(signal.provider, rate.metric)
                notes.append(
                    Text(
                        f"{signal.label}: {name} is SES's rolling rate over a representative volume, not a day's"
                    )
                )
        return notes
