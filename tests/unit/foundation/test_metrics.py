"""Metrics over a window: totals, rate definitions, change, consistency, idle days, series. Hand-computed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ipdash.domain.analysis import analysis_window
from ipdash.domain.metrics import (
    Totals,
    Window,
    coefficient_of_variation,
    compute_metrics,
    total,
)
from ipdash.domain.models import Dataset, IpFacts

from .conftest import dataset_of, stat

JAN = [date(2026, 1, d) for d in range(1, 32)]  # JAN[0] is Jan 1
IP = "192.0.2.1"


def two_weeks() -> Dataset:
    """Jan 1-7: 1,000 a day (600 Gmail, 400 Outlook); Jan 8-14: 2,000 a day (1,200 / 800)."""
    stats = []
    for day in JAN[:14]:
        scale = 1 if day <= JAN[6] else 2
        stats.append(
            stat(
                day,
                IP,
                "gmail.com",
                600 * scale,
                delivered=594 * scale,
                bounced=6 * scale,
                complaints=1 * scale,
                unsubscribes=3 * scale,
            )
        )
        stats.append(
            stat(
                day,
                IP,
                "outlook.com",
                400 * scale,
                delivered=396 * scale,
                bounced=4 * scale,
                complaints=0,
                unsubscribes=2 * scale,
            )
        )
    return dataset_of(*stats)


def test_window_arithmetic() -> None:
    window = Window.ending(JAN[13], 7)
    assert (window.start, window.end, window.days) == (JAN[7], JAN[13], 7)
    previous = window.previous()
    assert (previous.start, previous.end, previous.days) == (JAN[0], JAN[6], 7)
    assert JAN[7] in window and JAN[13] in window
    assert JAN[6] not in window and JAN[14] not in window
    assert "2026-01-10" not in window
    assert Window.ending(JAN[0], 1).start == JAN[0]


def test_the_default_window_ends_at_the_latest_date_in_the_data() -> None:
    dataset = dataset_of(stat(JAN[2], "192.0.2.1", sent=1), stat(JAN[9], "192.0.2.2", sent=1))
    window = analysis_window(dataset, 7)
    assert window == Window(JAN[3], JAN[9])
    assert analysis_window(dataset, 30, end=JAN[4]) == Window(JAN[4] - timedelta(days=29), JAN[4])
    assert analysis_window(Dataset(), 7) is None


def test_totals_and_rates_over_the_window() -> None:
    metrics = compute_metrics(two_weeks(), Window.ending(JAN[13], 7))[IP]
    totals = metrics.totals
    assert (totals.sent, totals.delivered, totals.bounced, totals.complaints, totals.unsubscribes) == (
        14_000,
        13_860,
        140,
        14,
        70,
    )
    assert totals.bounce_rate == pytest.approx(140 / 14_000)  # over sent
    assert totals.complaint_rate == pytest.approx(14 / 13_860)  # over delivered
    assert totals.unsubscribe_rate == pytest.approx(70 / 13_860)
    assert metrics.previous.sent == 7_000
    assert metrics.sending_days_in_window == 7


def test_change_versus_the_previous_window() -> None:
    metrics = compute_metrics(two_weeks(), Window.ending(JAN[13], 7))[IP]
    assert metrics.volume_change == pytest.approx(1.0)  # twice the volume
    assert metrics.rate_change("bounce_rate") == pytest.approx(0.0)
    assert metrics.rate_change("complaint_rate") == pytest.approx(14 / 13_860 - 7 / 6_930)


def test_change_is_unknown_without_a_previous_window() -> None:
    metrics = compute_metrics(two_weeks(), Window.ending(JAN[6], 7))[IP]
    assert metrics.previous.sent == 0
    assert metrics.volume_change is None
    assert metrics.rate_change("bounce_rate") is None


def test_per_mailbox_provider_split() -> None:
    metrics = compute_metrics(two_weeks(), Window.ending(JAN[13], 7))[IP]
    assert set(metrics.by_provider) == {"gmail.com", "outlook.com"}
    gmail, outlook = metrics.by_provider["gmail.com"], metrics.by_provider["outlook.com"]
    assert (gmail.sent, gmail.complaints) == (8_400, 14)
    assert gmail.complaint_rate == pytest.approx(14 / 8_316)
    assert outlook.complaint_rate == 0.0
    assert metrics.previous_by_provider["gmail.com"].sent == 4_200
    assert [t.sent for _, t in metrics.daily_by_provider["outlook.com"]][-2:] == [800, 800]


def test_days_after_the_window_end_are_ignored() -> None:
    metrics = compute_metrics(two_weeks(), Window.ending(JAN[9], 7))[IP]
    assert metrics.totals.sent == 4 * 1_000 + 3 * 2_000  # Jan 4-10
    assert metrics.daily[-1][0] == JAN[9]


@pytest.mark.parametrize(
    ("totals", "bounce", "complaint", "unsubscribe"),
    [
        (Totals(sent=1000, delivered=800, bounced=50, complaints=2, unsubscribes=8), 0.05, 0.0025, 0.01),
        (
            Totals(sent=1000, bounced=50, complaints=2, unsubscribes=8),
            0.05,
            0.002,
            0.008,
        ),  # no delivered: over sent
        (Totals(sent=1000, delivered=900), None, None, None),  # not reported: unknown, not 0
        (Totals(sent=0, delivered=0, bounced=0, complaints=0, unsubscribes=0), None, None, None),
        (Totals(sent=10, delivered=0, bounced=10, complaints=0), 1.0, None, None),
    ],
)
def test_rate_definitions(
    totals: Totals, bounce: float | None, complaint: float | None, unsubscribe: float | None
) -> None:
    assert totals.bounce_rate == (pytest.approx(bounce) if bounce is not None else None)
    assert totals.complaint_rate == (pytest.approx(complaint) if complaint is not None else None)
    assert totals.unsubscribe_rate == (pytest.approx(unsubscribe) if unsubscribe is not None else None)
    assert totals.rate("bounce_rate") == totals.bounce_rate


def test_totals_add_unknowns_as_unknown_only_when_both_are() -> None:
    a = Totals(sent=10, delivered=9, complaints=None, hard_bounced=1)
    b = Totals(sent=5, delivered=None, complaints=2)
    summed = a + b
    assert (summed.sent, summed.delivered, summed.complaints, summed.hard_bounced, summed.opens) == (
        15,
        9,
        2,
        1,
        None,
    )
    assert total([]) == Totals()
    assert total([a, b, Totals(sent=1)]).sent == 16


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([100, 200, 300], 81.6496580927726 / 200),
        ([1000] * 7 + [2000] * 7, 500 / 1500),
        ([5, 5, 5, 5], 0.0),
        ([7], None),
        ([], None),
        ([0, 0, 0], None),
    ],
)
def test_coefficient_of_variation(values: list[int], expected: float | None) -> None:
    result = coefficient_of_variation(values)
    assert result == (pytest.approx(expected) if expected is not None else None)


def test_consistency_is_over_the_last_14_sending_days_only() -> None:
    # 6 huge days, then 14 steady sending days with a gap (zero days are not sending days).
    stats = [stat(JAN[i], IP, sent=100_000) for i in range(6)]
    steady_days = [JAN[i] for i in range(6, 24) if i not in (10, 11, 17, 18)]
    stats += [stat(day, IP, sent=1_000) for day in steady_days]
    metrics = compute_metrics(dataset_of(*stats), Window.ending(JAN[23], 7))[IP]
    assert len(steady_days) == 14
    assert metrics.consistency_cv == pytest.approx(0.0)


def test_consistency_of_the_two_week_ramp() -> None:
    metrics = compute_metrics(two_weeks(), Window.ending(JAN[13], 7))[IP]
    assert metrics.consistency_cv == pytest.approx(500 / 1500)


def test_largest_jump_is_against_the_trailing_week() -> None:
    stats = [stat(JAN[i], IP, sent=100) for i in range(7)] + [stat(JAN[7], IP, sent=300)]
    metrics = compute_metrics(dataset_of(*stats), Window.ending(JAN[7], 7))[IP]
    assert metrics.largest_day_over_day_jump == pytest.approx(3.0)


def test_daily_series_has_zero_days_and_idle_days_count_from_the_last_send() -> None:
    dataset = dataset_of(
        stat(JAN[0], IP, sent=10),
        stat(JAN[1], IP, sent=0),
        stat(JAN[3], IP, sent=20),
        stat(JAN[13], "192.0.2.2", sent=5),  # another IP makes Jan 14 the latest day
    )
    metrics = compute_metrics(dataset, analysis_window(dataset, 7))  # type: ignore[arg-type]
    series = metrics[IP].daily
    assert [day for day, _ in series] == JAN[:14]
    assert [t.sent for _, t in series] == [10, 0, 0, 20] + [0] * 10
    assert series[2][1] == Totals()  # a day with no record: nothing sent, nothing known
    assert metrics[IP].last_sent_day == JAN[3]
    assert metrics[IP].idle_days == 10
    assert metrics[IP].totals.sent == 0
    assert metrics["192.0.2.2"].idle_days == 0


def test_an_ip_with_facts_but_no_counts_has_empty_metrics() -> None:
    dataset = dataset_of(stat(JAN[5], IP, sent=5))
    dataset.facts["192.0.2.9"] = IpFacts(ip="192.0.2.9", pool="p")
    metrics = compute_metrics(dataset, Window.ending(JAN[5], 7))["192.0.2.9"]
    assert metrics.totals == Totals()
    assert metrics.daily == ()
    assert (metrics.idle_days, metrics.last_sent_day, metrics.consistency_cv) == (None, None, None)


def test_every_known_ip_gets_metrics_sorted_v4_before_v6() -> None:
    dataset = dataset_of(
        stat(JAN[0], "2001:db8::1", sent=1),
        stat(JAN[0], "192.0.2.10", sent=1),
        stat(JAN[0], "192.0.2.9", sent=1),
    )
    assert list(compute_metrics(dataset, Window.ending(JAN[0], 7))) == [
        "192.0.2.9",
        "192.0.2.10",
        "2001:db8::1",
    ]


def test_rates_stay_fractions_when_late_bounces_outnumber_the_window_sends() -> None:
    from ipdash.domain.metrics import Totals

    totals = Totals(sent=100, delivered=40, bounced=130, complaints=55, unsubscribes=2)
    assert totals.bounce_rate == 1.0
    assert totals.complaint_rate == 1.0
    assert totals.unsubscribe_rate == 2 / 40
    assert totals.bounced == 130, "the counts stay as reported"
