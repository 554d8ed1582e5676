"""Realistic sender profiles, each judged the way a deliverability consultant would sign:
verdict, IP count range, warm-up length in calendar days (from the cadence and the provider's
mechanism), and a cost line that states its parts. Prices are dated against a fixed day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from ipdash.domain.advisor import Recommendation, Verdict, advise, validate_inputs

TODAY = date(2026, 12, 1)
CLEAN = {"bounce_rate": 0.008, "complaint_rate": 0.0004, "unsubscribe_rate": 0.002}


@dataclass(frozen=True)
class Profile:
    answers: dict[str, Any]
    verdict: Verdict
    ips: tuple[int, int]
    calendar_days: tuple[int, int] | None  # None: no warm-up (shared) or none that holds
    reason: str  # the verdict reason names the evidence (or the missing evidence)
    priced_parts: tuple[str, ...] = ()  # parts the sender's own provider's cost line must carry


PROFILES: dict[str, Profile] = {
    "tiny irregular": Profile(
        {"monthly_volume": 5_000, "sends_per_month": 3, "sending_days_per_week": 1, "pattern": "spiky"},
        Verdict.SHARED,
        (0, 0),
        None,
        "5,000 a month < 100,000",
    ),
    "fortnightly 120k on SendGrid": Profile(
        {"monthly_volume": 120_000, "sends_per_month": 2, "sending_days_per_week": 1, "provider": "sendgrid"},
        Verdict.SHARED,
        (0, 0),
        None,
        "the floors are met, but nothing shows a dedicated IP would pay",
    ),
    "fortnightly 100k on SES": Profile(
        {"monthly_volume": 100_000, "sends_per_month": 2, "provider": "ses", **CLEAN},
        Verdict.SHARED,
        (0, 0),
        None,
        "longest gap 16 days",
    ),
    "weekly 200k on Dynamics 365": Profile(
        {
            "monthly_volume": 870_000,
            "sends_per_month": 4,
            "sending_days_per_week": 1,
            "provider": "dynamics",
            "opt_in": "double",
            "engagement_window_months": 6,
            **CLEAN,
        },
        Verdict.SHARED,
        (0, 0),
        None,
        "1 sending day a week < 3 (Dynamics 365",
    ),
    "steady 1.5M with two streams on SendGrid": Profile(
        {
            "monthly_volume": 1_500_000,
            "sends_per_month": 22,
            "sending_days_per_week": 5,
            "pattern": "steady",
            "streams": "both",
            "transactional_share": 0.2,
            "provider": "sendgrid",
            "watcher": "team",
            **CLEAN,
        },
        Verdict.DEDICATED,
        (3, 4),
        (7, 30),
        "regular volume at the tipping point",
        ("plan_usd", "ip_usd"),
    ),
    "seasonal 1.5M on SendGrid": Profile(
        {
            "monthly_volume": 1_500_000,
            "sends_per_month": 22,
            "sending_days_per_week": 5,
            "pattern": "seasonal",
            "peak_monthly_volume": 4_000_000,
            "streams": "marketing",
            "provider": "sendgrid",
            **CLEAN,
        },
        Verdict.DEDICATED,
        (2, 3),
        (7, 30),
        "peak plan",
        ("plan_usd", "ip_usd"),
    ),
    "5M unattended on SES": Profile(
        {
            "monthly_volume": 5_000_000,
            "sends_per_month": 30,
            "sending_days_per_week": 7,
            "pattern": "steady",
            "provider": "ses",
            "watcher": "nobody",
            **CLEAN,
        },
        Verdict.MANAGED,
        (2, 6),
        (14, 42),
        "nobody will watch the IPs",
        ("plan_usd", "per_message_usd"),
    ),
    "30M daily on SparkPost": Profile(
        {
            "monthly_volume": 30_000_000,
            "sends_per_month": 30,
            "sending_days_per_week": 7,
            "pattern": "steady",
            "streams": "marketing",
            "provider": "sparkpost",
            **CLEAN,
        },
        Verdict.DEDICATED,
        (3, 5),
        (10, 35),
        "6,898,817 a week ≥ 50,000",
        ("ip_usd",),
    ),
    "allowlisting B2B": Profile(
        {
            "monthly_volume": 20_000,
            "sends_per_month": 22,
            "sending_days_per_week": 5,
            "allowlisted_recipients": True,
            "streams": "transactional",
            **CLEAN,
        },
        Verdict.DEDICATED,
        (1, 1),
        (7, 30),
        "allowlisting exception",
    ),
    "dirty list": Profile(
        {
            "monthly_volume": 600_000,
            "sends_per_month": 20,
            "sending_days_per_week": 5,
            "pattern": "steady",
            "bounce_rate": 0.064,
            "complaint_rate": 0.0036,
        },
        Verdict.NOT_READY,
        (2, 4),
        (14, 60),
        "fix list quality first (bounce rate 6.4% ≥ 3%; complaint rate 0.36% ≥ 0.1%)",
    ),
    "time-critical transactional on Postmark": Profile(
        {
            "monthly_volume": 450_000,
            "sends_per_month": 30,
            "sending_days_per_week": 7,
            "pattern": "steady",
            "streams": "transactional",
            "time_critical": True,
            "provider": "postmark",
            **CLEAN,
        },
        Verdict.DEDICATED,
        (1, 2),
        (10, 45),
        "regular volume at the tipping point",
        ("ip_usd",),
    ),
    "Salesforce 300k in one send a month": Profile(
        {
            "monthly_volume": 300_000,
            "sends_per_month": 1,
            "sending_days_per_week": 1,
            "provider": "salesforce",
        },
        Verdict.DEDICATED,
        (1, 3),
        None,  # sends 31 days apart never finish a warm-up
        "required above 250,000",
    ),
    "steady 2M on SES standard": Profile(
        {
            "monthly_volume": 2_000_000,
            "sends_per_month": 22,
            "sending_days_per_week": 5,
            "pattern": "steady",
            "streams": "marketing",
            "provider": "ses",
            **CLEAN,
        },
        Verdict.DEDICATED,
        (2, 3),
        (45, 45),  # time-based: about 45 days whatever is sent
        "regular volume at the tipping point",
        ("ip_usd", "per_message_usd"),
    ),
    "Salesforce 3M on 3 days a week": Profile(
        {
            "monthly_volume": 3_000_000,
            "sends_per_month": 13,
            "sending_days_per_week": 3,
            "pattern": "steady",
            "streams": "marketing",
            "provider": "salesforce",
            **CLEAN,
        },
        Verdict.DEDICATED,
        (2, 3),
        (30, 42),  # weekly caps, at least about 30 days
        "required above 250,000",
    ),
}


def advise_profile(profile: Profile) -> Recommendation:
    return advise(validate_inputs(profile.answers), today=TODAY)


@pytest.mark.parametrize("name", list(PROFILES))
def test_profile(name: str) -> None:
    profile = PROFILES[name]
    result = advise_profile(profile)
    assert result.verdict is profile.verdict, result.verdict_reason
    assert profile.ips[0] <= result.ip_count <= profile.ips[1]
    assert profile.reason in result.verdict_reason
    days = result.warmup.calendar_days
    if profile.calendar_days is None:
        assert days is None
    else:
        assert days is not None and profile.calendar_days[0] <= days <= profile.calendar_days[1]
    own = [row for row in result.monthly_cost if row.current]
    for part in profile.priced_parts:
        assert own, "the sender's provider has a cost line"
        assert all(getattr(row, part) is not None for row in own), part
    for row in result.monthly_cost:
        known = [p for p in (row.plan_usd, row.ip_usd, row.per_message_usd) if p is not None]
        assert row.usd == (round(sum(known), 2) if known else None), "usd is the sum of its parts"
        assert row.as_of and row.source and row.basis


def test_fortnightly_sender_goes_cold_between_sends() -> None:
    result = advise_profile(PROFILES["fortnightly 120k on SendGrid"])
    assert "longest gap 16 days" in result.verdict_reason
    assert result.would_change[0].startswith("at ≥ 50,000/week with ≥ 3 sending days a week")


def test_salesforce_once_a_month_warns_the_warmup_never_holds() -> None:
    result = advise_profile(PROFILES["Salesforce 300k in one send a month"])
    assert result.warmup.note.startswith("The warm-up does not hold")
    assert any(risk.startswith("Irregular cadence on a dedicated IP") for risk in result.risks)


def test_ses_warmup_is_time_based_and_its_caps_follow_the_calendar() -> None:
    result = advise_profile(PROFILES["steady 2M on SES standard"])
    assert result.warmup.mechanism == "time-based"
    days = [send.calendar_day for send in result.warmup.sends]
    assert days == sorted(days) and days[0] == 1
    assert result.warmup.sends[0].cap_per_ip < result.warmup.sends[-1].cap_per_ip


def test_seasonal_warms_to_the_peak_not_the_base() -> None:
    result = advise_profile(PROFILES["seasonal 1.5M on SendGrid"])
    base = max(pool.daily_volume // pool.ips for pool in result.pools)
    assert result.warmup.target_daily is not None and result.warmup.target_daily > 2 * base
    assert any(risk.startswith("Seasonal volume") for risk in result.risks)


def test_managed_ses_cost_states_the_per_message_part_and_its_exclusion() -> None:
    result = advise_profile(PROFILES["5M unattended on SES"])
    managed = next(row for row in result.monthly_cost if row.provider == "ses-managed")
    assert managed.plan_usd == 15.0 and managed.per_message_usd == pytest.approx(500.0)
    assert any("usage fee" in item for item in managed.excludes)
    pro = next(row for row in result.monthly_cost if row.provider == "ses-pro")
    assert pro.usd == pytest.approx(105 + 5_000 * 0.22)


def test_sendgrid_cost_shows_the_plan_that_includes_the_ip_and_is_stale() -> None:
    result = advise_profile(PROFILES["steady 1.5M with two streams on SendGrid"])
    sendgrid = next(row for row in result.monthly_cost if row.current)
    assert sendgrid.plan_usd == pytest.approx(89.95) and sendgrid.ip_usd == pytest.approx(60.0)
    assert sendgrid.stale and "over 12 months old" in sendgrid.note
    assert any("higher Pro tiers" in item for item in sendgrid.excludes)


def test_postmark_is_not_offered_below_its_dedicated_minimum() -> None:
    small = advise(validate_inputs({**PROFILES["allowlisting B2B"].answers}), today=TODAY)
    assert "postmark" not in [row.provider for row in small.monthly_cost]
    large = advise_profile(PROFILES["time-critical transactional on Postmark"])
    assert "postmark" in [row.provider for row in large.monthly_cost]


def test_no_profile_suggests_another_provider_in_what_would_change() -> None:
    for profile in PROFILES.values():
        for change in advise_profile(profile).would_change:
            assert " on " not in change and "provider" not in change, change


def test_pattern_not_given_is_an_assumption_not_a_fact() -> None:
    result = advise(validate_inputs({"monthly_volume": 40_000, "sends_per_month": 1}), today=TODAY)
    assert "Sending pattern not given: assumed steady." in result.assumptions
    steady = next(o for o in result.reasons if o.rule == "steady-pattern")
    assert steady.detail == "pattern not given: assumed steady"
    assert any(a.startswith("Longest gap between sends not given") for a in result.assumptions)
