"""The IP detail's receiver section: what DMARC aggregate reports and ARF complaints say about the IP,
next to the ESP's own count (a separate series: never added to it)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import App

from ipdash.domain.analysis import IpAnalysis
from ipdash.domain.labels import format_count
from ipdash.domain.receiver.levels import receiver_levels
from ipdash.domain.verdicts import format_rate
from ipdash.ui.tones import toned


def receiver_text(app: App[object], analysis: IpAnalysis, *, has_dmarc_source: bool) -> Table | Text:
    found = analysis.receiver
    if found is None:
        why = "no report names this IP" if has_dmarc_source else "no dmarc source configured"
        return Text(f"DMARC aggregate reports: {why}", style="italic")
    table = Table(
        title="Receivers: DMARC reports · ARF (window)",
        title_justify="left",
        box=None,
        pad_edge=False,
        expand=True,
        show_header=False,
    )
    table.add_column("what")
    table.add_column("value")
    sent = found.esp_sent
    coverage = (
        f" ({format_rate(found.coverage)} of the ESP's {format_count(sent)} sent)" if found.coverage else ""
    )
    table.add_row("reported", f"{format_count(found.messages)} messages{coverage}")
    if found.messages:
        table.add_row("DMARC pass", _pass_rate(app, found.dmarc_pass_rate, found.messages))
        table.add_row(
            "aligned",
            f"SPF {format_rate(found.spf_pass_rate)} · DKIM {format_rate(found.dkim_pass_rate)}",
        )
        table.add_row(
            "reporters", " · ".join(f"{name} {format_count(n)}" for name, n in found.reporters.items())
        )
        if found.counts.quarantined or found.counts.rejected:
            table.add_row(
                "disposition",
                toned(
                    app,
                    f"quarantined {format_count(found.counts.quarantined)} · "
                    f"rejected {format_count(found.counts.rejected)}",
                    "warn",
                ),
            )
    if found.arf_complaints:
        added = (
            f"{format_count(found.arf_added)} added to the ESP's count"
            if found.arf_added
            else "all already counted by the ESP"
        )
        table.add_row("ARF complaints", f"{format_count(found.arf_complaints)} ({added})")
    return table


def _pass_rate(app: App[object], rate: float | None, messages: int) -> Text:
    levels = receiver_levels().dmarc_pass_rate
    if rate is None:
        return Text("—")
    if messages < levels.min_messages:
        return toned(app, f"{format_rate(rate)} (too few messages to judge)", "muted")
    if rate <= levels.critical:
        return toned(app, f"✗ {format_rate(rate)} critical (≤ {format_rate(levels.critical)})", "bad")
    if rate < levels.warn:
        return toned(app, f"▲ {format_rate(rate)} warn (< {format_rate(levels.warn)})", "warn")
    return toned(app, f"✓ {format_rate(rate)}", "ok")
