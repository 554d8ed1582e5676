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


def _mixed_dataset() -> Dataset:
    """Two IPs: a big clean one, and one with 0.36% Gmail complaints and 6.37% bounces."""
    data = Dataset()
    for day in weekdays(30, 0):
        rows = [
            ("192.0.2.1", "gmail.com", 40_000, 40, 2),
            ("192.0.2.1", "outlook.com", 40_000, 40, 2),
            ("192.0.2.2", "gmail.com", 5_000, 50, 18),
            ("192.0.2.2", "outlook.com", 5_000, 587, 0),
        ]
        for ip, provider, sent, bounced, complaints in rows:
            data.stats[(day, ip, provider)] = DailyStat(
                day=day,
                ip=ip,
                mailbox_provider=provider,
                sent=sent,
                delivered=sent - bounced,
                bounced=bounced,
                complaints=complaints,
            )
    return data


def test_rates_are_the_worst_ip_and_mailbox_provider_not_the_mean() -> None:
    defaults = measured_defaults(_mixed_dataset())
    assert defaults.bounce_rate == pytest.approx(587 / 5_000)  # 192.0.2.2 at outlook.com
    assert "worst: 192.0.2.2 at outlook.com" in defaults.basis["bounce_rate"]
    assert "account-wide 0.797%" in defaults.basis["bounce_rate"]
    assert defaults.complaint_rate == pytest.approx(18 / 4_950)  # 0.36% at Gmail on 192.0.2.2
    assert "worst: 192.0.2.2 at gmail.com" in defaults.basis["complaint_rate"]


def test_worst_rates_turn_a_clean_looking_account_into_risks() -> None:
    from ipdash.domain.advisor import Verdict, advise

    answers = measured_defaults(_mixed_dataset()).answers()
    result = advise(validate_inputs(answers))
    assert result.verdict is Verdict.NOT_READY
    assert {t.metric for t in result.targets} == {"bounce_rate", "complaint_rate"}


def test_a_small_ip_below_the_rate_minimum_does_not_set_the_rate() -> None:
    data = dataset(weekdays(30, 20_000), bounced=100)
    for day in weekdays(30, 0):
        data.stats[(day, "192.0.2.9", "gmail.com")] = DailyStat(
            day=day, ip="192.0.2.9", mailbox_provider="gmail.com", sent=10, bounced=5
        )
    defaults = measured_defaults(data)  # 192.0.2.9 sent 210 in the window: < 1,000
    assert defaults.bounce_rate is not None and defaults.bounce_rate < 0.01


def test_longest_gap_is_measured_between_days_with_mail() -> None:
    days = {END - timedelta(days=n): 50_000 for n in (0, 7, 14, 21, 28)}
    defaults = measured_defaults(dataset(days))
    assert defaults.longest_gap_days == 7
    assert "longest run" in defaults.basis["longest_gap_days"]
