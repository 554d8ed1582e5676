"""The [warmup] config section: defaults, custom plans, per-IP entries and clear errors."""

from __future__ import annotations

import tomllib
from datetime import date
from typing import Any

import pytest

from ipdash.domain.config import Config
from ipdash.domain.warmup.plans import build_plan
from ipdash.domain.warmup.schedules import PlanError
from ipdash.domain.warmup.settings import WarmupSettings

TOML = """
[warmup]
rewarm_idle_days = 21
advance_fraction = 0.95
sending_days = "mon-fri"

[warmup.plans.steady]
days = [100, 200, 400, 800]
growth = 1.5

[warmup.plans.generated]
start_volume = 500
growth = 2.0
target_daily = 16000

[warmup.plans.sendgrid]
title = "our own take on sendgrid"
days = [10, 20]
growth = 2.0

[warmup.ips."2001:DB8::1"]
plan = "steady"
start = 2024-05-06
target_daily = 3000
mailbox_split = { "gmail.com" = 0.5 }
"""


def settings_from_toml() -> WarmupSettings:
    config = Config.model_validate(tomllib.loads(TOML))
    return WarmupSettings.from_section(config.warmup)


def test_defaults_are_thirty_idle_days_and_ninety_percent() -> None:
    settings = WarmupSettings.from_section({})
    assert settings.rewarm_idle_days == 30
    assert settings.advance_fraction == 0.9
    assert settings.weekdays_for("192.0.2.1") == frozenset(range(7))


def test_a_full_section_from_toml() -> None:
    settings = settings_from_toml()
    assert settings.rewarm_idle_days == 21
    assert settings.advance_fraction == 0.95
    entry = settings.ips["2001:db8::1"]  # keys are canonical
    assert entry.start == date(2024, 5, 6)
    assert settings.weekdays_for("2001:db8::1") == frozenset(range(5))


def test_an_explicit_table_continues_with_its_growth() -> None:
    schedule = settings_from_toml().schedules()["steady"]
    plan = build_plan(schedule, 3_000)
    assert [d.daily_limit for d in plan.days] == [100, 200, 400, 800, 1_200, 1_800, 2_700, 3_000]
    assert plan.source == "user config"


def test_a_generator_builds_from_start_volume_and_growth() -> None:
    schedule = settings_from_toml().schedules()["generated"]
    assert schedule.target_daily == 16_000
    plan = build_plan(schedule, schedule.target_daily or 0)
    assert [d.daily_limit for d in plan.days] == [500, 1_000, 2_000, 4_000, 8_000, 16_000]


def test_a_custom_plan_named_like_a_builtin_replaces_it() -> None:
    schedule = settings_from_toml().schedules()["sendgrid"]
    assert schedule.daily_limits == (10, 20)
    assert "sparkpost" in settings_from_toml().schedules()


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"rewarm_idle_days": 0}, "warmup.rewarm_idle_days: Input should be greater than or equal to 1"),
        ({"advance_fraction": 1.2}, "warmup.advance_fraction"),
        ({"advance_fraction": "lots"}, "warmup.advance_fraction"),
        ({"plans": {"x": {}}}, "warmup.plans.x: give either days"),
        ({"plans": {"x": {"days": [1, 2], "start_volume": 5, "growth": 2}}}, "not both"),
        ({"plans": {"x": {"start_volume": 5}}}, "give either days"),
        ({"plans": {"x": {"days": [5, 3]}}}, "never decrease"),
        ({"plans": {"x": {"days": [0, 3]}}}, "positive"),
        ({"plans": {"x": {"start_volume": 5, "growth": 0.5}}}, "greater than 1"),
        ({"plans": {"x": {"days": [1], "colour": "red"}}}, "Extra inputs"),
        ({"ips": {"not-an-ip": {}}}, "'not-an-ip' is not an IP address"),
        ({"ips": {"192.0.2.1": {"plan": "nope"}}}, "unknown warm-up schedule 'nope'"),
        ({"ips": {"192.0.2.1": {"sending_days": "someday"}}}, "not a weekday"),
        ({"ips": {"192.0.2.1": {"start": "yesterday"}}}, "warmup.ips.192.0.2.1.start"),
        ({"ips": {"192.0.2.1": {"target_daily": -5}}}, "target_daily"),
        ({"default_schedule": "nope"}, "unknown warm-up schedule 'nope'"),
        ({"sending_days": ""}, "no sending days"),
        ({"surprise": 1}, "warmup.surprise: Extra inputs"),
    ],
)
def test_bad_sections_name_the_key(section: dict[str, Any], message: str) -> None:
    with pytest.raises(PlanError) as caught:
        WarmupSettings.from_section(section)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
