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


def postmaster(*reasons: str, day: int = 19) -> AccountDay:
    return AccountDay(
        date(2026, 11, day),
        "example.com",
        "gmail",
        complaint_rate=0.0004,
        source="gpt",
        delivery_errors=reasons,
    )


@pytest.mark.parametrize(
    ("reasons", "status"),
    [
        (("low_ip_reputation=0.01",), Status.OK),
        (("low_ip_reputation=0.03", "ip_in_rbls=0.02"), Status.WARN),  # 5% together
        (("low_ip_reputation=0.04", "bad_or_missing_ptr_record=0.07"), Status.CRITICAL),
        (("low_ip_reputation=0", "ip_in_rbls=0", "bad_or_missing_ptr_record=0"), Status.OK),
    ],
)
def test_postmaster_ip_reject_reasons_are_judged_as_the_domains_block_rate(
    reasons: tuple[str, ...], status: Status
) -> None:
    [signal] = account_signals([postmaster(*reasons)], WINDOW, PRESETS, SETTINGS)
    block = {r.metric: r for r in signal.rates}["block_rate"]
    assert (block.status, block.basis, block.preset, block.day) == (
        status,
        "daily",
        "gmail-yahoo",
        date(2026, 11, 19),
    )
    assert "SparkPost" in block.source


def test_a_reject_breach_names_gmail_and_the_reasons_largest_first() -> None:
    day = postmaster("low_ip_reputation=0.04", "ip_in_rbls=0", "bad_or_missing_ptr_record=0.07")
    [item] = account_breaches([day], WINDOW, PRESETS, SETTINGS)
    assert (item.severity, item.metric, item.what) == (
        "critical",
        "block_rate",
        "account · IP-related reject rate",
    )
    assert item.value == pytest.approx(0.11) and item.threshold == 0.1
    assert item.reason.endswith(
        "Gmail rejects mail for bad_or_missing_ptr_record 7.00%, low_ip_reputation 4.00%"
    )


def test_the_reject_level_is_configurable_with_the_block_rate_override() -> None:
    strict = ThresholdSettings(overrides={"block_rate": {"warn": 0.01, "source": "our policy"}})
    [signal] = account_signals([postmaster("low_ip_reputation=0.012")], WINDOW, PRESETS, strict)
    block = {r.metric: r for r in signal.rates}["block_rate"]
    assert block.status is Status.WARN and block.threshold == 0.01 and "our policy" in block.source


@pytest.mark.parametrize(
    "hostile", ["ip_in_rbls=nan", "ip_in_rbls=inf", "ip_in_rbls=-0.5", "ip_in_rbls=7", "=", ""]
)
def test_hostile_reject_values_are_never_a_rate(hostile: str) -> None:
    [signal] = account_signals([postmaster(hostile)], WINDOW, PRESETS, SETTINGS)
    assert "block_rate" not in {r.metric for r in signal.rates}
    assert signal.delivery_errors == ()


def test_the_latest_day_with_reasons_is_judged() -> None:
    days = [
        postmaster("low_ip_reputation=0.2", day=17),
        postmaster("low_ip_reputation=0.01", day=18),
        gmail(0.0004),
    ]
    [signal] = account_signals(days, WINDOW, PRESETS, SETTINGS)
    block = {r.metric: r for r in signal.rates}["block_rate"]
    assert block.status is Status.OK and block.day == date(2026, 11, 18)


def per_provider(mailbox_provider: str, **counts: int) -> AccountDay:
    return AccountDay(date(2026, 11, 19), f"account @ {mailbox_provider}", "sendgrid", source="sg", **counts)


def test_an_account_split_by_mailbox_provider_is_judged_like_an_ips_rows_for_it() -> None:
    days = [
        per_provider("gmail.com", sent=50_000, bounced=100, blocked=3000, complaints=None),
        per_provider("outlook.com", sent=20_000, bounced=50, blocked=100, complaints=80),
    ]
    by_gmail = ThresholdSettings(mailbox_provider_presets={"gmail.com": "gmail-yahoo"})
    signals = {s.scope: s for s in account_signals(days, WINDOW, PRESETS, by_gmail)}
    gmail_signal, outlook = signals["account @ gmail.com"], signals["account @ outlook.com"]
    assert (
        gmail_signal.mailbox_provider == "gmail.com" and gmail_signal.label == "sendgrid:account @ gmail.com"
    )
    gmail_rates = {r.metric: r for r in gmail_signal.rates}
    assert (
        gmail_rates["block_rate"].status is Status.WARN and gmail_rates["block_rate"].preset == "gmail-yahoo"
    )
    assert gmail_rates["complaint_rate"].status is Status.NO_DATA  # not reported: unknown, never 0%
    outlook_rates = {r.metric: r for r in outlook.rates}
    assert outlook_rates["complaint_rate"].status is Status.CRITICAL  # 0.4% >= the default 0.3%
    assert outlook_rates["complaint_rate"].preset == "default"
    found = account_breaches(days, WINDOW, PRESETS, by_gmail)
    assert {(b.ip, b.scope, b.metric) for b in found} == {
        ("sendgrid:account @ gmail.com", "account @ gmail.com", "block_rate"),
        ("sendgrid:account @ outlook.com", "account @ outlook.com", "complaint_rate"),
    }


def test_scopes_split_and_join() -> None:
    from ipdash.domain.accounts import provider_scope, split_scope

    assert split_scope(provider_scope("account", "gmail.com")) == ("account", "gmail.com")
    assert split_scope("account") == ("account", None)
    assert split_scope("news.example.com") == ("news.example.com", None)
    assert split_scope("account @ ") == ("account @ ", None)
