"""Renderables for one IP: facts, score breakdown, per-mailbox-provider table, breaches.

Shared by the dashboard's side panel and the full IP detail screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import App

from ipdash.domain.labels import BAND_LABELS, BAND_TONES, STATUS_LABELS, STATUS_TONES, format_count
from ipdash.domain.mailbox_providers import provider_sort_key
from ipdash.domain.verdicts import IP_SCOPE, Status, format_rate
from ipdash.ui.tones import plain, toned

if TYPE_CHECKING:
    from ipdash.domain.analysis import IpAnalysis
    from ipdash.domain.thresholds import Verdict


def facts_text(app: App[object], analysis: IpAnalysis) -> Text:
    facts = analysis.facts
    text = Text()
    text.append(analysis.ip, style="bold")
    if facts is None:
        text.append("  (no facts: add it to a facts file or the config's [[ips]])", style=_muted(app))
        return text
    parts = [f"pool {facts.pool}" if facts.pool else None, facts.provider, facts.kind, facts.stream]
    text.append(" · " + " · ".join(p for p in parts if p))
    if facts.rdns:
        text.append(f"\nrDNS {facts.rdns}", style=_muted(app))
    idle = analysis.metrics.idle_days
    if idle:
        text.append("\n")
        text.append_text(toned(app, f"⟲ idle {idle} days", "warn" if idle > 30 else "muted"))
    return text


def score_text(app: App[object], analysis: IpAnalysis) -> Text:
    score = analysis.score
    text = Text("Score ")
    value = "–" if score.value is None else str(score.value)
    text.append_text(toned(app, f"{value} {BAND_LABELS[score.band]}", BAND_TONES[score.band]))
    if score.uncapped is not None and score.value is not None and score.value < round(score.uncapped):
        text.append(f" (capped from {round(score.uncapped)})", style=_muted(app))
    text.append(f"\n{score.reason}", style=_muted(app))
    return text


def score_breakdown(app: App[object], analysis: IpAnalysis) -> Table:
    table = Table(box=None, pad_edge=False, expand=True, title_justify="left", header_style="bold")
    table.add_column("component", no_wrap=True)
    table.add_column("sub", justify="right", min_width=4, no_wrap=True)
    table.add_column("weight", justify="right", min_width=6, no_wrap=True)
    table.add_column("points", justify="right", min_width=6, no_wrap=True)
    table.add_column("why", ratio=1, overflow="fold")
    for component in analysis.score.components:
        if component.subscore is None:
            table.add_row(component.name, "–", "–", "–", plain(component.detail, style=_muted(app)))
            continue
        tone = "ok" if component.subscore >= 85 else "warn" if component.subscore >= 50 else "bad"
        table.add_row(
            component.name,
            toned(app, f"{component.subscore:.0f}", tone),
            f"{component.weight:.2f}",
            f"{component.contribution:.1f}",
            component.detail,
        )
    for gate in analysis.score.gates:
        cap = f"cap {gate.cap}" if gate.cap is not None else "flag"
        table.add_row(toned(app, f"gate {gate.state}", "bad"), "", "", cap, gate.condition)
    return table


def provider_table(app: App[object], analysis: IpAnalysis) -> Table:
    table = Table(box=None, pad_edge=False, expand=True, header_style="bold")
    for name, justify in (
        ("provider", "left"),
        ("sent", "right"),
        ("bounce", "right"),
        ("complaint", "right"),
        ("unsub", "right"),
        ("Δ sent", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    verdicts = {(v.scope, v.metric): v for v in analysis.verdicts}
    metrics = analysis.metrics
    rows = [(IP_SCOPE, metrics.totals, metrics.previous)] + [
        (p, metrics.by_provider[p], metrics.previous_by_provider.get(p))
        for p in sorted(metrics.by_provider, key=provider_sort_key)
    ]
    for scope, totals, previous in rows:
        change = "—"
        if previous is not None and previous.sent:
            change = f"{(totals.sent / previous.sent - 1) * 100:+.0f}%"
        table.add_row(
            Text("all", style="bold") if scope == IP_SCOPE else plain(scope),
            format_count(totals.sent),
            _rate(app, verdicts.get((scope, "bounce_rate")), totals.bounce_rate),
            _rate(app, verdicts.get((scope, "complaint_rate")), totals.complaint_rate),
            _rate(app, verdicts.get((scope, "unsubscribe_rate")), totals.unsubscribe_rate),
            change,
        )
    return table


def breaches_text(app: App[object], analysis: IpAnalysis) -> RenderableType:
    """Every breach of the IP (thresholds, warm-up, listings, rDNS, SNDS), as the feed shows them."""
    if not analysis.breaches:
        return toned(app, "✓ no breaches in this window", "ok")
    lines = []
    for breach in analysis.breaches:
        line = toned(app, f"{STATUS_LABELS[breach.status]} ", STATUS_TONES[breach.status])
        line.append(f"{breach.what}: {breach.detail}")
        if breach.since:
            line.append(f" since {breach.since}")
        line.append(f"\n   {breach.source}", style=_muted(app))
        lines.append(line)
    return Group(*lines)


def provenance_text(app: App[object], analysis: IpAnalysis) -> Text:
    window = analysis.metrics.window
    sources = sorted({s.source for s in analysis.snds if s.source})
    text = Text(
        f"window {window.start} .. {window.end} · counts measured, rates and score derived"
        + (f" · SNDS from {', '.join(sources)}" if sources else ""),
        style=_muted(app),
    )
    return text


def _rate(app: App[object], verdict: Verdict | None, value: float | None) -> Text:
    if verdict is None or verdict.status in (Status.OK, Status.NOT_JUDGED):
        return Text(format_rate(value))
    if verdict.status is Status.INSUFFICIENT_VOLUME:
        return toned(app, format_rate(value), "muted")
    mark = "✗ " if verdict.status is Status.CRITICAL else "▲ "
    return toned(app, mark + format_rate(value), STATUS_TONES[verdict.status])


def _muted(app: App[object]) -> str:
    from ipdash.ui.tones import tone_style

    return str(tone_style(app, "muted"))
