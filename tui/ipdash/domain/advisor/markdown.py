"""The recommendation as a Markdown document (`ipdash recommend --format md`, the wizard's `e`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from ipdash.domain.advisor import text
from ipdash.domain.advisor.result import STATUS_SYMBOL, VERDICT_SYMBOL, CostRow, Recommendation

_ANSWER_LABELS = {
    "monthly_volume": "Monthly volume",
    "sends_per_month": "Sends per month",
    "sending_days_per_week": "Sending days per week",
    "longest_gap_days": "Longest gap between sends (days)",
    "pattern": "Pattern",
    "peak_monthly_volume": "Peak month volume",
    "streams": "Streams",
    "transactional_share": "Transactional share",
    "bounce_rate": "Bounce rate",
    "complaint_rate": "Complaint rate",
    "unsubscribe_rate": "Unsubscribe rate",
    "opt_in": "Opt-in",
    "engagement_window_months": "Engagement window (months)",
    "allowlisted_recipients": "Recipients allowlist the IP",
    "time_critical": "Time-critical mail",
    "provider": "Provider",
    "budget_usd": "Budget (USD/month)",
    "watcher": "Who watches the IPs",
}


def answer_text(key: str, value: object) -> str:
    """An answer as people read it: rates as percentages, counts with separators."""
    if value is None:
        return "not given"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key.endswith("_rate") or key == "transactional_share":
        return text.percent(float(value))  # type: ignore[arg-type]
    if key == "budget_usd":
        return text.usd(float(value))  # type: ignore[arg-type]
    if isinstance(value, int):
        return f"{value:,}"
    return str(getattr(value, "value", value))


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows]
    return lines


def recommendation_markdown(result: Recommendation, *, generated_at: datetime | None = None) -> str:
    """The whole recommendation: verdict, answers, reasons with sources, plan, warm-up, cost,
    risks, what would change, assumptions."""
    verdict = result.verdict.value
    lines = ["# ipdash recommendation: shared or dedicated IPs", ""]
    if generated_at is not None:
        lines += [f"Generated {generated_at.isoformat(timespec='seconds')}.", ""]
    lines += [f"## Verdict: {VERDICT_SYMBOL[result.verdict]} {verdict}", "", result.verdict_reason, ""]
    if result.targets:
        lines += ["### Targets to reach first", ""]
        lines += _table(
            ("Metric", "Now", "Target", "Source"),
            ((t.metric, answer_text(t.metric, t.current), t.target, t.source) for t in result.targets),
        )
        lines.append("")
    answers = result.inputs.model_dump()
    lines += ["## Answers", ""]
    lines += _table(
        ("Question", "Answer"),
        ((label, answer_text(key, answers[key])) for key, label in _ANSWER_LABELS.items()),
    )
    lines += ["", "## Reasons", ""]
    lines += _table(
        ("", "Rule", "Compared", "Source"),
        (
            (f"{STATUS_SYMBOL[o.status]} {o.status.value}", o.title, o.detail, o.source)
            for o in result.reasons
        ),
    )
    lines += ["", f"## IPs and pools ({text.plural(result.ip_count, 'IP')})", ""]
    lines += _table(
        ("Pool", "Kind", "Streams", "IPs", "Monthly", "Per sending day", "Why"),
        (
            (
                p.name,
                p.kind,
                ", ".join(p.streams),
                p.ips,
                text.count(p.monthly_volume),
                text.count(p.daily_volume),
                p.why,
            )
            for p in result.pools
        ),
    )
    lines += ["", "## Warm-up", "", result.warmup.note, ""]
    if result.warmup.sends:
        lines += _table(
            ("Send", "Calendar day", "Cap per IP", "Planned per IP", "Held back"),
            (
                (
                    s.send,
                    s.calendar_day,
                    text.count(s.cap_per_ip),
                    text.count(s.planned_per_ip),
                    text.count(s.held_back),
                )
                for s in result.warmup.sends
            ),
        )
        lines.append("")
    lines += cost_sections(result)
    lines += ["", "## Risks", ""]
    lines += [f"- {risk}" for risk in result.risks] or ["- none found"]
    lines += ["", "## What would change the answer", ""]
    lines += [f"- {change}" for change in result.would_change] or ["- no single change found"]
    lines += ["", "## Assumptions", ""]
    lines += [f"- {assumption}" for assumption in result.assumptions] or ["- none: every answer was given"]
    lines.append("")
    return "\n".join(lines)


def cost_parts(row: CostRow) -> str:
    """'plan $89.95 + IPs $60.00 + per message $100.00' (the known parts of a cost line)."""
    parts = [
        f"{label} {text.usd(value)}"
        for label, value in (
            ("plan", row.plan_usd),
            ("IPs", row.ip_usd),
            ("per message", row.per_message_usd),
        )
        if value is not None
    ]
    return " + ".join(parts) or "n/a"


FLOOR_LEGEND = (
    "≥ a floor: the figure leaves a charge out (the sending plan, a usage fee or a higher tier; see "
    "excludes), so it can show a price over budget, never within it."
)


def cost_figure(row: CostRow, *, stale_mark: bool = True) -> str:
    """'$179.95', '≥ $80.00' for a floor, with ' (stale)' for an old price; 'n/a' unpriced."""
    figure = text.usd(row.usd)
    if row.lower_bound:
        figure = f"≥ {figure}"
    return figure + (" (stale)" if row.stale and stale_mark else "")


def _cost_rows(rows: Sequence[CostRow]) -> list[str]:
    return _table(
        ("Provider", "USD/month", "Parts", "Includes", "Excludes", "As of", "Source", "Note"),
        (
            (
                row.name,
                cost_figure(row),
                cost_parts(row),
                "; ".join(row.includes) or "–",
                "; ".join(row.excludes) or "–",
                row.as_of,
                row.source,
                row.note,
            )
            for row in rows
        ),
    )


def cost_sections(result: Recommendation) -> list[str]:
    """The sender's provider's cost, then (separately labelled) the other providers' prices."""
    lines = ["## Monthly cost", ""]
    if not result.monthly_cost:
        return [*lines, "No dedicated-IP cost: shared IPs come with the sending plan.", ""]
    own = [row for row in result.monthly_cost if row.current]
    others = [row for row in result.monthly_cost if not row.current]
    if any(row.lower_bound for row in result.monthly_cost):
        lines += [FLOOR_LEGEND, ""]
    if own:
        lines += [*_cost_rows(own), ""]
    if others:
        title = (
            "## Provider comparison (other providers' prices, not a recommendation to move)" if own else ""
        )
        if title:
            lines += [title, ""]
        lines += [*_cost_rows(others), ""]
    return lines
