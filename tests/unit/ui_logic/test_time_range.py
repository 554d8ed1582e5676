"""The time range is the analysis window: 1, 7, 14, 30, 90 days or all the history held."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ipdash.domain.metrics import Window
from ipdash.domain.models import DailyStat, Dataset
from ipdash.domain.time_range import RANGES, range_label, range_window, short_label, stepped

FIRST, LAST = date(2025, 1, 1), date(2026, 3, 1)


def dataset() -> Dataset:
    stats = [DailyStat(day, "192.0.2.1", "gmail.com", sent=1000, source="t") for day in (FIRST, LAST)]
    return Dataset(stats={(s.day, s.ip, s.mailbox_provider): s for s in stats})


@pytest.mark.parametrize(
    ("days", "step", "expected"),
    [
        (7, 1, 14),
        (14, 1, 30),
        (90, 1, None),
        (None, 1, None),
        (None, -1, 90),
        (7, -1, 1),
        (1, -1, 1),
        (10, 1, 14),
        (10, -1, 7),
        (400, -1, 90),
        (400, 1, None),
    ],
)
def test_stepping_through_the_ranges_stops_at_the_ends(
    days: int | None, step: int, expected: int | None
) -> None:
    assert stepped(days, step) == expected


def test_every_range_has_its_words() -> None:
    assert [range_label(d) for d in RANGES] == ["1 day", "7 days", "14 days", "30 days", "90 days", "all"]
    assert [short_label(d) for d in RANGES] == ["1d", "7d", "14d", "30d", "90d", "all"]


def test_a_range_ends_at_the_latest_data_and_all_starts_at_the_first_day_held() -> None:
    data = dataset()
    assert range_window(data, 30) == Window(LAST - timedelta(days=29), LAST)
    assert range_window(data, 1) == Window(LAST, LAST)
    whole = range_window(data, None)
    assert whole == Window(FIRST, LAST) and whole.days == 425  # more than a year: seasonality shows


def test_no_data_no_window() -> None:
    assert range_window(Dataset(), None) is None
    assert range_window(Dataset(), 7) is None
