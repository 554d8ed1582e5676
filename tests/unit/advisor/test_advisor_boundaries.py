"""Boundary values of every threshold the evidence-based decision adds, and the price age."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from ipdash.domain.advisor import (
    InvalidInputs,
    Recommendation,
    RuleStatus,
    Verdict,
    bundled_prices,
    validate_inputs,
)
from ipdash.domain.advisor.costs import monthly_costs, months_old
from ipdash.domain.advisor.evaluate import assumed_longest_gap

Run = Callable[..., Recommendation]


def status_of(result: Recommendation, rule: str) -> RuleStatus:
    return next(o.status for o in result.reasons if o.rule == rule)


@pytest.mark.parametrize(("volume", "verdict"), [(217_428, Verdict.SHARED), (217_429, Verdict.DEDICATED)])
def test_tipping_point_is_50k_a_week_inclusive(run: Run, volume: int, verdict: Verdict) -> None:
    result = run(monthly_volume=volume)  # 30.44 / 7 weeks a month: 50,000 a week = 217,428.6 a month
    assert result.verdict is verdict
    assert status_of(result, "tipping-point") is (
        RuleStatus.PASS if verdict is Verdict.DEDICATED else RuleStatus.FAIL
    )


@pytest.mark.parametrize(("days", "sends", "verdict"), [(2, 9, Verdict.SHARED), (3, 13, Verdict.DEDICATED)])
def test_regular_cadence_needs_3_days_a_week(run: Run, days: int, sends: int, verdict: Verdict) -> None:
    result = run(
        monthly_volume=600_000, sending_days_per_week=days, sends_per_month=sends, provider="sendgrid"
    )
    assert result.verdict is verdict
    assert status_of(result, "regular-days") is (RuleStatus.PASS if days >= 3 else RuleStatus.FAIL)


@pytest.mark.parametrize(("gap", "status"), [(6, RuleStatus.PASS), (7, RuleStatus.FAIL)])
def test_a_week_long_gap_is_cooling(run: Run, gap: int, status: RuleStatus) -> None:
    result = run(monthly_volume=600_000, longest_gap_days=gap, provider="sendgrid")
    assert status_of(result, "max-gap") is status
    assert result.verdict is (Verdict.DEDICATED if status is RuleStatus.PASS else Verdict.SHARED)


@pytest.mark.parametrize(("gap", "status"), [(29, RuleStatus.PASS), (30, RuleStatus.FAIL)])
def test_30_idle_days_rule_dedicated_out(run: Run, gap: int, status: RuleStatus) -> None:
    result = run(monthly_volume=600_000, longest_gap_days=gap, provider="sendgrid")
    assert status_of(result, "idle-floor") is status
    assert result.verdict is Verdict.SHARED
    if status is RuleStatus.FAIL:
        assert "No 30-day gaps between sends" in result.verdict_reason


@pytest.mark.parametrize(("volume", "status"), [(99_999, RuleStatus.FAIL), (100_000, RuleStatus.PASS)])
def test_daily_floor_is_5000_a_sending_day(run: Run, volume: int, status: RuleStatus) -> None:
    result = run(monthly_volume=volume, sends_per_month=20)  # 4,999.95 vs 5,000 a sending day
    assert status_of(result, "daily-floor") is status


@pytest.mark.parametrize(
    ("sends", "days", "gap"), [(1, 1, 31), (2, 1, 16), (4, 1, 8), (13, 3, 3), (22, 5, 2), (30, 7, 2)]
)
def test_assumed_gap_comes_from_the_real_cadence(sends: int, days: int, gap: int) -> None:
    assert assumed_longest_gap(sends, days, 30.44) == gap


def test_pattern_given_as_steady_is_not_an_assumption(run: Run) -> None:
    assert "Sending pattern not given: assumed steady." not in run().assumptions
    result = run(pattern=None)
    assert "Sending pattern not given: assumed steady." in result.assumptions


def test_peak_is_assumed_twice_the_base_when_not_given(run: Run) -> None:
    result = run(monthly_volume=1_000_000, pattern="seasonal", provider="sendgrid")
    assert "Peak month not given: assumed 2× the typical month (2,000,000)." in result.assumptions
    given = run(
        monthly_volume=1_000_000, pattern="seasonal", provider="sendgrid", peak_monthly_volume=1_500_000
    )
    assert not any(a.startswith("Peak month") for a in given.assumptions)


def test_peak_below_the_typical_month_is_refused() -> None:
    with pytest.raises(InvalidInputs, match="peak_monthly_volume"):
        validate_inputs({"monthly_volume": 100_000, "peak_monthly_volume": 99_999})


@pytest.mark.parametrize(
    ("as_of", "today", "months"),
    [("2025-12", date(2026, 12, 1), 12), ("2025-11", date(2026, 12, 1), 13), ("2020", date(2026, 12, 1), 72)],
)
def test_price_age_in_months(as_of: str, today: date, months: int) -> None:
    assert months_old(as_of, today) == months


@pytest.mark.parametrize("as_of", ["config", "", "soon", "2026-13"])
def test_unreadable_price_date_is_not_called_stale(as_of: str) -> None:
    assert months_old(as_of, date(2026, 12, 1)) is None


@pytest.mark.parametrize(("today", "stale"), [(date(2027, 7, 1), False), (date(2027, 8, 1), True)])
def test_price_is_stale_after_12_months(today: date, stale: bool) -> None:
    rows = monthly_costs(
        bundled_prices(), ips=2, kind="dedicated", provider=None, budget_usd=None, today=today
    )
    ses = next(row for row in rows if row.provider == "ses")  # as_of 2026-07
    assert ses.stale is stale


def test_price_age_limit_is_a_config_figure() -> None:
    from ipdash.domain.advisor import advise, advisor_data

    book, prices = advisor_data({"figures": {"price_max_age_months": 120}})
    inputs = validate_inputs({"monthly_volume": 600_000, "provider": "sendgrid"})
    fresh = advise(inputs, book=book, prices=prices, today=date(2026, 12, 1))
    assert not any(row.stale for row in fresh.monthly_cost)
    default = advise(inputs, today=date(2026, 12, 1))
    assert next(row for row in default.monthly_cost if row.current).stale


@pytest.mark.parametrize(
    "section", [{"price_max_age_months": 120}, {"figures": {"price_max_age_months": 120}}]
)
def test_price_age_limit_is_set_in_the_advisor_section(section: dict[str, object]) -> None:
    from ipdash.domain.advisor import advisor_data

    book, _prices = advisor_data(section)
    assert book.sizing.price_max_age_months.value == 120


@pytest.mark.parametrize("bad", [0, -3, "soon"])
def test_bad_price_age_limit_is_refused_naming_the_key(bad: object) -> None:
    from ipdash.domain.advisor import InvalidSettings, advisor_data

    with pytest.raises(InvalidSettings, match="price_max_age_months"):
        advisor_data({"price_max_age_months": bad})


@pytest.mark.parametrize(("volume", "risk"), [(87_900, True), (88_000, False)])
def test_per_ip_volume_per_mailbox_provider_below_1000_a_day_is_a_risk(
    run: Run, volume: int, risk: bool
) -> None:
    # One transactional IP, 22 sends a month, allowlisted: 88,000 / 22 / 4 = 1,000 per mailbox provider.
    result = run(
        monthly_volume=volume,
        streams="transactional",
        sends_per_month=22,
        allowlisted_recipients=True,
    )
    assert result.ip_count == 1
    assert any("each major mailbox provider, below the ~1,000" in r for r in result.risks) is risk
