"""Properties of the plan generator over any schedule, target, sending days, split and caps."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ipdash.domain.warmup.plans import build_plan
from ipdash.domain.warmup.schedules import PlanError, Schedule, builtin_schedules
from ipdash.domain.warmup.split import apportion

BUILTIN = sorted(builtin_schedules())
PROVIDERS = ["gmail.com", "outlook.com", "yahoo.com", "icloud.com", "web.de"]

weekday_sets = st.frozensets(st.integers(min_value=0, max_value=6), min_size=1)
starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


@st.composite
def schedules(draw: st.DrawFn) -> str | Schedule:
    if draw(st.booleans()):
        return draw(st.sampled_from(BUILTIN))
    table = sorted(draw(st.lists(st.integers(min_value=1, max_value=500_000), min_size=1, max_size=40)))
    growth = draw(st.one_of(st.none(), st.floats(min_value=1.05, max_value=4)))
    return Schedule.model_validate(
        {
            "name": "generated",
            "daily_limits": table,
            "after_table": {"factor": growth, "every_sending_days": draw(st.integers(1, 4))}
            if growth
            else None,
            "source": "hypothesis",
        }
    )


@st.composite
def splits(draw: st.DrawFn) -> dict[str, float]:
    names = draw(st.lists(st.sampled_from(PROVIDERS), unique=True, min_size=1, max_size=len(PROVIDERS)))
    raw = [draw(st.integers(min_value=0, max_value=100)) for _ in names]
    total = sum(raw) or 1
    scale = draw(st.sampled_from([1.0, 0.8, 0.5]))
    return {name: value / total * scale for name, value in zip(names, raw, strict=True)}


def build_or_skip(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
    try:
        return build_plan(*args, **kwargs)  # type: ignore[arg-type]
    except PlanError:
        assume(False)


targets = st.integers(min_value=1, max_value=50_000_000)


@settings(max_examples=300, deadline=None)
@given(schedule=schedules(), target=targets)
def test_never_decreasing_never_above_target_and_reaches_it(schedule: str | Schedule, target: int) -> None:
    plan = build_or_skip(schedule, target)
    volumes = [day.daily_limit for day in plan.days]
    assert all(later >= earlier for earlier, later in itertools.pairwise(volumes))
    assert all(1 <= volume <= target for volume in volumes)
    assert volumes[-1] == target
    assert target not in volumes[:-1]
    assert plan.sending_days_to_target == len(volumes)
    assert [day.day for day in plan.days] == list(range(1, len(volumes) + 1))


@settings(max_examples=200, deadline=None)
@given(schedule=st.sampled_from(BUILTIN), target=targets)
def test_a_builtin_table_is_followed_until_the_target(schedule: str, target: int) -> None:
    plan = build_or_skip(schedule, target)
    table = builtin_schedules()[schedule].daily_limits
    for day in plan.days[: len(table)]:
        assert day.daily_limit == min(table[day.day - 1], target)


@settings(max_examples=200, deadline=None)
@given(schedule=st.sampled_from(BUILTIN), target=targets, start=starts, weekdays=weekday_sets)
def test_dates_fall_only_on_sending_days_in_order(
    schedule: str, target: int, start: date, weekdays: frozenset[int]
) -> None:
    plan = build_or_skip(schedule, target, start=start, sending_weekdays=weekdays)
    dates = [day.date for day in plan.days]
    assert all(d is not None and d.weekday() in weekdays for d in dates)
    assert dates[0] is not None and dates[0] >= start and (dates[0] - start) < timedelta(days=7)
    for earlier, later in itertools.pairwise(dates):
        assert earlier is not None and later is not None and earlier < later
        skipped = [earlier + timedelta(days=n) for n in range(1, (later - earlier).days)]
        assert all(day.weekday() not in weekdays for day in skipped)


@settings(max_examples=200, deadline=None)
@given(schedule=st.sampled_from(BUILTIN), target=targets, split=splits())
def test_a_split_adds_up_every_day_and_keeps_the_shares(
    schedule: str, target: int, split: dict[str, float]
) -> None:
    plan = build_or_skip(schedule, target, mailbox_split=split)
    for day in plan.days:
        shares = day.per_mailbox_provider
        assert sum(shares.values()) == day.daily_limit
        for provider, fraction in split.items():
            assert abs(shares[provider] - fraction * day.daily_limit) < 1 + 1e-6 * day.daily_limit


@settings(max_examples=200, deadline=None)
@given(
    target=st.integers(min_value=1_000, max_value=5_000_000),
    split=splits(),
    cap_fraction=st.floats(min_value=0.0, max_value=1.0),
)
def test_caps_are_never_exceeded(target: int, split: dict[str, float], cap_fraction: float) -> None:
    capped = sorted(split)[0]
    cap = int(cap_fraction * target)
    plan = build_or_skip("sendgrid", target, mailbox_split=split, provider_caps={capped: cap})
    assert plan.days[-1].daily_limit == target
    for day in plan.days:
        assert day.per_mailbox_provider[capped] <= cap
        assert sum(day.per_mailbox_provider.values()) == day.daily_limit


@settings(max_examples=300, deadline=None)
@given(
    total=st.integers(min_value=0, max_value=10**9),
    weights=st.dictionaries(st.sampled_from(PROVIDERS), st.floats(min_value=0, max_value=1), min_size=1),
    caps=st.dictionaries(st.sampled_from(PROVIDERS), st.integers(min_value=0, max_value=10**9)),
)
def test_apportion_adds_up_unless_every_weighted_provider_is_capped(
    total: int, weights: dict[str, float], caps: dict[str, int]
) -> None:
    shares = apportion(total, weights, caps)
    assert set(shares) == set(weights)
    assert all(value >= 0 for value in shares.values())
    assert all(shares[name] <= cap for name, cap in caps.items() if name in shares)
    weighted = [name for name, weight in weights.items() if weight > 0]
    room = sum(caps.get(name, total) for name in weighted)
    assert sum(shares.values()) == (min(total, room) if weighted else 0)
