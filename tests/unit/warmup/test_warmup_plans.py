"""build_plan: tables followed and capped, continuations, sending days, splits and caps, bad input."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ipdash.domain.warmup.plans import MAX_TARGET_DAILY, build_plan, parse_weekdays
from ipdash.domain.warmup.schedules import PlanError, Schedule, builtin_schedules

WEEKDAYS = frozenset(range(5))


def limits(schedule: str | Schedule, target: int, **kwargs: Any) -> list[int]:
    return [day.daily_limit for day in build_plan(schedule, target, **kwargs).days]


@pytest.mark.parametrize(
    ("schedule", "target", "expected"),
    [
        ("sendgrid", 1_000, [50, 100, 500, 1_000]),
        ("sendgrid", 3_000, [50, 100, 500, 1_000, 3_000]),
        ("sendgrid", 50, [50]),
        ("sendgrid", 10, [10]),
        ("sparkpost", 2_000, [200, 500, 1_000, 2_000]),
        ("braze-conservative", 150, [50, 50, 50, 100, 100, 100, 150]),
        ("oracle", 32_500, [32_500]),
        ("mailtrap", 1_000, [300, 390, 510, 660, 860, 1_000]),
    ],
)
def test_a_builtin_table_is_followed_exactly_and_capped_at_the_target(
    schedule: str, target: int, expected: list[int]
) -> None:
    assert limits(schedule, target) == expected


def test_the_whole_published_table_is_used_when_the_target_is_its_end() -> None:
    table = list(builtin_schedules()["sparkpost"].daily_limits)
    assert limits("sparkpost", 10_000_000) == table


@pytest.mark.parametrize(
    ("schedule", "target", "tail"),
    [
        ("sendgrid", 20_000_000, [2_000_000, 4_000_000, 8_000_000, 16_000_000, 20_000_000]),
        ("braze-aggressive", 5_000_000, [2_000_000, 4_000_000, 5_000_000]),
        (
            "braze-conservative",
            40_000,
            [8_000, 8_000, 8_000, 16_000, 16_000, 16_000, 32_000, 32_000, 32_000, 40_000],
        ),
        ("mailtrap", 100_000, [43_900, 57_000, 74_100, 96_300, 100_000]),
        ("ses-standard", 60_000, [43_000, 50_000, 58_500, 60_000]),
    ],
)
def test_past_the_table_the_continuation_rule_applies(schedule: str, target: int, tail: list[int]) -> None:
    assert limits(schedule, target)[-len(tail) :] == tail


def test_sparkpost_beyond_its_last_stage_is_refused_with_advice() -> None:
    with pytest.raises(PlanError, match="no published continuation"):
        build_plan("sparkpost", 20_000_000)


def test_ses_standard_reaches_fifty_thousand_on_day_45() -> None:
    plan = build_plan("ses-standard", 50_000)
    assert plan.sending_days_to_target == 45
    assert plan.days[-1].daily_limit == 50_000


def test_dates_fall_only_on_sending_days_and_count_sending_days() -> None:
    plan = build_plan("sendgrid", 10_000, start=date(2024, 5, 3), sending_weekdays=WEEKDAYS)  # a Friday
    dates = [day.date for day in plan.days]
    assert dates == [date(2024, 5, d) for d in (3, 6, 7, 8, 9, 10)]
    assert [day.day for day in plan.days] == [1, 2, 3, 4, 5, 6]


def test_a_start_on_a_non_sending_day_moves_to_the_next_sending_day() -> None:
    plan = build_plan("sendgrid", 100, start=date(2024, 5, 4), sending_weekdays=WEEKDAYS)  # a Saturday
    assert plan.days[0].date == date(2024, 5, 6)


def test_without_a_start_there_are_no_dates() -> None:
    assert all(day.date is None for day in build_plan("sendgrid", 5_000).days)


def test_json_has_exactly_the_documented_keys() -> None:
    data = build_plan("sendgrid", 500, start=date(2024, 1, 1), mailbox_split={"gmail.com": 0.5}).to_json()
    assert set(data) == {"schedule", "target_daily", "days", "sending_days_to_target"}
    assert data["sending_days_to_target"] == 3
    assert data["days"][0] == {
        "day": 1,
        "date": "2024-01-01",
        "daily_limit": 50,
        "per_mailbox_provider": {"gmail.com": 25, "other": 25},
    }


def test_a_split_gives_each_provider_its_share_and_adds_up() -> None:
    plan = build_plan("sendgrid", 1_000, mailbox_split={"gmail.com": 0.4, "outlook.com": 0.25})
    last = plan.days[-1]
    assert last.per_mailbox_provider == {"gmail.com": 400, "outlook.com": 250, "other": 350}
    for day in plan.days:
        assert sum(day.per_mailbox_provider.values()) == day.daily_limit


def test_a_provider_cap_sends_the_excess_to_the_other_providers() -> None:
    plan = build_plan(
        "sendgrid",
        100_000,
        mailbox_split={"gmail.com": 0.4, "outlook.com": 0.25},
        provider_caps={"outlook.com": 20_000},
    )
    last = plan.days[-1]
    assert last.daily_limit == 100_000
    assert last.per_mailbox_provider["outlook.com"] == 20_000
    assert last.per_mailbox_provider["gmail.com"] > 40_000


def test_caps_that_make_the_target_unreachable_are_refused() -> None:
    with pytest.raises(PlanError, match="allow at most 30,000/day"):
        build_plan(
            "sendgrid",
            100_000,
            mailbox_split={"gmail.com": 0.5, "outlook.com": 0.5},
            provider_caps={"gmail.com": 10_000, "outlook.com": 20_000},
        )


def test_the_oracle_table_splits_by_provider_and_scales_when_capped() -> None:
    plan = build_plan("oracle", 40_000)
    assert plan.days[0].per_mailbox_provider == {
        "gmail.com": 10_000,
        "outlook.com": 7_500,
        "yahoo.com": 5_000,
        "other": 10_000,
    }
    assert plan.days[-1].daily_limit == 40_000
    assert plan.days[-1].per_mailbox_provider["outlook.com"] == 12_000


def test_a_users_split_replaces_the_schedules_own() -> None:
    plan = build_plan("oracle", 32_500, mailbox_split={"gmail.com": 1.0})
    assert plan.days[0].per_mailbox_provider == {"gmail.com": 32_500}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target_daily": 0}, "positive whole number"),
        ({"target_daily": -100}, "positive whole number"),
        ({"target_daily": True}, "positive whole number"),
        ({"target_daily": 1.5}, "positive whole number"),
        ({"target_daily": MAX_TARGET_DAILY + 1}, "above the supported"),
        ({"schedule": "nope"}, "unknown warm-up schedule 'nope'; known: braze-aggressive"),
        ({"sending_weekdays": frozenset()}, "non-empty"),
        ({"sending_weekdays": frozenset({7})}, "0 \\(Monday\\) to 6"),
        ({"mailbox_split": {"gmail.com": 0.7, "yahoo.com": 0.6}}, "more than 1"),
        ({"mailbox_split": {"gmail.com": -0.1}}, "between 0 and 1"),
        ({"mailbox_split": {"gmail.com": float("nan")}}, "not a number"),
        ({"mailbox_split": {"": 0.5}}, "not a mailbox provider"),
        ({"mailbox_split": {"Gmail.com": 0.2, "gmail.com": 0.2}}, "twice"),
        ({"provider_caps": {"gmail.com": 5}}, "need a mailbox split"),
        ({"mailbox_split": {"gmail.com": 0.5}, "provider_caps": {"aol.com": 5}}, "not in the mailbox split"),
        ({"mailbox_split": {"gmail.com": 0.5}, "provider_caps": {"gmail.com": -1}}, "whole number"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(kwargs: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {"schedule": "sendgrid", "target_daily": 10_000, **kwargs}
    with pytest.raises(PlanError, match=message):
        build_plan(arguments.pop("schedule"), arguments.pop("target_daily"), **arguments)


def test_a_generator_that_would_take_over_a_year_is_refused() -> None:
    slow = Schedule.model_validate(
        {"name": "slow", "daily_limits": [10], "after_table": {"factor": 1.001}, "source": "test"}
    )
    with pytest.raises(PlanError, match="more than 366 sending days"):
        build_plan(slow, 1_000_000)


def test_a_huge_target_on_a_doubling_schedule_stays_short() -> None:
    assert build_plan("sendgrid", MAX_TARGET_DAILY).sending_days_to_target == 17 + 8  # 4M × 2⁸ ≥ 1e9


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon,tue,wed,thu,fri", {0, 1, 2, 3, 4}),
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("Monday, Wednesday", {0, 2}),
        ("fri-mon", {4, 5, 6, 0}),
        ("sun", {6}),
        ("mon-sun", set(range(7))),
        ("tue,,thu,", {1, 3}),
    ],
)
def test_weekday_lists_parse(text: str, expected: set[int]) -> None:
    assert parse_weekdays(text) == frozenset(expected)


@pytest.mark.parametrize("text", ["", ",", "funday", "mo", "mon-xyz", "1,2"])
def test_bad_weekday_lists_are_refused(text: str) -> None:
    with pytest.raises(PlanError):
        parse_weekdays(text)


def test_limit_for_past_the_plan_is_the_target() -> None:
    plan = build_plan("sendgrid", 500)
    assert plan.limit_for(1) == 50
    assert plan.limit_for(3) == 500
    assert plan.limit_for(99) == 500
    with pytest.raises(ValueError, match="start at 1"):
        plan.limit_for(0)
