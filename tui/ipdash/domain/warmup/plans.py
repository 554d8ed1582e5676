"""Turning a schedule and a target into a day-by-day plan on the sender's sending days."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import repeat
from typing import Any

from ipdash.domain.warmup.schedules import MAX_PLAN_DAYS, PlanError, Schedule, builtin_schedules
from ipdash.domain.warmup.split import apportion, normalise_provider, normalise_split

ALL_WEEKDAYS: frozenset[int] = frozenset(range(7))
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: Largest daily target accepted: far above any single IP's capacity (SparkPost: 2-5M/day per IP).
MAX_TARGET_DAILY = 1_000_000_000


@dataclass(frozen=True, slots=True)
class PlanDay:
    """One sending day of a plan: day 1 is the first sending day."""

    day: int
    date: date | None
    daily_limit: int
    per_mailbox_provider: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "date": self.date.isoformat() if self.date else None,
            "daily_limit": self.daily_limit,
            "per_mailbox_provider": dict(self.per_mailbox_provider),
        }


@dataclass(frozen=True, slots=True)
class WarmupPlan:
    schedule: str
    target_daily: int
    days: tuple[PlanDay, ...]
    sending_weekdays: frozenset[int] = ALL_WEEKDAYS
    start: date | None = None
    source: str = ""
    derived: bool = False

    @property
    def sending_days_to_target(self) -> int:
        return len(self.days)

    def limit_for(self, day: int) -> int:
        """The cap of plan day ``day``; past the last day the target is the cap."""
        if day < 1:
            raise ValueError("plan days start at 1")
        return self.days[day - 1].daily_limit if day <= len(self.days) else self.target_daily

    def provider_limits_for(self, day: int) -> dict[str, int]:
        if 1 <= day <= len(self.days):
            return dict(self.days[day - 1].per_mailbox_provider)
        return dict(self.days[-1].per_mailbox_provider)

    def to_json(self) -> dict[str, Any]:
        return {
            "schedule": self.schedule,
            "target_daily": self.target_daily,
            "days": [day.to_json() for day in self.days],
            "sending_days_to_target": self.sending_days_to_target,
        }


def parse_weekdays(text: str) -> frozenset[int]:
    """``"mon,tue,fri"`` or ``"mon-fri"`` → weekday numbers (0 = Monday)."""
    days: set[int] = set()
    for part in (piece.strip().lower() for piece in text.split(",")):
        if not part:
            continue
        if "-" in part:
            first, _, last = part.partition("-")
            start, end = _weekday(first), _weekday(last)
            span = range(start, end + 1) if start <= end else [*range(start, 7), *range(end + 1)]
            days.update(span)
        else:
            days.add(_weekday(part))
    if not days:
        raise PlanError("no sending days given (e.g. mon,tue,wed,thu,fri)")
    return frozenset(days)


def _weekday(name: str) -> int:
    cleaned = name.strip()
    for index, (short, full) in enumerate(zip(WEEKDAY_NAMES, _FULL_WEEKDAY_NAMES, strict=True)):
        if cleaned in (short, full):
            return index
    raise PlanError(f"{name!r} is not a weekday (mon, tue, wed, thu, fri, sat, sun)")


def sending_dates(start: date, weekdays: frozenset[int]) -> Iterator[date]:
    """Every date from ``start`` on that falls on a sending weekday."""
    current = start
    while True:
        if current.weekday() in weekdays:
            yield current
        current += timedelta(days=1)


def build_plan(
    schedule: str | Schedule,
    target_daily: int,
    *,
    start: date | None = None,
    sending_weekdays: frozenset[int] = ALL_WEEKDAYS,
    mailbox_split: Mapping[str, float] | None = None,
    provider_caps: Mapping[str, int] | None = None,
    schedules: Mapping[str, Schedule] | None = None,
) -> WarmupPlan:
    """The plan that follows ``schedule`` up to ``target_daily`` messages per sending day.

    A table is followed exactly and capped at the target; past its end the
    schedule's continuation rule applies. The last day reaches the target.
    """
    resolved = resolve_schedule(schedule, schedules)
    if isinstance(target_daily, bool) or not isinstance(target_daily, int) or target_daily < 1:
        raise PlanError(f"target daily volume must be a positive whole number, not {target_daily!r}")
    if target_daily > MAX_TARGET_DAILY:
        raise PlanError(f"target daily volume {target_daily:,} is above the supported {MAX_TARGET_DAILY:,}")
    weekdays = frozenset(sending_weekdays)
    if not weekdays or not weekdays <= ALL_WEEKDAYS:
        raise PlanError("sending weekdays must be a non-empty set of 0 (Monday) to 6 (Sunday)")
    volumes = list(_volumes(resolved, target_daily))
    mixes = _provider_mixes(resolved, len(volumes), mailbox_split)
    caps = _check_caps(provider_caps, mixes)
    dates: Iterator[date | None] = sending_dates(start, weekdays) if start else repeat(None)
    days: list[PlanDay] = []
    for index, volume in enumerate(volumes):
        per_provider = apportion(volume, mixes[index], caps) if mixes else {}
        limit = sum(per_provider.values()) if per_provider else volume
        days.append(
            PlanDay(day=index + 1, date=next(dates), daily_limit=limit, per_mailbox_provider=per_provider)
        )
    if days[-1].daily_limit < target_daily:
        raise PlanError(
            f"the mailbox-provider caps allow at most {days[-1].daily_limit:,}/day, "
            f"below the target {target_daily:,}: raise the caps or give capped providers a smaller share"
        )
    return WarmupPlan(
        schedule=resolved.name,
        target_daily=target_daily,
        days=tuple(days),
        sending_weekdays=weekdays,
        start=start,
        source=resolved.source,
        derived=resolved.is_derived,
    )


def resolve_schedule(schedule: str | Schedule, schedules: Mapping[str, Schedule] | None = None) -> Schedule:
    if isinstance(schedule, Schedule):
        return schedule
    known = schedules if schedules is not None else builtin_schedules()
    found = known.get(schedule.strip().lower()) if isinstance(schedule, str) else None
    if found is None:
        raise PlanError(f"unknown warm-up schedule {schedule!r}; known: {', '.join(sorted(known))}")
    return found


def _volumes(schedule: Schedule, target: int) -> Iterator[int]:
    """The table capped at the target, then the continuation until the target is reached."""
    count = 0
    for value in schedule.daily_limits:
        count += 1
        if value >= target:
            yield target
            return
        yield value
    rule = schedule.after_table
    if rule is None:
        raise PlanError(
            f"schedule {schedule.name!r} ends at {schedule.daily_limits[-1]:,}/day, below the target "
            f"{target:,}, and has no published continuation: use more IPs or another schedule"
        )
    base = schedule.daily_limits[-1]
    step = 0
    while True:
        step += 1
        value = min(target, _round_significant(base * rule.factor**step))
        for _ in range(rule.every_sending_days):
            count += 1
            if count > MAX_PLAN_DAYS:
                raise PlanError(
                    f"schedule {schedule.name!r} would need more than {MAX_PLAN_DAYS} sending days "
                    f"to reach {target:,}/day"
                )
            yield value
            if value >= target:
                return


def _round_significant(value: float, digits: int = 3) -> int:
    """Continuation volumes read like a person's plan: 58,500 not 58,469."""
    if value < 10**digits:
        return max(1, round(value))
    scale = 10 ** (math.floor(math.log10(value)) - digits + 1)
    return int(round(value / scale) * scale)


def _provider_mixes(
    schedule: Schedule, length: int, split: Mapping[str, float] | None
) -> list[dict[str, float]]:
    """Per day, the weights for splitting that day's volume (empty: no split)."""
    if split:
        weights = normalise_split(split)
        return [weights] * length
    table = schedule.per_mailbox_provider
    if not table:
        return []
    last = len(schedule.daily_limits) - 1
    return [
        {provider: float(values[min(index, last)]) for provider, values in table.items()}
        for index in range(length)
    ]


def _check_caps(caps: Mapping[str, int] | None, mixes: list[dict[str, float]]) -> dict[str, int]:
    if not caps:
        return {}
    if not mixes:
        raise PlanError("mailbox-provider caps need a mailbox split (e.g. gmail.com=0.4,outlook.com=0.25)")
    result: dict[str, int] = {}
    for raw_name, cap in caps.items():
        name = normalise_provider(raw_name)
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 0:
            raise PlanError(f"cap for {name} must be a whole number of messages ≥ 0, not {cap!r}")
        if name not in mixes[0]:
            raise PlanError(
                f"cap for {name}, which is not in the mailbox split ({', '.join(sorted(mixes[0]))})"
            )
        result[name] = cap
    return result
