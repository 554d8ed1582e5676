"""Warm-up progress: replay the IP's sending days against its plan and say what to send next.

Progress counts sending days (days the IP actually sent), not calendar days. Each
sending day is judged against the cap of the plan day that applied to it:
advance when enough was delivered and no metric warned, hold on a warn or a
short day, step back to the last clean day on a critical breach. A gap longer
than the re-warm idle limit restarts the plan at day 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from ipdash.domain.models import ProviderWarmup, canonical_ip
from ipdash.domain.warmup.eta import project_completion, upcoming_days
from ipdash.domain.warmup.plans import WarmupPlan
from ipdash.domain.warmup.provider_view import apply_provider_state
from ipdash.domain.warmup.results import (
    DayOutcome,
    DayVolume,
    MailboxProviderProgress,
    NextAction,
    NextStep,
    Severity,
    WarmupProgress,
    WarmupState,
    parse_severity,
)
from ipdash.domain.warmup.schedules import rule
from ipdash.domain.warmup.split import OTHER

#: How a judged day's outcome turns into the next step's rule (name in the data file).
_RULE_FOR_ACTION = {
    NextAction.ADVANCE: "advance",
    NextAction.HOLD: "advance",
    NextAction.STEP_BACK: "step_back_on_critical",
}


@dataclass(slots=True)
class _Walk:
    """The replay's running state."""

    day: int = 1
    last_good_day: int = 0
    outcomes: list[DayOutcome] = field(default_factory=list)
    run_start: int = 0  # index in outcomes where the current run (after the last re-warm reset) began
    volumes: list[DayVolume] = field(default_factory=list)


def assess_warmup(
    ip: str,
    plan: WarmupPlan,
    daily: Sequence[DayVolume],
    *,
    today: date,
    severity_by_day: Mapping[date, str] | None = None,
    spamhaus_listed: bool | None = None,
    provider_state: ProviderWarmup | None = None,
    advance_fraction: float = 0.9,
    rewarm_idle_days: int = 30,
    target_source: str = "",
) -> WarmupProgress:
    """Where ``ip`` stands in ``plan`` on ``today``, given what it sent each day.

    ``severity_by_day`` is the worst metric severity per day (ok / warn /
    critical; None: metrics were not judged). ``spamhaus_listed`` is None when
    no blocklist results exist.
    """
    if not 0 < advance_fraction <= 1:
        raise ValueError(f"advance fraction must be in (0, 1], not {advance_fraction}")
    if rewarm_idle_days < 1:
        raise ValueError(f"re-warm idle days must be at least 1, not {rewarm_idle_days}")
    ip = canonical_ip(ip)
    severities = {day: parse_severity(value) for day, value in (severity_by_day or {}).items()}
    walk = _replay(
        plan, _sending_days(daily, plan.start, today), severities, advance_fraction, rewarm_idle_days
    )
    state, reason, step = _overall(plan, walk, today, spamhaus_listed, rewarm_idle_days)
    if severity_by_day is None and step.action is NextAction.ADVANCE:
        step = _with_reason(
            step, step.reason + "; metrics were not judged: check bounces and complaints first"
        )
    run = walk.outcomes[walk.run_start :]
    if state is WarmupState.COMPLETE:
        eta, eta_reason = _finished_on(plan, walk), "warm-up complete"
    elif state is WarmupState.NEEDS_REWARM:
        eta, eta_reason = project_completion(plan, [], 1, today)
    else:
        eta, eta_reason = project_completion(plan, run, walk.day, today)
    next_day = step.day if step.day is not None else walk.day
    progress = WarmupProgress(
        ip=ip,
        state=state,
        reason=reason,
        next_step=step,
        plan=plan,
        target_source=target_source,
        day=walk.day if state is not WarmupState.NEEDS_REWARM else 1,
        last=walk.outcomes[-1] if walk.outcomes else None,
        history=tuple(walk.outcomes),
        today=today,
        eta=eta,
        eta_reason=eta_reason,
        upcoming=() if state is WarmupState.COMPLETE else upcoming_days(plan, next_day, run, today),
        per_mailbox_provider=_per_provider(plan, walk, advance_fraction),
        metrics_judged=severity_by_day is not None,
        run_start=walk.run_start,
    )
    return apply_provider_state(progress, provider_state) if provider_state is not None else progress


def _sending_days(daily: Sequence[DayVolume], start: date | None, today: date) -> list[DayVolume]:
    seen: set[date] = set()
    for volume in daily:
        if volume.day in seen:
            raise ValueError(f"{volume.day}: two volume records for the same day")
        seen.add(volume.day)
    return sorted(
        (v for v in daily if v.sent > 0 and v.day <= today and (start is None or v.day >= start)),
        key=lambda v: v.day,
    )


def _replay(
    plan: WarmupPlan,
    volumes: list[DayVolume],
    severities: Mapping[date, Severity | None],
    fraction: float,
    idle_limit: int,
) -> _Walk:
    walk = _Walk()
    for volume in volumes:
        if walk.volumes and (volume.day - walk.volumes[-1].day).days > idle_limit:
            walk.day, walk.last_good_day, walk.run_start = 1, 0, len(walk.outcomes)
        outcome = _judge_day(plan, walk, volume, severities.get(volume.day), fraction)
        walk.outcomes.append(outcome)
        walk.volumes.append(volume)
    return walk


def _judge_day(
    plan: WarmupPlan, walk: _Walk, volume: DayVolume, severity: Severity | None, fraction: float
) -> DayOutcome:
    """Judge one sending day and move ``walk`` to the plan day for the next one."""
    day, cap = walk.day, plan.limit_for(walk.day)
    # Delivered above sent is a data error; never let it advance the plan further than sent would.
    counted = min(volume.delivered, volume.sent) if volume.delivered is not None else volume.sent
    counted_word = "delivered" if volume.delivered is not None else "sent (delivered not reported)"
    share = counted / cap
    over = volume.sent > cap

    def outcome(state: WarmupState, action: NextAction, reason: str) -> DayOutcome:
        return DayOutcome(
            volume.day, day, cap, volume.sent, volume.delivered, severity, state, action, reason
        )

    if day > plan.sending_days_to_target:
        return outcome(WarmupState.COMPLETE, NextAction.KEEP, f"warm-up complete; sent {volume.sent:,}")
    if severity == "critical":
        walk.day = max(1, walk.last_good_day)
        return outcome(
            WarmupState.STEPPED_BACK,
            NextAction.STEP_BACK,
            f"a metric crossed its critical level: back to day {walk.day} "
            f"({plan.limit_for(walk.day):,}/day), the last day delivered cleanly",
        )
    if severity == "warn":
        return outcome(
            WarmupState.HELD, NextAction.HOLD, f"a metric is in its warn zone: hold day {day} at {cap:,}/day"
        )
    if share >= fraction:
        walk.last_good_day, walk.day = day, day + 1
        if over:
            return outcome(
                WarmupState.OVER_CAP,
                NextAction.ADVANCE,
                f"sent {volume.sent:,}, {volume.sent - cap:,} over day {day}'s cap of {cap:,}",
            )
        return outcome(
            WarmupState.ON_TRACK,
            NextAction.ADVANCE,
            f"{counted_word} {counted:,} of {cap:,} ({share:.0%} ≥ {fraction:.0%}): day {day} done",
        )
    if over:
        return outcome(
            WarmupState.OVER_CAP,
            NextAction.HOLD,
            f"sent {volume.sent:,}, over day {day}'s cap of {cap:,}, yet only {counted:,} delivered "
            f"({share:.0%} < {fraction:.0%}): repeat day {day}",
        )
    return outcome(
        WarmupState.UNDER_SENDING,
        NextAction.HOLD,
        f"{counted_word} {counted:,} of {cap:,} ({share:.0%} < {fraction:.0%}): repeat day {day}",
    )


def _overall(
    plan: WarmupPlan, walk: _Walk, today: date, spamhaus_listed: bool | None, idle_limit: int
) -> tuple[WarmupState, str, NextStep]:
    first = plan.days[0]
    if not walk.outcomes:
        if plan.start is not None and today > plan.start:
            reason = f"nothing sent since the warm-up start on {plan.start.isoformat()}"
            return WarmupState.UNDER_SENDING, reason, _step(NextAction.START, plan, 1, "advance", reason)
        when = f"on {plan.start.isoformat()}" if plan.start is not None and today < plan.start else "now"
        reason = f"warm-up starts {when} with day 1 at {first.daily_limit:,}/day"
        return WarmupState.ON_TRACK, reason, _step(NextAction.START, plan, 1, "advance", reason)
    last = walk.outcomes[-1]
    idle = (today - last.date).days
    if idle > idle_limit:
        reason = f"nothing sent for {idle} days (more than {idle_limit}): reputation has lapsed"
        step_reason = f"warm up again from day 1 at {first.daily_limit:,}/day"
        return (
            WarmupState.NEEDS_REWARM,
            reason,
            _step(NextAction.REWARM, plan, 1, "rewarm_after_idle", step_reason),
        )
    if spamhaus_listed:
        reason = "listed by Spamhaus: major mailbox providers reject this IP's mail"
        pause = rule("pause_on_spamhaus")
        step = NextStep(NextAction.PAUSE, walk.day, None, pause.text, pause.source, "pause until delisted")
        return WarmupState.HELD, reason, step
    if walk.day > plan.sending_days_to_target:
        finished = _finished_on(plan, walk)
        reason = (
            f"reached the target {plan.target_daily:,}/day on {finished.isoformat() if finished else '?'}"
        )
        step = NextStep(
            NextAction.KEEP,
            None,
            plan.target_daily,
            "Keep volume steady; grow gradually beyond the target.",
            plan.source,
            f"keep sending about {plan.target_daily:,}/day; avoid sudden jumps",
        )
        return WarmupState.COMPLETE, reason, step
    reason = last.reason + (f"; last sent {idle} days ago" if idle >= 2 else "")
    if last.action is NextAction.ADVANCE:
        cap = plan.limit_for(walk.day)
        step_reason = f"send day {walk.day} at up to {cap:,}"
        if last.state is WarmupState.OVER_CAP:
            step_reason += " and stay under the cap"
        return last.state, reason, _step(NextAction.ADVANCE, plan, walk.day, "advance", step_reason)
    rule_name = _RULE_FOR_ACTION.get(last.action, "advance")
    if last.state is WarmupState.HELD:
        rule_name = "hold_on_warn"
    step_reason = f"send day {walk.day} at up to {plan.limit_for(walk.day):,} again"
    if last.action is NextAction.STEP_BACK:
        step_reason = f"send day {walk.day} at up to {plan.limit_for(walk.day):,} until the metrics recover"
    return last.state, reason, _step(last.action, plan, walk.day, rule_name, step_reason)


def _finished_on(plan: WarmupPlan, walk: _Walk) -> date | None:
    """The date the last plan day was delivered in the current run."""
    last_day = plan.sending_days_to_target
    run = walk.outcomes[walk.run_start :]
    return next(
        (o.date for o in reversed(run) if o.plan_day == last_day and o.action is NextAction.ADVANCE), None
    )


def _step(action: NextAction, plan: WarmupPlan, day: int, rule_name: str, reason: str) -> NextStep:
    cited = rule(rule_name)
    return NextStep(action, day, plan.limit_for(day), cited.text, cited.source, reason)


def _with_reason(step: NextStep, reason: str) -> NextStep:
    return NextStep(step.action, step.day, step.daily_limit, step.rule, step.source, reason)


def _per_provider(plan: WarmupPlan, walk: _Walk, fraction: float) -> tuple[MailboxProviderProgress, ...]:
    """The last sending day per mailbox provider, when both the plan and the data split by provider."""
    if not walk.outcomes or not walk.volumes[-1].per_mailbox_provider:
        return ()
    last = walk.outcomes[-1]
    limits = plan.provider_limits_for(last.plan_day)
    if not limits:
        return ()
    sent_by_provider = {name.lower(): count for name, count in walk.volumes[-1].per_mailbox_provider.items()}
    if OTHER in limits:
        sent_by_provider[OTHER] = sent_by_provider.get(OTHER, 0) + sum(
            count for name, count in sent_by_provider.items() if name not in limits
        )
    result = []
    for provider, cap in sorted(limits.items()):
        sent = sent_by_provider.get(provider, 0)
        if sent > cap:
            state, reason = WarmupState.OVER_CAP, f"sent {sent:,}, {sent - cap:,} over its cap of {cap:,}"
        elif sent < fraction * cap:
            state, reason = WarmupState.UNDER_SENDING, f"sent {sent:,} of its {cap:,} ({sent / cap:.0%})"
        else:
            state, reason = WarmupState.ON_TRACK, f"sent {sent:,} of its {cap:,}"
        result.append(MailboxProviderProgress(provider, cap, sent, state, reason))
    return tuple(result)
