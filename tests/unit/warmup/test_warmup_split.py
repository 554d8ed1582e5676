"""Splitting a day's volume between mailbox providers."""

from __future__ import annotations

import pytest

from ipdash.domain.warmup.schedules import PlanError
from ipdash.domain.warmup.split import apportion, normalise_split


@pytest.mark.parametrize(
    ("total", "weights", "caps", "expected"),
    [
        (100, {"a": 0.5, "b": 0.5}, None, {"a": 50, "b": 50}),
        (101, {"a": 0.5, "b": 0.5}, None, {"a": 51, "b": 50}),  # ties go to the first name
        (10, {"a": 1, "b": 1, "c": 1}, None, {"a": 4, "b": 3, "c": 3}),
        (100, {"a": 0.4, "b": 0.6}, {"b": 30}, {"a": 70, "b": 30}),
        (100, {"a": 0.4, "b": 0.6}, {"a": 10, "b": 30}, {"a": 10, "b": 30}),
        (100, {"a": 0.0, "b": 1.0}, None, {"a": 0, "b": 100}),
        (0, {"a": 0.5, "b": 0.5}, None, {"a": 0, "b": 0}),
        (100, {"a": 0.2, "b": 0.3, "c": 0.5}, {"c": 40, "b": 29}, {"a": 31, "b": 29, "c": 40}),
    ],
)
def test_apportion(
    total: int, weights: dict[str, float], caps: dict[str, int] | None, expected: dict[str, int]
) -> None:
    assert apportion(total, weights, caps) == expected


def test_a_cap_that_binds_only_after_redistribution_is_still_kept() -> None:
    # c is capped first; the spill raises b's share above b's own cap, which must then bind too.
    shares = apportion(1_000, {"a": 0.1, "b": 0.3, "c": 0.6}, {"b": 350, "c": 300})
    assert shares == {"a": 350, "b": 350, "c": 300}


def test_the_remainder_of_a_partial_split_goes_to_other() -> None:
    assert normalise_split({"Gmail.com": 0.4, "outlook.com": 0.25}) == pytest.approx(
        {"gmail.com": 0.4, "outlook.com": 0.25, "other": 0.35}
    )


def test_an_explicit_other_share_is_topped_up() -> None:
    assert normalise_split({"gmail.com": 0.5, "other": 0.2}) == pytest.approx(
        {"gmail.com": 0.5, "other": 0.5}
    )


def test_a_complete_split_adds_no_other() -> None:
    assert normalise_split({"gmail.com": 0.5, "yahoo.com": 0.5}) == {"gmail.com": 0.5, "yahoo.com": 0.5}


@pytest.mark.parametrize(
    "split",
    [
        {"gmail.com": "0.4"},
        {"gmail.com": True},
        {"gmail.com": 1.2},
        {"a b": 0.1},
        {"x=y": 0.1},
        {f"p{i}.com": 0.001 for i in range(300)},
    ],
)
def test_hostile_splits_are_refused(split: dict[str, object]) -> None:
    with pytest.raises(PlanError):
        normalise_split(split)  # type: ignore[arg-type]
