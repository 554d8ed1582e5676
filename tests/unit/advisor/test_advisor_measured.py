"""Wizard defaults measured from loaded data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ipdash.domain.advisor import MeasuredDefaults, Pattern, measured_defaults, validate_inputs
from ipdash.domain.models import DailyStat, Dataset

END = date(2026, 11, 20)  # a Friday


def dataset(
    volumes: dict[date, int], *, ips: tuple[str, ...] = ("192.0.2.1",), **counts: int | None
) -> Dataset:
    """Each day's volume split evenly over the IPs; other counts per row as given."""
    data = Dataset()
    for day, volume in volumes.items():
        for ip in ips:
            stat = DailyStat(day=day, ip=ip, mailbox_provider="gmail.com", sent=volume // len(ips), **counts)  # type: ignore[arg-type]
            data.stats[(day, ip, "gmail.com")] = stat
    return data


def weekdays(days: int, volume: int, end: date = END) -> dict[date, int]:
    start = end - timedelta(days=days - 1)
    return {start + timedelta(n): volume for n in range(days) if (start + timedelta(n)).weekday() < 5}


def test_empty_dataset_gives_no_defaults() -> None:
    defaults = measured_defaults(Dataset())
    assert defaults.answers() == {}
    assert defaults.basis == {"all": "no sending data loaded"}


def test_steady_weekday_sender() -> None:
    defaults = measured_defaults(dataset(weekdays(120, 10_000), ips=("192.0.2.1", "192.0.2.2")))
    assert defaults.window_start == END - timedelta(days=29) and defaults.window_end == END
    assert defaults.monthly_volume == 22 * 10_000  # 22 weekdays in the 30 days to Fri 20 Nov
    assert defaults.sends_per_month == 22
    assert defaults.sending_days_per_week == 5
    assert defaults.pattern is Pattern.STEADY
    assert "seasonality" not in defaults.basis["pattern"]
    validate_inputs(defaults.answers())


def test_short_history_is_scaled_to_a_month() -> None:
    volumes = {END - timedelta(days=n): 1_000 for n in range(10)}
    defaults = measured_defaults(dataset(volumes))
    assert defaults.monthly_volume == 30_000
    assert defaults.sends_per_month == 30
    assert defaults.sending_days_per_week == 7
    assert "scaled from 10 days to 30" in defaults.basis["monthly_volume"]
    assert "seasonality needs 3 full 30-day blocks" in defaults.basis["pattern"]


def test_today_picks_the_window() -> None:
    volumes = {END - timedelta(days=n): (5_000 if n < 30 else 1_000) for n in range(60)}
    assert measured_defaults(dataset(volumes)).monthly_volume == 150_000
    assert measured_defaults(dataset(volumes), today=END - timedelta(days=30)).monthly_volume == 30_000


def test_nothing_sent_in_the_window() -> None:
    volumes = {END - timedelta(days=n): 0 for n in range(5)}
    defaults = measured_defaults(dataset(volumes))
    assert defaults.monthly_volume is None
    assert "nothing sent" in defaults.basis["all"]


def test_today_before_any_data() -> None:
    defaults = measured_defaults(dataset({END: 100}), today=END - timedelta(days=60))
    assert defaults.answers() == {}


def test_spiky_sender() -> None:
    volumes = {END - timedelta(days=n): (200_000 if n % 10 == 0 else 2_000) for n in range(30)}
    defaults = measured_defaults(dataset(volumes))
    assert defaults.pattern is Pattern.SPIKY
    assert "day-to-day variation" in defaults.basis["pattern"]


def test_seasonal_sender() -> None:
    volumes = {END - timedelta(days=n): (30_000 if n < 30 else 10_000) for n in range(120)}
    defaults = measured_defaults(dataset(volumes))
    assert defaults.pattern is Pattern.SEASONAL
    assert "3.0× the quietest" in defaults.basis["pattern"]


def test_a_silent_month_in_the_year_is_seasonal() -> None:
    volumes = {END - timedelta(days=n): (0 if 30 <= n < 60 else 10_000) for n in range(120)}
    assert measured_defaults(dataset(volumes)).pattern is Pattern.SEASONAL


def test_steady_with_a_year_of_history_compares_blocks() -> None:
    volumes = {END - timedelta(days=n): 10_000 for n in range(400)}
    defaults = measured_defaults(dataset(volumes))
    assert defaults.pattern is Pattern.STEADY
    assert "1.0× the quietest" in defaults.basis["pattern"]


def test_rates_follow_the_metric_definitions() -> None:
    volumes = {END - timedelta(days=n): 10_000 for n in range(30)}
    defaults = measured_defaults(
        dataset(volumes, delivered=9_800, bounced=200, complaints=5, unsubscribes=20)
    )
    assert defaults.bounce_rate == pytest.approx(0.02)
    assert defaults.complaint_rate == pytest.approx(5 / 9_800, rel=1e-4)
    assert defaults.unsubscribe_rate == pytest.approx(20 / 9_800, rel=1e-4)


def test_unreported_counts_are_not_measured_as_zero() -> None:
    defaults = measured_defaults(dataset({END: 10_000}))
    assert defaults.bounce_rate is None and defaults.complaint_rate is None
    assert "bounce_rate" not in defaults.answers()


def test_weekly_sender() -> None:
    volumes = {END - timedelta(days=7 * n): 50_000 for n in range(5)}
    defaults = measured_defaults(dataset(volumes))
    assert defaults.sends_per_month == 5
    assert defaults.sending_days_per_week == 1
    validate_inputs(defaults.answers())


def test_defaults_are_a_model() -> None:
    assert isinstance(measured_defaults(Dataset()), MeasuredDefaults)
