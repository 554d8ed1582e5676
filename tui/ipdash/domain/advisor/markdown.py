"""The recommendation as a Markdown document (`ipdash recommend --format md`, the wizard's `e`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from ipdash.domain.advisor import text
from ipdash.domain.advisor.result import STATUS_SYMBOL, VERDICT_SYMBOL, Recommendation

_ANSWER_LABELS = {
    "monthly_volume": "Monthly volume",
    "sends_per_month": "Sends per month",
    "sending_days_per_week": "Sending days per week",
    "pattern": "Pattern",
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
    if result.warmup.first_days:
        lines += _table(
            ("Sending day", "Cap per IP"), ((day, text.count(cap)) for day, cap in result.warmup.first_days)
        )
        lines.append("")
    lines += ["## Monthly cost", ""]
    if result.monthly_cost:
        lines += _table(
            ("Provider", "USD/month", "Basis", "Source", "As of", "Note"),
            (
                (
                    row.name + (" (yours)" if row.current else ""),
                    text.usd(row.usd),
                    row.basis,
                    row.source,
                    row.as_of,
                    row.note,
                )
                for row in result.monthly_cost
            ),
        )
    else:
        lines.append("No dedicated-IP cost: shared IPs come with the sending plan.")
    lines += ["", "## Risks", ""]
    lines += [f"- {risk}" for risk in result.risks] or ["- none found"]
    lines += ["", "## What would change the answer", ""]
    lines += [f"- {change}" for change in result.would_change] or ["- no single change found"]
    if result.assumptions:
        lines += ["", "## Assumptions", ""]
        lines += [f"- {assumption}" for assumption in result.assumptions]
    lines.append("")
    return "\n".join(lines)
