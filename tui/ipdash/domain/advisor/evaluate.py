"""Each rule of the rule book, evaluated against one sender's answers.

A rule's figure, effect and source come from the data; its ``kind`` picks the comparison here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from ipdash.domain.advisor import text
from ipdash.domain.advisor.inputs import AdvisorInputs, InputProblem, OptIn, Pattern, Streams, Watcher
from ipdash.domain.advisor.result import RuleOutcome, RuleStatus
from ipdash.domain.advisor.rulebook import Rule, RuleBook


@dataclass(frozen=True, slots=True)
class Resolved:
    """The answers with every gap filled, and the assumptions made to fill them."""

    inputs: AdvisorInputs
    provider: str | None
    sends_per_month: int
    sending_days_per_week: int
    streams: Streams
    transactional_share: float
    assumptions: tuple[str, ...]
    weeks_per_month: float
    longest_gap_days: int = 1
    peak_monthly_volume: int = 0
    days_per_month: float = 30.44

    @property
    def monthly_volume(self) -> int:
        return self.inputs.monthly_volume

    @property
    def daily_volume(self) -> float:
        """Messages on a sending day."""
        return self.inputs.monthly_volume / self.sends_per_month

    @property
    def weekly_volume(self) -> float:
        return self.inputs.monthly_volume / self.weeks_per_month

    @property
    def average_gap_days(self) -> float:
        """Calendar days from one send to the next, on average (30.44 / sends a month)."""
        return self.days_per_month / self.sends_per_month

    @property
    def irregular_pattern(self) -> bool:
        return self.inputs.pattern is not Pattern.STEADY

    def stream_shares(self) -> list[tuple[str, float]]:
        if self.streams is Streams.BOTH:
            return [("transactional", self.transactional_share), ("marketing", 1 - self.transactional_share)]
        return [(self.streams.value, 1.0)]


def assumed_longest_gap(sends_per_month: int, days_per_week: int, days_per_month: float) -> int:
    """The longest gap between evenly spaced sends: a week's sends spread over the week, or a
    month's sends over the month when they are fewer than one a week."""
    return max(1, math.ceil(max(7 / days_per_week, days_per_month / sends_per_month) - 1e-9))


def resolve(inputs: AdvisorInputs, book: RuleBook) -> Resolved:
    """Fill the gaps in the answers (listing each assumption) and check the provider is known."""
    assumptions: list[str] = []
    given = inputs.model_fields_set
    provider = None
    if inputs.provider is not None:
        provider = book.provider_id(inputs.provider)
        if provider is None:
            raise InputProblem(
                "provider", f"unknown provider {inputs.provider!r} (known: {', '.join(book.providers)})"
            )
    days_per_month = book.sizing.days_per_month.value
    weeks = days_per_month / 7
    sends, days = inputs.sends_per_month, inputs.sending_days_per_week
    if sends is None and days is None:
        days = round(book.sizing.default_sending_days_per_week.value)
        sends = round(days * weeks)
        assumptions.append(f"Sending cadence not given: assumed {days} days a week ({sends} sends a month).")
    elif sends is None:
        assert days is not None
        sends = min(round(days * weeks), 31)
        assumptions.append(f"Sends per month not given: {days} days a week taken as {sends} sends a month.")
    elif days is None:
        days = max(1, min(7, round(sends / weeks)))
        assumptions.append(f"Sending days per week not given: {sends} sends a month taken as {days} a week.")
    gap = inputs.longest_gap_days
    if gap is None:
        gap = assumed_longest_gap(sends, days, days_per_month)
        assumptions.append(
            f"Longest gap between sends not given: assumed evenly spaced sends, {text.plural(gap, 'day')} apart."
        )
    if "pattern" not in given:
        assumptions.append("Sending pattern not given: assumed steady.")
    peak = inputs.peak_monthly_volume
    if peak is None:
        peak = inputs.monthly_volume
        if inputs.pattern is not Pattern.STEADY:
            ratio = book.sizing.default_peak_ratio.value
            peak = round(inputs.monthly_volume * ratio)
            assumptions.append(
                f"Peak month not given: assumed {ratio:g}× the typical month ({text.count(peak)})."
            )
    streams = inputs.streams
    if streams is None:
        streams = Streams.BOTH
        assumptions.append("Streams not given: assumed both transactional and marketing mail.")
    share = inputs.transactional_share
    if share is None:
        share = book.sizing.default_transactional_share.value
        if streams is Streams.BOTH:
            assumptions.append(f"Transactional share not given: assumed {text.percent(share)} of the volume.")
    providers = book.sizing.major_mailbox_providers.value
    assumptions.append(
        f"Mail assumed spread evenly over {providers:g} major mailbox providers (Gmail, Microsoft, "
        "Yahoo/AOL, the rest) when checking volume per mailbox provider."
    )
    for metric in ("bounce_rate", "complaint_rate", "unsubscribe_rate"):
        if getattr(inputs, metric) is None:
            assumptions.append(f"{metric.replace('_', ' ').capitalize()} not given: not assumed clean.")
    if inputs.opt_in is OptIn.UNKNOWN:
        assumptions.append("Opt-in type not given: not assumed double opt-in.")
    if "allowlisted_recipients" not in given:
        assumptions.append("Allowlisting not given: assumed recipients' servers do not allowlist your IP.")
    if "time_critical" not in given:
        assumptions.append("Time-critical mail not given: assumed none.")
    if inputs.watcher is Watcher.UNKNOWN:
        assumptions.append("Who watches the IPs not given: not assumed to be nobody.")
    if provider is None:
        assumptions.append("Provider not given: costs are shown for every provider with a known price.")
    return Resolved(
        inputs, provider, sends, days, streams, share, tuple(assumptions), weeks, gap, peak, days_per_month
    )


Evaluator = Callable[[Rule, Resolved, RuleBook], RuleOutcome | None]


def _outcome(
    rule: Rule, book: RuleBook, status: RuleStatus, detail: str, value: float | str | None = None
) -> RuleOutcome:
    figure: float | str | None = rule.figure
    return RuleOutcome(
        rule.id,
        rule.title,
        rule.effect,
        status,
        detail,
        book.source_text(rule.source),
        figure,
        value,
        book.source_short(rule.source),
    )


def _at_least(rule: Rule, book: RuleBook, value: float, unit: str) -> RuleOutcome:
    figure = rule.figure or 0
    met = value >= figure
    relation = "≥" if met else "<"
    if round(value) == 1:
        unit = unit.replace("sends ", "send ").replace("days ", "day ")
    detail = f"{text.count(value)} {unit} {relation} {text.count(figure)}"
    return _outcome(rule, book, RuleStatus.PASS if met else RuleStatus.FAIL, detail, round(value, 2))


def _min_monthly(rule: Rule, r: Resolved, book: RuleBook) -> RuleOutcome:
    return _at_least(rule, book, r.monthly_volume, "a month")


def _min_weekly(rule: Rule, r: Resolved, book: RuleBook) -> RuleOutcome:
    return _at_least(rule, book, r.weekly_volume, "a week")


def _min_daily(rule: Rule, r: Resolved, book: RuleBook) -> RuleOutcome:
    return _at_least(rule, book, r.daily_volume, "a sending day")


def _min_sends(rule: Rule, r: Resolved, book: RuleBook) -> RuleOutcome:
    return _at_least(rule, book, r.sends_per_month, "sends a month")


def _min_days(rule: Rule, r: Resolved, book: RuleBook) -> RuleOutcome:
    return _at_least(rule, book, r.sending_days_per_week, "sending days a week")


def _per_mailbox_provider(rule: Rule, r: Resolved, book: RuleBook) -> RuleOutcome:
    providers = book.sizing.major_mailbox_providers.value
    outcome = _at_least(
        rule, book, r.daily_volume / providers, f"per mailbox provider a sending day (÷{providers:g})"
    )
    return outcome


def _max_gap(rule: Rule, r: Resolved, book: RuleBook) -> RuleOutcome:
    figure = rule.figure or 0
    gap = r.longest_gap_days
    met = gap < figure
    assumed = "" if r.inputs.longest_gap_days is not None else " (assumed from the cadence)"
    detail = f"longest gap {text.plural(gap, 'day')}{assumed} {'<' if met else '≥'} {figure:g}"
    return _outcome(rule, book, RuleStatus.PASS if met else RuleStatus.FAIL, detail, gap)


def _steady(rule: Rule, r: Resolved, book: RuleBook) -> RuleOutcome:
    pattern = r.inputs.pattern
    if "pattern" not in r.inputs.model_fields_set:
        return _outcome(rule, book, RuleStatus.PASS, "pattern not given: assumed steady", pattern.value)
    if pattern is Pattern.STEADY:
        return _outcome(rule, book, RuleStatus.PASS, "volume is steady", pattern.value)
    return _outcome(rule, book, RuleStatus.FAIL, f"volume is {pattern.value}, not steady", pattern.value)


def _max_rate(rule: Rule, r: Resolved, book: RuleBook) -> RuleOutcome:
    assert rule.metric is not None
    figure = rule.figure or 0
    label = rule.metric.replace("_", " ")
    value: float | None = getattr(r.inputs, rule.metric)
    if value is None:
        return _outcome(rule, book, RuleStatus.UNKNOWN, f"{label} not given (needs < {text.percent(figure)})")
    met = value < figure
    detail = f"{label} {text.percent(value)} {'<' if met else '≥'} {text.percent(figure)}"
    return _outcome(rule, book, RuleStatus.PASS if met else RuleStatus.FAIL, detail, value)


def _double_opt_in(rule: Rule, r: Resolved, book: RuleBook) -> RuleOutcome:
    opt_in = r.inputs.opt_in
    outcome = _outcome(rule, book, RuleStatus.UNKNOWN, "opt-in type not given", opt_in.value)
    if opt_in is OptIn.DOUBLE:
        outcome = _outcome(rule, book, RuleStatus.PASS, "double opt-in", opt_in.value)
    elif opt_in is OptIn.SINGLE:
        outcome = _outcome(rule, book, RuleStatus.FAIL, "single opt-in, not double", opt_in.value)
    return outcome


def _engagement(rule: Rule, r: Resolved, book: RuleBook) -> RuleOutcome:
    months = r.inputs.engagement_window_months
    figure = rule.figure or 0
    if months is None:
        return _outcome(rule, book, RuleStatus.UNKNOWN, "engagement window not given")
    met = months <= figure
    detail = f"recipients engaged within {months} months {'≤' if met else '>'} {figure:g}"
    return _outcome(rule, book, RuleStatus.PASS if met else RuleStatus.FAIL, detail, months)


def _allowlisted(rule: Rule, r: Resolved, book: RuleBook) -> RuleOutcome | None:
    if not r.inputs.allowlisted_recipients:
        return None
    return _outcome(rule, book, RuleStatus.APPLIES, "recipients' servers allowlist the sending IP", "yes")


def _watched(rule: Rule, r: Resolved, book: RuleBook) -> RuleOutcome:
    watcher = r.inputs.watcher
    if watcher is Watcher.UNKNOWN:
        return _outcome(rule, book, RuleStatus.UNKNOWN, "who watches the IPs not given", watcher.value)
    if watcher is Watcher.NOBODY:
        return _outcome(rule, book, RuleStatus.FAIL, "nobody will watch the IPs", watcher.value)
    label = "someone checks daily" if watcher is Watcher.TEAM else "someone looks now and then"
    return _outcome(rule, book, RuleStatus.PASS, label, watcher.value)


def _isolate(rule: Rule, r: Resolved, book: RuleBook) -> RuleOutcome | None:
    if r.streams is not Streams.BOTH:
        return None
    return _outcome(
        rule, book, RuleStatus.APPLIES, "transactional and marketing mail get separate pools", "both"
    )


def _time_critical(rule: Rule, r: Resolved, book: RuleBook) -> RuleOutcome | None:
    if not r.inputs.time_critical:
        return None
    return _outcome(rule, book, RuleStatus.APPLIES, "time-critical mail needs its own pool or stream", "yes")


def _mandatory(rule: Rule, r: Resolved, book: RuleBook) -> RuleOutcome | None:
    figure = rule.figure or 0
    if r.monthly_volume <= figure:
        return None
    detail = f"{text.count(r.monthly_volume)} a month > {text.count(figure)}"
    return _outcome(rule, book, RuleStatus.APPLIES, detail, r.monthly_volume)


EVALUATORS: dict[str, Evaluator] = {
    "min_monthly_volume": _min_monthly,
    "min_weekly_volume": _min_weekly,
    "min_daily_volume": _min_daily,
    "min_sends_per_month": _min_sends,
    "min_sending_days_per_week": _min_days,
    "max_gap_days": _max_gap,
    "steady_pattern": _steady,
    "min_daily_per_mailbox_provider": _per_mailbox_provider,
    "max_rate": _max_rate,
    "requires_double_opt_in": _double_opt_in,
    "max_engagement_months": _engagement,
    "allowlisted_recipients": _allowlisted,
    "ips_watched": _watched,
    "isolate_streams": _isolate,
    "time_critical": _time_critical,
    "mandatory_above_monthly": _mandatory,
}


def evaluate_rules(resolved: Resolved, book: RuleBook) -> list[RuleOutcome]:
    """Every rule that applies to the sender's provider, in rule-book order; trigger rules
    that did not trigger are left out."""
    outcomes = []
    for rule in book.rules:
        if not rule.applies_to(resolved.provider):
            continue
        outcome = EVALUATORS[rule.kind](rule, resolved, book)
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes
