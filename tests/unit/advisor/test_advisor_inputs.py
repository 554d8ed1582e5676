"""Reading answers: rates, counts, money, streams, and refusing bad or contradictory input."""

from __future__ import annotations

from typing import Any

import pytest

from ipdash.domain.advisor import (
    InputProblem,
    InvalidInputs,
    Streams,
    parse_count,
    parse_money,
    parse_rate,
    validate_inputs,
)
from ipdash.domain.advisor.inputs import (
    coerce_answers,
    cross_field_problems,
    max_sending_days_in_month,
    parse_streams,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.5%", 0.015),
        ("0.015", 0.015),
        ("3%", 0.03),
        (" 0.1 % ", 0.001),
        ("0", 0.0),
        ("0%", 0.0),
        ("100%", 1.0),
        ("1", 1.0),
        (".5", 0.5),
        (0.02, 0.02),
        (0, 0.0),
    ],
)
def test_parse_rate_accepts_percentages_and_fractions(text: str | float, expected: float) -> None:
    assert parse_rate(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("1.5", "above 1"),
        ("150%", "above 100%"),
        ("-1%", "not a rate"),
        ("abc", "not a rate"),
        ("", "not a rate"),
        ("1,5%", "not a rate"),
        ("nan", "not a rate"),
        ("1e-3", "not a rate"),
        (float("inf"), "not a rate"),
        (-0.1, "not a rate"),
        (True, "not a rate"),
    ],
)
def test_parse_rate_refuses_bad_text_with_reason(text: Any, fragment: str) -> None:
    with pytest.raises(InputProblem, match=fragment) as caught:
        parse_rate(text, "bounce_rate")
    assert caught.value.field == "bounce_rate"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("250000", 250_000),
        ("250,000", 250_000),
        ("250_000", 250_000),
        ("250k", 250_000),
        ("1.5M", 1_500_000),
        (42, 42),
    ],
)
def test_parse_count_accepts_separators_and_suffixes(text: str | int, expected: int) -> None:
    assert parse_count(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"), [("-5", "negative"), ("1.5", "whole"), ("ten", "whole"), ("1.0005k", "whole")]
)
def test_parse_count_refuses_with_reason(text: str, fragment: str) -> None:
    with pytest.raises(InputProblem, match=fragment):
        parse_count(text, "monthly_volume")


@pytest.mark.parametrize(
    ("text", "expected"), [("$500", 500.0), ("1,200.50", 1200.5), ("0", 0.0), (99, 99.0)]
)
def test_parse_money(text: str | int, expected: float) -> None:
    assert parse_money(text) == expected


@pytest.mark.parametrize("text", ["-10", "lots", "inf", "$"])
def test_parse_money_refuses(text: str) -> None:
    with pytest.raises(InputProblem, match="dollars"):
        parse_money(text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("transactional,marketing", Streams.BOTH),
        ("marketing, transactional", Streams.BOTH),
        ("both", Streams.BOTH),
        ("Marketing", Streams.MARKETING),
        (["transactional"], Streams.TRANSACTIONAL),
    ],
)
def test_parse_streams(value: Any, expected: Streams) -> None:
    assert parse_streams(value) is expected


@pytest.mark.parametrize("value", ["", "newsletters", "marketing,promo"])
def test_parse_streams_refuses(value: str) -> None:
    with pytest.raises(InputProblem, match="stream"):
        parse_streams(value)


@pytest.mark.parametrize(("days", "most"), [(1, 5), (2, 10), (3, 15), (4, 19), (5, 23), (6, 27), (7, 31)])
def test_max_sending_days_in_a_31_day_month(days: int, most: int) -> None:
    assert max_sending_days_in_month(days) == most


@pytest.mark.parametrize(
    ("answers", "field", "fragment"),
    [
        ({"monthly_volume": -5}, "monthly_volume", "negative"),
        ({"monthly_volume": 0}, "monthly_volume", "too small"),
        ({"monthly_volume": 10**13}, "monthly_volume", "too large"),
        ({}, "monthly_volume", "required"),
        ({"monthly_volume": 5000, "sends_per_month": 40}, "sends_per_month", "too large"),
        ({"monthly_volume": 5000, "sends_per_month": 0}, "sends_per_month", "too small"),
        ({"monthly_volume": 5000, "sending_days_per_week": 8}, "sending_days_per_week", "too large"),
        (
            {"monthly_volume": 5000, "sends_per_month": 20, "sending_days_per_week": 2},
            "sends_per_month",
            "more than the sending days a month has at 2 days a week",
        ),
        (
            {"monthly_volume": 5000, "sends_per_month": 2, "sending_days_per_week": 5},
            "sending_days_per_week",
            "at least 5 sends a month",
        ),
        ({"monthly_volume": 10, "sends_per_month": 20}, "monthly_volume", "fewer than one message per send"),
        (
            {"monthly_volume": 5000, "streams": "marketing", "transactional_share": 0.3},
            "transactional_share",
            "both",
        ),
        ({"monthly_volume": 5000, "bounce_rate": 1.5}, "bounce_rate", "too large"),
        ({"monthly_volume": 5000, "complaint_rate": -0.01}, "complaint_rate", "negative"),
        ({"monthly_volume": 5000, "pattern": "weekly"}, "pattern", "not one of"),
        ({"monthly_volume": 5000, "watcher": "robots"}, "watcher", "not one of"),
        ({"monthly_volume": 5000, "allowlisted_recipients": "perhaps"}, "allowlisted_recipients", "boolean"),
        ({"monthly_volume": 5000, "colour": "blue"}, "colour", "unknown answer name"),
        ({"monthly_volume": "lots"}, "monthly_volume", "integer"),
    ],
)
def test_bad_or_contradictory_input_names_the_field(
    answers: dict[str, Any], field: str, fragment: str
) -> None:
    with pytest.raises(InvalidInputs) as caught:
        validate_inputs(answers)
    problems = caught.value.problems
    assert [problem.field for problem in problems] == [field]
    assert fragment in problems[0].message


def test_all_problems_are_reported_at_once() -> None:
    with pytest.raises(InvalidInputs) as caught:
        validate_inputs({"monthly_volume": -1, "bounce_rate": 2, "pattern": "?"})
    assert {problem.field for problem in caught.value.problems} == {
        "monthly_volume",
        "bounce_rate",
        "pattern",
    }


@pytest.mark.parametrize(("sends", "days"), [(5, 1), (23, 5), (31, 7), (7, 7), (1, 1)])
def test_cadence_at_the_limits_is_accepted(sends: int, days: int) -> None:
    inputs = validate_inputs(
        {"monthly_volume": 100_000, "sends_per_month": sends, "sending_days_per_week": days}
    )
    assert (inputs.sends_per_month, inputs.sending_days_per_week) == (sends, days)


def test_keys_may_use_hyphens() -> None:
    inputs = validate_inputs({"monthly-volume": 1000, "sends-per-month": 4})
    assert inputs.monthly_volume == 1000
    assert inputs.sends_per_month == 4


def test_cross_field_checks_only_what_is_present() -> None:
    assert cross_field_problems({"sends_per_month": 40}) == []
    assert cross_field_problems({"sending_days_per_week": 5}) == []
    assert [p.field for p in cross_field_problems({"sends_per_month": 2, "sending_days_per_week": 3})] == [
        "sending_days_per_week"
    ]


def test_coerce_answers_reads_strings_from_files_and_options() -> None:
    answers = coerce_answers(
        {
            "monthly-volume": "250k",
            "bounce-rate": "1.5%",
            "complaint_rate": 0.001,
            "streams": "transactional,marketing",
            "budget_usd": "$300",
            "sends_per_month": 4.0,
        }
    )
    assert answers == {
        "monthly_volume": 250_000,
        "bounce_rate": 0.015,
        "complaint_rate": 0.001,
        "streams": Streams.BOTH,
        "budget_usd": 300.0,
        "sends_per_month": 4,
    }


def test_coerce_answers_reports_every_unreadable_answer() -> None:
    with pytest.raises(InvalidInputs) as caught:
        coerce_answers({"monthly_volume": "-3", "bounce_rate": "5", "sends_per_month": 2.5})
    assert [p.field for p in caught.value.problems] == ["monthly_volume", "bounce_rate", "sends_per_month"]


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"monthly_volume": [1, 2]}, "monthly_volume"),
        ({"monthly_volume": {"a": 1}}, "monthly_volume"),
        ({"bounce_rate": ["1%"]}, "bounce_rate"),
        ({"budget_usd": {"usd": 5}}, "budget_usd"),
        ({"streams": 7}, "streams"),
        ({"streams": [1, None]}, "streams"),
        ({"sends_per_month": True}, "sends_per_month"),
    ],
)
def test_hostile_answer_types_are_refused_by_name(answers: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInputs) as caught:
        coerce_answers(answers)
    assert [problem.field for problem in caught.value.problems] == [field]


def test_huge_numbers_are_refused() -> None:
    with pytest.raises(InvalidInputs, match="too large"):
        validate_inputs(coerce_answers({"monthly_volume": "9" * 40}))
    with pytest.raises(InvalidInputs, match="too large"):
        validate_inputs(coerce_answers({"monthly_volume": 1000, "budget_usd": "1e308"}))
