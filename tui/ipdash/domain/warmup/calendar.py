"""Warm-up in calendar time: where each send of a warm-up falls, and the cap it meets.

A sending-day schedule advances one step per send, so its calendar length follows the sender's
cadence (30.44 / sends a month days between sends), never a weekly floor. Two provider
mechanisms run on the calendar instead: a time-based ramp (Amazon SES standard: a curve by
calendar day, done in about 45 days whatever is sent) and weekly caps (Salesforce: a daily cap
per IP by warm-up week). Pure functions; the advisor's preview uses them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ipdash.domain.warmup.plans import WarmupPlan


@dataclass(frozen=True, slots=True)
class CalendarSend:
    """One send of the warm-up: its number, the calendar day it falls on (day 1 = the first
    send), the cap per IP that day, and what the sender plans to send per IP."""

    send: int
    calendar_day: int
    cap: int
    planned: int

    @property
    def held_back(self) -> int:
        """What the cap keeps out of this send per IP (overflow to shared/warm IPs, or wait)."""
        return max(0, self.planned - self.cap)


def send_calendar_day(send: int, average_gap_days: float) -> int:
    """The calendar day of the ``send``-th send (from 1) at this average gap between sends."""
    if send < 1:
        raise ValueError("sends are numbered from 1")
    return 1 + math.floor((send - 1) * average_gap_days + 0.5)


def sending_day_calendar(
    plan: WarmupPlan, average_gap_days: float, planned: int, shown: int
) -> tuple[int, tuple[CalendarSend, ...]]:
    """A sending-day schedule on the sender's cadence: calendar days to the target, and the
    first ``shown`` sends with their caps."""
    total = plan.sending_days_to_target
    calendar = send_calendar_day(total, average_gap_days)
    sends = tuple(
        CalendarSend(n, send_calendar_day(n, average_gap_days), plan.limit_for(n), planned)
        for n in range(1, min(shown, total) + 1)
    )
    return calendar, sends


def time_based_calendar(
    curve: Sequence[int],
    ramp_days: int,
    average_gap_days: float,
    planned: int,
    shown: int,
    continuation: WarmupPlan | None = None,
) -> tuple[int, tuple[CalendarSend, ...]]:
    """A ramp by calendar day (``curve[c - 1]`` on day ``c``) that ends after ``ramp_days`` whatever
    is sent. A target above the curve's end continues on ``continuation``'s sending days past it."""
    if not curve:
        raise ValueError("a time-based ramp needs a curve")

    def cap_on(day: int) -> int:
        if day <= len(curve):
            return curve[day - 1]
        if continuation is not None:
            beyond = math.ceil((day - ramp_days) / max(average_gap_days, 1e-9))
            return continuation.limit_for(len(curve) + max(1, beyond))
        return curve[-1]

    calendar = ramp_days
    if planned > curve[-1] and continuation is not None:
        extra = max(0, continuation.sending_days_to_target - len(curve))
        calendar = ramp_days + math.ceil(extra * average_gap_days)
    sends: list[CalendarSend] = []
    for n in range(1, shown + 1):
        day = send_calendar_day(n, average_gap_days)
        if day > calendar and sends:
            break
        sends.append(CalendarSend(n, day, min(cap_on(day), max(planned, 1)), planned))
    return calendar, tuple(sends)


def weekly_caps_calendar(
    weekly_caps: Sequence[int],
    average_gap_days: float,
    planned: int,
    shown: int,
    min_calendar_days: int = 1,
) -> tuple[int | None, tuple[CalendarSend, ...]]:
    """Caps per IP by warm-up week (``weekly_caps[w]`` in week ``w + 1``, the last one after).
    Calendar days: the first day of the week whose cap takes the planned send, at least
    ``min_calendar_days``; None when even the last week's cap is below it."""
    if not weekly_caps:
        raise ValueError("weekly caps are empty")

    def cap_on(day: int) -> int:
        return weekly_caps[min((day - 1) // 7, len(weekly_caps) - 1)]

    week = next((index for index, cap in enumerate(weekly_caps) if cap >= planned), None)
    calendar = None if week is None else max(min_calendar_days, 7 * week + 1)
    sends: list[CalendarSend] = []
    for n in range(1, shown + 1):
        day = send_calendar_day(n, average_gap_days)
        if calendar is not None and day > calendar and sends:
            break
        sends.append(CalendarSend(n, day, cap_on(day), planned))
    return calendar, tuple(sends)
