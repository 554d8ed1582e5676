"""Account and domain signals judged against the presets: Gmail spam rate, SES reputation, ESP totals."""

from __future__ import annotations

from datetime import date

import pytest

from ipdash.domain.accounts import account_signals
from ipdash.domain.config import ThresholdSettings
from ipdash.domain.metrics import Window
from ipdash.domain.models import AccountDay
from ipdash.domain.signals import account_breaches
from ipdash.domain.verdicts import Status
from ipdash.sources.reference_data import threshold_presets

WINDOW = Window.ending(date(2026, 11, 20), 7)
PRESETS = threshold_presets()
SETTINGS = ThresholdSettings()


def gmail(rate: float, day: int = 19) -> AccountDay:
    return AccountDay(date(2026, 11, day), "example.com", "gmail", complaint_rate=rate, source="gpt")


@pytest.mark.parametrize(
    ("rate", "status"),
    [(0.0005, Status.OK), (0.001, Status.WARN), (0.003, Status.CRITICAL), (0.005, Status.CRITICAL)],
)
def test_gmail_spam_rate_per_domain_against_point_one_and_point_three_percent(
    rate: float, status: Status
) -> None:
    [signal] = account_signals([gmail(0.0001, 15), gmail(rate)], WINDOW, PRESETS, SETTINGS)
    [spam] = signal.rates
    assert (spam.metric, spam.value, spam.status, spam.preset) == (
        "complaint_rate",
        rate,
        status,
        "gmail-yahoo",
    )
    assert spam.day == date(2026, 11, 19) and spam.basis == "daily"
    found = account_breaches([gmail(rate)], WINDOW, PRESETS, SETTINGS)
    assert [b.severity for b in found] == ([] if status is Status.OK else [status.value])


def test_a_half_percent_gmail_spam_rate_raises_a_critical_feed_line() -> None:
    [item] = account_breaches([gmail(0.005)], WINDOW, PRESETS, SETTINGS)
    assert (item.kind, item.ip, item.what, item.metric) == (
        "account",
        "gmail:example.com",
        "account · spam rate",
        "complaint_rate",
    )
    assert item.value == 0.005 and item.threshold == 0.003
    assert "0.50% ≥ 0.30%" in item.detail and "support.google.com" in item.source


@pytest.mark.parametrize(
    ("bounce", "complaint", "expected"),
    [
        (0.02, 0.0005, []),
        (0.05, 0.0005, [("bounce_rate", "warn")]),  # under review
        (0.10, 0.005, [("bounce_rate", "critical"), ("complaint_rate", "critical")]),  # may be paused
        (0.03, 0.001, [("complaint_rate", "warn")]),
    ],
)
def test_ses_review_and_pause_levels_on_rolling_rates(
    bounce: float, complaint: float, expected: list[tuple[str, str]]
) -> None:
    days = [
        AccountDay(
            date(2026, 11, 19), "account", "ses", bounce_rate=bounce, complaint_rate=complaint,
            rate_basis="rolling", source="ses",
        )
    ]  # fmt: skip
    found = account_breaches(days, WINDOW, PRESETS, SETTINGS)
    assert [(b.metric, b.severity) for b in found] == expected
    for item in found:
        assert item.what.endswith("(rolling)") and "representative volume" in item.detail
        assert item.preset == "ses" and "faqs-enforcement" in item.source


def test_esp_account_totals_are_judged_on_window_counts_with_the_volume_floor() -> None:
    days = [
        AccountDay(
            date(2026, 11, d),
            "account",
            "sendgrid",
            sent=10_000,
            bounced=100,
            blocked=700,
            complaints=2,
            source="sg",
        )
        for d in (18, 19)
    ]
    [signal] = account_signals(days, WINDOW, PRESETS, SETTINGS)
    rates = {r.metric: r for r in signal.rates}
    assert signal.sent == 20_000
    assert rates["block_rate"].value == pytest.approx(0.07) and rates["block_rate"].status is Status.WARN
    assert rates["block_rate"].basis == "window" and rates["block_rate"].preset == "default"
    assert rates["bounce_rate"].status is Status.OK
    small = [AccountDay(date(2026, 11, 19), "account", "sendgrid", sent=50, blocked=40, source="sg")]
    [signal] = account_signals(small, WINDOW, PRESETS, SETTINGS)
    assert {r.status for r in signal.rates} == {Status.INSUFFICIENT_VOLUME}


def test_unreported_counts_are_unknown_not_zero() -> None:
    days = [AccountDay(date(2026, 11, 19), "server", "postmark", sent=5000, bounced=40, source="pm")]
    [signal] = account_signals(days, WINDOW, PRESETS, SETTINGS)
    rates = {r.metric: r.status for r in signal.rates}
    assert rates["block_rate"] is Status.NO_DATA and rates["complaint_rate"] is Status.NO_DATA


def test_compliance_that_needs_work_is_a_warning_and_reasons_are_kept() -> None:
    day = AccountDay(
        date(2026, 11, 20), "example.com", "gmail", complaint_rate=0.0004, source="gpt",
        delivery_errors=("low_ip_reputation=0.02", "garbage"), compliance=("DMARC_POLICY=NEEDS_WORK",),
    )  # fmt: skip
    [signal] = account_signals([day], WINDOW, PRESETS, SETTINGS)
    assert signal.delivery_errors == (("low_ip_reputation", 0.02),)
    [item] = account_breaches([day], WINDOW, PRESETS, SETTINGS)
    assert (item.severity, item.metric, item.detail) == ("warn", "compliance", "needs work: DMARC_POLICY")


def test_days_outside_the_window_are_not_judged() -> None:
    assert account_signals([gmail(0.01, 1)], WINDOW, PRESETS, SETTINGS) == []
