"""When the warm-up will finish at the current pace, and the caps of the next sending days."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta
from itertools import islice

from ipdash.domain.warmup.plans import WarmupPlan, sending_dates
from ipdash.domain.warmup.results import DayOutcome, NextAction, UpcomingDay

#: The pace is measured over this many recent sending days.
PACE_WINDOW_SENDING_DAYS = 14
#: Weekdays the IP actually sends on are read from this many recent calendar days.
WEEKDAY_WINDOW_DAYS = 28
UPCOMING_DAYS = 5


def project_completion(
    plan: WarmupPlan, run: Sequence[DayOutcome], day: int, today: date
) -> tuple[date | None, str]:
    """The projected date of the last plan day, given the plan day to send next.

    Pace = plan days advanced per sending day over the recent sending days; the
    dates fall on the weekdays the IP has been sending on (else the plan's).
    """
    remaining = plan.sending_days_to_target - day + 1
    if remaining <= 0:
        return (run[-1].date if run else today), "warm-up complete"
    recent = list(run[-PACE_WINDOW_SENDING_DAYS:])
    if recent:
        advances = sum(1 for outcome in recent if outcome.action is NextAction.ADVANCE)
        if advances == 0:
            return None, f"no advance in the last {len(recent)} sending days: no end date at this pace"
        pace = advances / len(recent)
        basis = f"{advances} advances in the last {len(recent)} sending days"
    else:
        pace, basis = 1.0, "one plan day per sending day"
    needed = math.ceil(remaining / pace)
    weekdays = _recent_weekdays(run, today) or plan.sending_weekdays
    last = _nth_sending_date(_first_open_day(plan, run, today), weekdays, needed)
    return last, f"{remaining} plan days left at {basis}"


def upcoming_days(
    plan: WarmupPlan, day: int, run: Sequence[DayOutcome], today: date, count: int = UPCOMING_DAYS
) -> tuple[UpcomingDay, ...]:
    """The next ``count`` plan days from ``day``, dated on sending weekdays if each one advances."""
    days = range(day, min(plan.sending_days_to_target, day + count - 1) + 1)
    weekdays = _recent_weekdays(run, today) or plan.sending_weekdays
    dates = sending_dates(_first_open_day(plan, run, today), weekdays)
    return tuple(UpcomingDay(number, next(dates), plan.limit_for(number)) for number in days)


def _recent_weekdays(run: Sequence[DayOutcome], today: date) -> frozenset[int]:
    """Weekdays sent on lately; empty when under a week of history says too little about the habit."""
    if not run or (today - run[0].date).days < 7:
        return frozenset()
    return frozenset(o.date.weekday() for o in run if (today - o.date).days < WEEKDAY_WINDOW_DAYS)


def _first_open_day(plan: WarmupPlan, run: Sequence[DayOutcome], today: date) -> date:
    """The first day that can still take the next plan day: tomorrow if today already sent."""
    first = today + timedelta(days=1) if run and run[-1].date >= today else today
    if plan.start is not None and plan.start > first:
        first = plan.start
    return first


def _nth_sending_date(first: date, weekdays: frozenset[int], count: int) -> date:
    return next(islice(sending_dates(first, weekdays), count - 1, None))
