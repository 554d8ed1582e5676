"""The warm-up a dedicated plan implies, in calendar days from the sender's cadence and the
chosen provider's mechanism (sending-day schedule, time-based ramp, weekly caps, adaptive)."""

from __future__ import annotations

import math

from ipdash.domain.advisor import text
from ipdash.domain.advisor.evaluate import Resolved
from ipdash.domain.advisor.result import Pool, WarmupPreview, WarmupSend
from ipdash.domain.advisor.rulebook import RuleBook, WarmupMechanism
from ipdash.domain.warmup import PlanError, build_plan
from ipdash.domain.warmup.calendar import (
    CalendarSend,
    sending_day_calendar,
    time_based_calendar,
    weekly_caps_calendar,
)
from ipdash.domain.warmup.schedules import builtin_schedules

PREVIEW_SENDS = 10
ENGINE = "ipdash.domain.warmup"


def mechanism_for(resolved: Resolved, book: RuleBook) -> WarmupMechanism:
    """The provider's own warm-up mechanism, else the default schedule on sending days."""
    if resolved.provider is not None:
        own = book.providers[resolved.provider].warmup
        if own is not None:
            return own
    return WarmupMechanism(
        mechanism="sending-days",
        schedule=book.warmup.default_schedule,
        note=book.warmup.note,
        source=book.warmup.source,
    )


def choose_schedule(resolved: Resolved, book: RuleBook) -> str:
    return mechanism_for(resolved, book).schedule or book.warmup.default_schedule


def no_warmup(note: str) -> WarmupPreview:
    return WarmupPreview(None, None, None, None, (), note, "none", mechanism="none")


def managed_warmup(resolved: Resolved, book: RuleBook) -> WarmupPreview:
    """Managed IPs warm adaptively per mailbox provider: a range, no schedule to follow."""
    provider = resolved.provider or next(iter(book.managed_providers()), None)
    own = book.providers[provider].warmup if provider is not None else None
    low = own.calendar_days_min if own is not None else None
    high = own.calendar_days_max if own is not None else None
    span = f"about {text.plural(low, 'day')} to {text.plural(high, 'day')}" if low and high else "unknown"
    note = (
        f"Managed dedicated IPs warm up adaptively per mailbox provider ({span}); there is no schedule "
        "to follow, and the warm-up drops again when volume to a mailbox provider drops."
    )
    return WarmupPreview(
        None, None, None, high, (), note, "provider", mechanism="adaptive", calendar_days_min=low
    )


def _idle_days(book: RuleBook) -> float | None:
    for rule in book.rules:
        if rule.kind == "max_gap_days" and rule.effect == "eligibility" and rule.figure:
            return rule.figure
    return None


def preview_warmup(resolved: Resolved, book: RuleBook, pools: list[Pool]) -> WarmupPreview:
    """Warm every dedicated IP to its pool's peak send per IP; the slowest pool sets the length."""
    dedicated = [pool for pool in pools if pool.ips > 0]
    if not dedicated:
        return no_warmup("No dedicated IPs: nothing to warm up.")
    peak_ratio = resolved.peak_monthly_volume / resolved.monthly_volume
    base = max(math.ceil(pool.daily_volume / pool.ips) for pool in dedicated)
    target = max(1, math.ceil(base * peak_ratio))
    mechanism = mechanism_for(resolved, book)
    schedule = mechanism.schedule or book.warmup.default_schedule
    gap = resolved.average_gap_days
    idle = _idle_days(book)
    if idle is not None and resolved.longest_gap_days >= idle:
        note = (
            f"The warm-up does not hold: {text.plural(resolved.longest_gap_days, 'day')} between sends is "
            f"past the {idle:g}-day idle limit, so each send starts on a cold IP (re-warm after 30 idle "
            "days). Send at least every few days, or stay on shared IPs."
        )
        return WarmupPreview(schedule, None, target, None, (), note, ENGINE, mechanism=mechanism.mechanism)
    try:
        plan = build_plan(schedule, target)
    except PlanError as error:
        return WarmupPreview(
            schedule, None, target, None, (), f"No plan: {error}", ENGINE, mechanism=mechanism.mechanism
        )
    calendar: int | None
    if mechanism.mechanism == "time-based" and mechanism.calendar_days:
        curve = builtin_schedules()[schedule].daily_limits
        calendar, sends = time_based_calendar(
            curve, mechanism.calendar_days, gap, target, PREVIEW_SENDS, plan
        )
        how = f"{mechanism.note} "
    elif mechanism.mechanism == "weekly-caps" and mechanism.weekly_caps:
        calendar, sends = weekly_caps_calendar(
            mechanism.weekly_caps, gap, target, PREVIEW_SENDS, mechanism.min_calendar_days or 1
        )
        how = f"{mechanism.note} "
    else:
        calendar, sends = sending_day_calendar(plan, gap, target, PREVIEW_SENDS)
        how = (
            f"{schedule} schedule: {text.plural(plan.sending_days_to_target, 'send')} to reach "
            f"{text.count(target)} per IP, one step per send, about {gap:.1f} days apart. "
        )
    length = "unknown" if calendar is None else f"about {text.plural(calendar, 'calendar day')}"
    note = f"{how}Warm-up: {length} to {text.count(target)} a send per IP."
    if peak_ratio > 1:
        note += f" Warm to the peak ({text.count(target)}), not the base ({text.count(base)}): Braze."
    stops = mechanism.stops_after_idle_days
    if stops is not None and resolved.longest_gap_days >= stops:
        note += (
            f" Sends {text.plural(resolved.longest_gap_days, 'day')} apart: the automated warm-up switches "
            f"off after {stops} days without progression."
        )
    held = [send for send in sends if send.planned > send.cap]
    if held:
        note += (
            f" The first {text.plural(len(held), 'send')} exceed the cap per IP: the rest goes through the "
            "provider's shared or already-warm IPs, or waits."
        )
    return WarmupPreview(
        schedule,
        plan.sending_days_to_target,
        target,
        calendar,
        tuple((day.day, day.daily_limit) for day in plan.days[:PREVIEW_SENDS]),
        note,
        ENGINE,
        sends=tuple(_send(send) for send in sends),
        mechanism=mechanism.mechanism,
    )


def _send(send: CalendarSend) -> WarmupSend:
    return WarmupSend(send.send, send.calendar_day, send.cap, send.planned)
