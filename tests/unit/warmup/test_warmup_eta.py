"""Projected completion at the current pace, and the caps of the next sending days."""

from __future__ import annotations

from datetime import date, timedelta

from ipdash.domain.warmup.plans import build_plan
from ipdash.domain.warmup.progress import assess_warmup
from ipdash.domain.warmup.results import DayVolume

MONDAY = date(2024, 5, 6)
# mailtrap capped at 5,000: 12 plan days (300 … 4,100, 5,000)
PLAN = build_plan("mailtrap", 5_000)
CAPS = [day.daily_limit for day in PLAN.days]


def run(sent_per_day: list[int], dates: list[date]) -> list[DayVolume]:
    return [DayVolume(day, sent) for day, sent in zip(dates, sent_per_day, strict=True)]


def test_at_full_pace_the_end_is_one_sending_day_per_remaining_plan_day() -> None:
    dates = [MONDAY + timedelta(days=i) for i in range(4)]
    progress = assess_warmup("192.0.2.1", PLAN, run(CAPS[:4], dates), today=dates[-1], severity_by_day={})
    # days 5..12 remain: 8 sending days after today, every day a sending day
    assert progress.eta == dates[-1] + timedelta(days=8)
    assert "8 plan days left" in progress.eta_reason


def test_at_half_pace_it_takes_twice_as_long() -> None:
    dates = [MONDAY + timedelta(days=i) for i in range(4)]
    sent = [CAPS[0], 10, CAPS[1], 10]  # advance, hold, advance, hold
    progress = assess_warmup("192.0.2.1", PLAN, run(sent, dates), today=dates[-1], severity_by_day={})
    assert progress.day == 3
    assert progress.eta == dates[-1] + timedelta(days=20)  # 10 plan days at 0.5 per sending day


def test_no_advance_lately_means_no_end_date() -> None:
    dates = [MONDAY + timedelta(days=i) for i in range(3)]
    progress = assess_warmup("192.0.2.1", PLAN, run([10, 10, 10], dates), today=dates[-1], severity_by_day={})
    assert progress.eta is None
    assert "no advance in the last 3 sending days" in progress.eta_reason


def test_a_weekday_sender_is_projected_on_weekdays() -> None:
    dates = [MONDAY + timedelta(days=i) for i in (0, 1, 2, 3, 4, 7, 8, 9)]  # two weeks of Mon-Fri
    progress = assess_warmup("192.0.2.1", PLAN, run(CAPS[:8], dates), today=dates[-1], severity_by_day={})
    # days 9..12 remain: Thu, Fri, Mon, Tue
    assert progress.eta == date(2024, 5, 21)
    assert [d.date.weekday() for d in progress.upcoming if d.date] == [3, 4, 0, 1]


def test_a_short_history_does_not_define_the_weekly_habit() -> None:
    dates = [MONDAY, MONDAY + timedelta(days=1)]
    progress = assess_warmup("192.0.2.1", PLAN, run(CAPS[:2], dates), today=dates[-1], severity_by_day={})
    assert progress.eta == dates[-1] + timedelta(days=10)


def test_before_any_sending_the_plan_pace_from_the_start_is_used() -> None:
    plan = build_plan("mailtrap", 5_000, start=MONDAY, sending_weekdays=frozenset(range(5)))
    progress = assess_warmup("192.0.2.1", plan, [], today=MONDAY - timedelta(days=3))
    assert progress.eta == plan.days[-1].date
    assert progress.upcoming[0].date == MONDAY
    assert [d.daily_limit for d in progress.upcoming] == CAPS[:5]


def test_the_upcoming_caps_stop_at_the_last_plan_day() -> None:
    dates = [MONDAY + timedelta(days=i) for i in range(10)]
    progress = assess_warmup("192.0.2.1", PLAN, run(CAPS[:10], dates), today=dates[-1], severity_by_day={})
    assert [(d.day, d.daily_limit) for d in progress.upcoming] == [(11, CAPS[10]), (12, 5_000)]


def test_when_today_has_no_data_yet_today_is_the_next_sending_day() -> None:
    dates = [MONDAY]
    progress = assess_warmup("192.0.2.1", PLAN, run(CAPS[:1], dates), today=MONDAY + timedelta(days=1))
    assert progress.upcoming[0].date == MONDAY + timedelta(days=1)
