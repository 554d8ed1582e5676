"""What would change the answer: each candidate change to the answers is re-run through the
advisor, and only the ones that really change the verdict are reported."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

from ipdash.domain.advisor import text
from ipdash.domain.advisor.evaluate import Resolved
from ipdash.domain.advisor.inputs import (
    InvalidInputs,
    Pattern,
    Watcher,
    max_sending_days_in_month,
    validate_inputs,
)
from ipdash.domain.advisor.result import Recommendation, RuleOutcome, RuleStatus, Verdict
from ipdash.domain.advisor.rulebook import RuleBook

VerdictOf = Callable[[Any], Verdict]
Candidate = tuple[dict[str, Any], str]

_VOLUME_KINDS = {"min_monthly_volume", "min_weekly_volume", "min_daily_volume"}


def what_would_change(
    current: Recommendation,
    outcomes: list[RuleOutcome],
    resolved: Resolved,
    book: RuleBook,
    verdict_of: VerdictOf,
) -> list[str]:
    statements: list[str] = []
    base = current.inputs.model_dump()
    for changes, condition in _candidates(current, outcomes, resolved, book):
        try:
            changed = validate_inputs({**base, **changes})
        except InvalidInputs:
            continue
        verdict = verdict_of(changed)
        statement = f"{condition} this becomes {verdict.value}"
        if verdict is not current.verdict and statement not in statements:
            statements.append(statement)
    return statements


def _candidates(
    current: Recommendation, outcomes: list[RuleOutcome], resolved: Resolved, book: RuleBook
) -> Iterator[Candidate]:
    failing = [o for o in outcomes if o.status is RuleStatus.FAIL]
    eligibility_fails = [o for o in failing if o.effect == "eligibility"]
    evidence_fails = [o for o in failing if o.effect == "evidence"]
    if eligibility_fails or evidence_fails:
        yield _reach_floors(eligibility_fails + evidence_fails, resolved, book)
        if not current.inputs.allowlisted_recipients:
            yield {"allowlisted_recipients": True}, "if your recipients' servers allowlist your IP,"
    if not eligibility_fails:
        yield from _drop_below_floors(outcomes, resolved, book)
    if current.inputs.pattern is not Pattern.STEADY:
        yield {"pattern": Pattern.STEADY}, "with a steady sending pattern"
    elif current.verdict is Verdict.DEDICATED:
        yield {"pattern": Pattern.SPIKY}, "with a spiky or seasonal pattern"
    readiness_fails = [o for o in failing if o.effect == "readiness"]
    if readiness_fails:
        yield _fix_quality(readiness_fails, book)
    else:
        for outcome in outcomes:
            rule = book.rule(outcome.rule)
            if outcome.effect == "readiness" and rule.kind == "max_rate" and rule.metric and rule.figure:
                label = rule.metric.replace("_", " ")
                article = "an" if label[0] in "aeiou" else "a"
                yield (
                    {rule.metric: rule.figure},
                    f"at {article} {label} of {text.percent(rule.figure)} or more",
                )
    # Only the sender's own levers: a change of provider is the separate provider comparison.
    if current.inputs.watcher is Watcher.NOBODY:
        yield {"watcher": Watcher.TEAM}, "with someone watching the IPs daily"
    elif current.verdict is Verdict.DEDICATED:
        yield {"watcher": Watcher.NOBODY}, "if nobody watches the IPs"


def _reach_floors(fails: list[RuleOutcome], resolved: Resolved, book: RuleBook) -> Candidate:
    sends, days, volume = resolved.sends_per_month, resolved.sending_days_per_week, resolved.monthly_volume
    gap = resolved.longest_gap_days
    amount: tuple[float, str] | None = None
    gap_figure: float | None = None
    sends_phrase, days_phrase = "", ""
    for outcome in fails:
        rule = book.rule(outcome.rule)
        figure = rule.figure or 0
        if rule.kind == "max_gap_days":
            gap = min(gap, math.ceil(figure) - 1)
            gap_figure = figure if gap_figure is None else min(gap_figure, figure)
        elif rule.kind == "min_sends_per_month":
            sends = max(sends, math.ceil(figure))
            sends_phrase = f"≥ {figure:g} sends a month"
        elif rule.kind == "min_sending_days_per_week":
            days = max(days, math.ceil(figure))
            days_phrase = f"≥ {figure:g} sending days a week"
    if gap < resolved.longest_gap_days:
        days = max(days, math.ceil(7 / max(gap, 1)))
        sends = max(sends, math.ceil(resolved.days_per_month / max(gap, 1)))
    if days > resolved.sending_days_per_week:
        sends = max(sends, round(days * resolved.weeks_per_month))
    sends = min(max(sends, days), 31)
    while sends > max_sending_days_in_month(days) and days < 7:
        days += 1
    for outcome in fails:
        rule = book.rule(outcome.rule)
        figure = rule.figure or 0
        monthly = {
            "min_monthly_volume": (figure, f"≥ {text.count(figure)}/month"),
            "min_weekly_volume": (figure * resolved.weeks_per_month, f"≥ {text.count(figure)}/week"),
            "min_daily_volume": (figure * sends, f"≥ {text.count(figure)} a sending day"),
        }.get(rule.kind)
        if monthly is not None:
            volume = max(volume, math.ceil(monthly[0]))
            if amount is None or monthly[0] > amount[0]:
                amount = monthly
    amounts = [amount[1]] if amount else []
    cadence = [days_phrase or sends_phrase] if (days_phrase or sends_phrase) else []
    if gap_figure is not None:
        cadence.append(f"no gap of {gap_figure:g} days or more")
    amounts, cadence = list(dict.fromkeys(amounts)), list(dict.fromkeys(cadence))
    parts = []
    if amounts:
        parts.append("at " + " and ".join(amounts))
    if cadence:
        parts.append("with " + " and ".join(cadence))
    changes = {
        "monthly_volume": volume,
        "sends_per_month": sends,
        "sending_days_per_week": days,
        "longest_gap_days": min(gap, resolved.longest_gap_days),
    }
    return changes, " ".join(parts)


def _drop_below_floors(
    outcomes: list[RuleOutcome], resolved: Resolved, book: RuleBook
) -> Iterator[Candidate]:
    binding: tuple[float, str] | None = None
    for outcome in outcomes:
        if outcome.effect not in {"eligibility", "evidence"}:
            continue
        rule = book.rule(outcome.rule)
        figure = rule.figure or 0
        if rule.kind == "max_gap_days" and resolved.longest_gap_days < figure:
            yield {"longest_gap_days": math.ceil(figure)}, f"with a gap of {figure:g} days between sends"
        elif rule.kind in _VOLUME_KINDS:
            monthly = {
                "min_monthly_volume": figure,
                "min_weekly_volume": figure * resolved.weeks_per_month,
                "min_daily_volume": figure * resolved.sends_per_month,
            }[rule.kind]
            unit = {
                "min_monthly_volume": "/month",
                "min_weekly_volume": "/week",
                "min_daily_volume": " a sending day",
            }
            phrase = f"below {text.count(figure)}{unit[rule.kind]}"
            if binding is None or monthly > binding[0]:
                binding = (monthly, phrase)
        elif rule.kind == "min_sends_per_month" and figure > 1:
            fewer = math.ceil(figure) - 1
            days = min(resolved.sending_days_per_week, fewer)
            changes = {"sends_per_month": fewer, "sending_days_per_week": days}
            yield changes, f"with fewer than {figure:g} sends a month"
    if binding is not None and math.ceil(binding[0]) - 1 >= resolved.sends_per_month:
        yield {"monthly_volume": math.ceil(binding[0]) - 1}, binding[1]


def _fix_quality(fails: list[RuleOutcome], book: RuleBook) -> Candidate:
    changes: dict[str, Any] = {}
    phrases = []
    for outcome in fails:
        rule = book.rule(outcome.rule)
        figure = rule.figure or 0
        if rule.kind == "max_rate" and rule.metric:
            changes[rule.metric] = figure * 0.99
            phrases.append(f"{rule.metric.replace('_', ' ')} below {text.percent(figure)}")
        elif rule.kind == "max_engagement_months":
            changes["engagement_window_months"] = math.floor(figure)
            phrases.append(f"recipients engaged within {figure:g} months")
        elif rule.kind == "requires_double_opt_in":
            changes["opt_in"] = "double"
            phrases.append("double opt-in")
    return changes, "with " + _join(phrases)


def _join(phrases: list[str]) -> str:
    if len(phrases) <= 1:
        return "".join(phrases)
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]
