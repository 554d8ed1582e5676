from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from ipdash.sources.providers.day_zones import day_zone, local_today, to_utc, utc_day


def test_each_source_states_its_day_boundary() -> None:
    assert day_zone("snds") == ZoneInfo("America/Los_Angeles")
    assert day_zone("postmark") == ZoneInfo("America/New_York")
    assert day_zone("sparkpost") == ZoneInfo("UTC")


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "America/New_York", "UTC", "Asia/Tokyo"])
@pytest.mark.parametrize("day", [date(2025, 1, 10), date(2025, 3, 9), date(2025, 6, 10), date(2025, 11, 2)])
def test_a_local_day_maps_to_the_same_utc_date_within_twelve_hours(zone: str, day: date) -> None:
    assert utc_day(day, ZoneInfo(zone)) == day  # DST change days included


def test_far_zones_map_to_the_utc_day_they_overlap_most() -> None:
    assert utc_day(date(2025, 6, 10), ZoneInfo("Pacific/Kiritimati")) == date(2025, 6, 9)  # UTC+14


def test_today_and_timestamps_in_the_providers_zone() -> None:
    now = datetime(2025, 6, 11, 3, 0, tzinfo=UTC)
    assert local_today(now, ZoneInfo("America/Los_Angeles")) == date(2025, 6, 10)
    assert local_today(now, ZoneInfo("UTC")) == date(2025, 6, 11)
    winter = to_utc(datetime(2025, 1, 10, 8, 0), ZoneInfo("America/Los_Angeles"))
    assert winter == datetime(2025, 1, 10, 16, 0, tzinfo=UTC)
    assert to_utc(None, ZoneInfo("UTC")) is None
    aware = datetime(2025, 1, 10, 8, 0, tzinfo=UTC)
    assert to_utc(aware, ZoneInfo("America/Los_Angeles")) == aware
