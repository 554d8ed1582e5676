"""The built-in schedules file: present, sourced, faithful to the published tables, and validated."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import pytest

from ipdash.domain.warmup.schedules import REQUIRED_RULES, PlanError, builtin_catalog, parse_catalog

REQUIRED_SCHEDULES = [
    "sendgrid",
    "sparkpost",
    "braze-conservative",
    "braze-moderate",
    "braze-aggressive",
    "mailtrap",
    "oracle",
    "ses-standard",
]


def raw_file() -> dict[str, Any]:
    text = resources.files("ipdash").joinpath("data/warmup_schedules.json").read_text(encoding="utf-8")
    return json.loads(text)


@pytest.mark.parametrize("name", REQUIRED_SCHEDULES)
def test_every_required_schedule_is_shipped_with_a_source(name: str) -> None:
    schedule = builtin_catalog().schedules[name]
    assert schedule.name == name
    assert schedule.source.strip()
    assert schedule.title.strip()


@pytest.mark.parametrize(
    ("name", "day", "volume"),
    [
        ("sendgrid", 1, 50),
        ("sendgrid", 5, 5_000),
        ("sendgrid", 17, 4_000_000),
        ("sparkpost", 1, 200),
        ("sparkpost", 28, 7_500_000),  # the source's "7,50,000" typo, fixed from the manual plan
        ("sparkpost", 29, 10_000_000),
        ("braze-conservative", 21, 8_000),
        ("braze-moderate", 16, 275_000),
        ("braze-aggressive", 9, 70_000),
        ("mailtrap", 21, 57_000),
        ("oracle", 6, 50_000),
        ("ses-standard", 1, 50),
        ("ses-standard", 45, 50_000),
    ],
)
def test_published_volumes_are_copied_exactly(name: str, day: int, volume: int) -> None:
    assert builtin_catalog().schedules[name].daily_limits[day - 1] == volume


@pytest.mark.parametrize(
    ("name", "length"),
    [
        ("sendgrid", 17),
        ("sparkpost", 29),
        ("braze-conservative", 21),
        ("braze-moderate", 21),
        ("braze-aggressive", 17),
        ("mailtrap", 21),
        ("oracle", 7),
        ("ses-standard", 45),
    ],
)
def test_table_lengths_match_the_sources(name: str, length: int) -> None:
    assert len(builtin_catalog().schedules[name].daily_limits) == length


def test_ses_curve_follows_its_stated_derivation() -> None:
    ses = builtin_catalog().schedules["ses-standard"]
    factor = (50_000 / 50) ** (1 / 44)
    for index, value in enumerate(ses.daily_limits):
        exact = 50 * factor**index
        assert abs(value - exact) / exact < 0.06, (index + 1, value, exact)
    assert "publishes only the end point" in ses.derivation
    assert ses.is_derived


def test_oracle_per_provider_rows_add_up_to_the_total() -> None:
    oracle = builtin_catalog().schedules["oracle"]
    assert oracle.per_mailbox_provider is not None
    assert set(oracle.per_mailbox_provider) == {"gmail.com", "outlook.com", "yahoo.com", "other"}
    assert oracle.per_mailbox_provider["outlook.com"][5] == 15_000


@pytest.mark.parametrize(
    ("name", "published"),
    [
        ("sendgrid", True),
        ("braze-aggressive", True),
        ("braze-conservative", True),
        ("braze-moderate", False),
        ("mailtrap", False),
        ("oracle", False),
        ("ses-standard", False),
    ],
)
def test_continuations_say_whether_they_are_published(name: str, published: bool) -> None:
    after = builtin_catalog().schedules[name].after_table
    assert after is not None
    assert after.derived is not published
    assert after.text


def test_sparkpost_has_no_continuation_past_ten_million() -> None:
    assert builtin_catalog().schedules["sparkpost"].after_table is None


@pytest.mark.parametrize("name", REQUIRED_RULES)
def test_every_rule_has_text_and_source(name: str) -> None:
    cited = builtin_catalog().rules[name]
    assert cited.text and cited.source


def test_rule_levels_are_the_documented_defaults() -> None:
    assert builtin_catalog().rules["advance"].fraction == 0.9
    assert builtin_catalog().rules["rewarm_after_idle"].idle_days == 30


def _broken(path: list[str | int], value: Any) -> dict[str, Any]:
    raw = copy.deepcopy(raw_file())
    target: Any = raw
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return raw


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["schedules", "sendgrid", "daily_limits", 3], 10, "never decrease"),
        (["schedules", "sendgrid", "daily_limits", 0], -5, "positive"),
        (["schedules", "sendgrid", "daily_limits"], [], "at least 1"),
        (["schedules", "sendgrid", "daily_limits", 0], "fifty", "integer"),
        (["schedules", "oracle", "per_mailbox_provider", "gmail.com", 0], 1, "add up"),
        (["schedules", "oracle", "per_mailbox_provider", "gmail.com"], [1, 2], "has 2 days"),
        (["schedules", "mailtrap", "after_table", "factor"], 0.5, "greater than 1"),
        (["schedules", "mailtrap", "surprise"], 1, "Extra inputs"),
        (["rules", "advance"], _DELETE, "missing rules: advance"),
        (["rules", "advance", "fraction"], 1.5, "less than or equal to 1"),
    ],
)
def test_a_broken_data_file_is_refused_with_the_key(path: list[str | int], value: Any, message: str) -> None:
    with pytest.raises(PlanError, match=message):
        parse_catalog(_broken(path, value))


@pytest.mark.parametrize("raw", [None, [], "schedules", {"rules": {}}, {"schedules": []}])
def test_a_data_file_of_the_wrong_shape_is_refused(raw: Any) -> None:
    with pytest.raises(PlanError, match="must be an object"):
        parse_catalog(raw)
