"""What the charts draw: per mailbox provider, over the range, axes people read (31k, 0.1%)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ipdash.domain.metrics import Totals, Window
from ipdash.ui.widgets.chart_axes import count_label, date_ticks, percent_label, value_ticks
from ipdash.ui.widgets.chart_data import MAX_PROVIDERS, MIN_CHART_DAYS, MIN_DAILY_SENT, build, chart_days

END = date(2026, 11, 20)


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "0"), (250, "250"), (1500, "1.5k"), (31_000, "31k"), (1_500_000, "1.5M"), (2e9, "2G")],
)
def test_count_labels(value: float, text: str) -> None:
    assert count_label(value) == text


@pytest.mark.parametrize(
    ("fraction", "text"), [(0.001, "0.1%"), (0.0025, "0.25%"), (0.02, "2%"), (0.0007, "0.07%"), (0, "0%")]
)
def test_percent_labels_have_no_trailing_zeros(fraction: float, text: str) -> None:
    assert percent_label(fraction) == text


@pytest.mark.parametrize(
    ("top", "ticks"),
    [
        (0.065, [0, 0.02, 0.04, 0.06, 0.08]),
        (31_000, [0, 10_000, 20_000, 30_000, 40_000]),
        (0.0033, [0, 0.001, 0.002, 0.003, 0.004]),
    ],
)
def test_value_ticks_are_round_and_cover_the_top(top: float, ticks: list[float]) -> None:
    assert value_ticks(top) == pytest.approx(ticks)


def test_date_ticks_always_label_the_last_day() -> None:
    days = [END - timedelta(days=n) for n in range(29, -1, -1)]
    positions, labels = date_ticks(days)
    assert positions[0] == 0 and positions[-1] == 29 and labels[-1] == "11-20"
    assert date_ticks([]) == ([], [])


def test_short_ranges_and_new_ips_still_chart_a_week() -> None:
    assert len(chart_days(Window(END, END))) == MIN_CHART_DAYS
    assert chart_days(Window(END - timedelta(days=89), END), first=END - timedelta(days=20))[
        0
    ] == END - timedelta(days=20)
    assert (
        len(chart_days(Window(END - timedelta(days=89), END), first=END - timedelta(days=2)))
        == MIN_CHART_DAYS
    )


def series(sent: int, bounced: int, days: int = 7) -> list[tuple[date, Totals]]:
    return [
        (END - timedelta(days=n), Totals(sent=sent, delivered=sent - bounced, bounced=bounced, complaints=1))
        for n in range(days - 1, -1, -1)
    ]


def test_one_line_per_provider_biggest_first_and_the_rest_summed() -> None:
    providers = {
        "gmail.com": series(40_000, 400),
        "outlook.com": series(20_000, 1000),
        "yahoo.com": series(10_000, 100),
        "icloud.com": series(5_000, 50),
        "web.de": series(3_000, 30),
        "gmx.net": series(2_000, 20),
    }
    chart = build(providers, chart_days(Window(END - timedelta(days=6), END)))
    labels = [line.label for line in chart.volume]
    assert labels == ["gmail.com", "outlook.com", "yahoo.com", "icloud.com", "2 others"]
    assert len(labels) == MAX_PROVIDERS + 1
    assert chart.volume[-1].points[0] == (0, 5000.0)  # web.de + gmx.net
    outlook = next(line for line in chart.rates["bounce_rate"] if line.label == "outlook.com")
    assert outlook.points[-1] == (6, pytest.approx(0.05))
    assert len({line.marker for line in chart.volume}) == len(chart.volume)  # told apart without colour


def test_a_provider_day_too_small_to_mean_anything_is_not_drawn_as_a_rate() -> None:
    small = series(MIN_DAILY_SENT - 1, 10)
    chart = build(
        {"gmail.com": series(5000, 50), "tiny.example": small},
        chart_days(Window(END - timedelta(days=6), END)),
    )
    assert [line.label for line in chart.rates["bounce_rate"]] == ["gmail.com"]
    assert chart.skipped_days >= 7
    assert [line.label for line in chart.volume] == ["gmail.com", "tiny.example"]  # its volume is still shown


def test_nothing_sent_draws_nothing() -> None:
    chart = build({}, chart_days(Window(END, END)))
    assert chart.volume == () and chart.rates["bounce_rate"] == ()
