"""The IP detail's bounce and deferral reasons from MTA logs: per mailbox provider, most frequent first."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import App

from ipdash.domain.analysis import IpAnalysis
from ipdash.domain.labels import format_count
from ipdash.domain.thresholds import format_rate
from ipdash.ui.tones import toned

_CLASS_TONES = {"critical": "bad", "warn": "warn"}


def reasons_table(app: App[object], analysis: IpAnalysis) -> Table | Text:
    replies = analysis.replies
    if replies is None:
        return Text("Bounce and deferral reasons: no MTA log for this IP in the window", style="italic")
    title = (
        f"Bounce and deferral reasons (MTA log; deferred {format_rate(replies.deferred_rate)} of attempts)"
    )
    if not replies.top_reasons:
        return Text(f"{title}: none, every attempt was delivered", style="italic")
    table = Table(title=title, title_justify="left", box=None, pad_edge=False, expand=True)
    for name in ("provider", "class", "outcome", "count", "reply"):
        table.add_column(name, justify="right" if name == "count" else "left", no_wrap=name != "reply")
    for top in replies.top_reasons:
        marker = "✗ " if top.blocking else "· "
        tone = "bad" if top.blocking and top.outcome == "bounced" else "warn" if top.blocking else "plain"
        table.add_row(
            top.mailbox_provider,
            toned(app, marker + top.reason_class, tone),
            top.outcome,
            format_count(top.count),
            Text(top.reply, overflow="fold"),
        )
    return table
