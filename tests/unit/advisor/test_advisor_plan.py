"""IP count by stream and volume, pools, warm-up preview and monthly cost."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from ipdash.domain.advisor import Recommendation, Verdict, bundled_prices, bundled_rule_book
from ipdash.domain.advisor.costs import monthly_costs
from ipdash.domain.advisor.markdown import cost_figure
from ipdash.domain.advisor.result import recommendation_json
from ipdash.domain.advisor.settings import apply_settings, parse_advisor_settings
from ipdash.domain.advisor.sizing import ips_for_daily_volume
from ipdash.domain.warmup import build_plan
from ipdash.domain.warmup.calendar import send_calendar_day

Run = Callable[..., Recommendation]
TABLE = bundled_rule_book().sizing.ip_count_table


@pytest.mark.parametrize(
    ("daily", "ips", "beyond"),
    [
        (1, 1, False),
        (24_999, 1, False),
        (25_000, 2, False),
        (800_000, 2, False),
        (800_001, 3, False),
        (2_500_000, 3, False),
        (2_500_001, 4, False),
        (10_000_000, 10, False),
        (80_000_000, 20, False),
        (80_000_001, 21, True),
        (160_000_000, 40, True),
    ],
)
def test_ip_count_table_takes_the_next_row_up(daily: int, ips: int, beyond: bool) -> None:
    assert ips_for_daily_volume(daily, TABLE) == (ips, beyond)


def pools_by_name(result: Recommendation) -> dict[str, tuple[int, int]]:
    return {pool.name: (pool.ips, pool.monthly_volume) for pool in result.pools}


def test_both_streams_split_by_share_into_separate_pools(run: Run) -> None:
    result = run(monthly_volume=1_000_000, transactional_share=0.2, sends_per_month=20)
    # 10,000 a sending day of transactional → 1 IP; 40,000 of marketing → 2 IPs (table and ≥ 200k/month).
    assert pools_by_name(result) == {"transactional": (1, 200_000), "marketing": (2, 800_000)}
    assert result.ip_count == 3
    assert all(pool.streams == (pool.name,) for pool in result.pools)


def test_keep_warm_caps_the_table(run: Run) -> None:
    # 150k/month of marketing in 2 sends: 75k a sending day → 2 IPs by the table, but 150k/month keeps 1 warm.
    # (Only the allowlisting exception makes that cadence dedicated at all.)
    result = run(
        monthly_volume=150_000,
        streams="marketing",
        sends_per_month=2,
        sending_days_per_week=1,
        allowlisted_recipients=True,
    )
    assert pools_by_name(result) == {"marketing": (1, 150_000)}
    assert "keep-warm-cap" in [o.rule for o in result.reasons]


def test_marketing_gets_two_ips_from_200k_a_month(run: Run) -> None:
    small = run(monthly_volume=199_999, streams="marketing", allowlisted_recipients=True)
    large = run(monthly_volume=200_000, streams="marketing", allowlisted_recipients=True)
    assert small.ip_count == 1
    assert large.ip_count == 2
    assert "promotional-two-ips" in [o.rule for o in large.reasons]


def test_transactional_does_not_get_the_promotional_minimum(run: Run) -> None:
    assert run(monthly_volume=200_000, streams="transactional", allowlisted_recipients=True).ip_count == 1


def test_mandrill_capacity_adds_ips(run: Run) -> None:
    # 2.5M a sending day → 3 IPs by the table, but Mandrill sends at most 500k a day per IP → 5.
    result = run(provider="mandrill", streams="marketing", monthly_volume=50_000_000, sends_per_month=20)
    assert result.ip_count == 5
    assert "provider-ip-capacity" in [o.rule for o in result.reasons]
    elsewhere = run(provider="sendgrid", streams="marketing", monthly_volume=50_000_000, sends_per_month=20)
    assert elsewhere.ip_count == 3


def test_ses_wants_two_ips_when_volume_keeps_them_warm(run: Run) -> None:
    result = run(provider="ses", streams="transactional", monthly_volume=250_000)
    assert result.ip_count == 2
    assert "provider-min-ips" in [o.rule for o in result.reasons]


def test_ses_second_ip_that_would_go_cold_is_a_risk_instead(run: Run) -> None:
    result = run(provider="ses", streams="transactional", monthly_volume=150_000, allowlisted_recipients=True)
    assert result.ip_count == 1
    assert any("would not stay warm" in risk for risk in result.risks)


def test_pool_below_keep_warm_is_a_risk(run: Run) -> None:
    result = run(monthly_volume=120_000, allowlisted_recipients=True)
    assert result.verdict is Verdict.DEDICATED
    assert sum("keeps an IP warm" in risk for risk in result.risks) == 2


def test_zero_share_stream_gets_no_pool(run: Run) -> None:
    result = run(transactional_share=0.0)
    assert [pool.name for pool in result.pools] == ["marketing"]


def test_beyond_the_table_is_extrapolated_with_a_risk(run: Run) -> None:
    result = run(
        streams="marketing", monthly_volume=3_000_000_000, sends_per_month=30, sending_days_per_week=7
    )
    assert result.ip_count == 25
    assert any("extrapolation" in risk for risk in result.risks)


@pytest.mark.parametrize(
    ("provider", "schedule"),
    [
        (None, "braze-conservative"),
        ("sendgrid", "sendgrid"),
        ("sparkpost", "sparkpost"),
        ("ses", "ses-standard"),
        ("mailgun", "braze-conservative"),
    ],
)
def test_warmup_follows_the_providers_schedule(run: Run, provider: str | None, schedule: str) -> None:
    result = run(provider=provider, monthly_volume=600_000)
    assert result.warmup.schedule == schedule


def test_warmup_sending_days_come_from_the_warmup_engine(run: Run) -> None:
    result = run(
        monthly_volume=1_000_000, transactional_share=0.2, sends_per_month=20, sending_days_per_week=5
    )
    per_ip_peak = max(math.ceil(pool.daily_volume / pool.ips) for pool in result.pools)
    assert result.warmup.target_daily == per_ip_peak == 20_000
    plan = build_plan("braze-conservative", per_ip_peak, sending_weekdays=frozenset(range(5)))
    assert result.warmup.sending_days == plan.sending_days_to_target
    # Calendar time from the cadence: 20 sends a month are 30.44 / 20 = 1.5 days apart.
    assert result.warmup.calendar_days == send_calendar_day(plan.sending_days_to_target, 30.44 / 20)
    assert result.warmup.first_days[:3] == tuple((d.day, d.daily_limit) for d in plan.days[:3])
    assert result.warmup.engine == "ipdash.domain.warmup"


def test_warmup_plan_error_is_shown_not_raised(run: Run) -> None:
    from ipdash.domain.advisor import advise, validate_inputs

    book = bundled_rule_book()
    broken = book.model_copy(
        update={"warmup": book.warmup.model_copy(update={"default_schedule": "no-such-plan"})}
    )
    result = advise(validate_inputs({"monthly_volume": 400_000}), book=broken)
    assert result.warmup.sending_days is None
    assert result.warmup.note.startswith("No plan:")


def test_costs_per_provider_with_sources_and_dates(run: Run) -> None:
    result = run(monthly_volume=1_000_000, transactional_share=0.2, sends_per_month=20)
    rows = {row.provider: row for row in result.monthly_cost}
    assert result.ip_count == 3
    assert rows["ses"].usd == pytest.approx(3 * 24.95 + 1_000 * 0.10), "IPs + $0.10 per 1,000 sent"
    assert (rows["ses"].ip_usd, rows["ses"].per_message_usd) == (pytest.approx(74.85), pytest.approx(100.0))
    assert rows["sendgrid"].usd == pytest.approx(89.95 + 2 * 30.0), "Pro plan includes one IP"
    assert rows["sendgrid"].plan_usd == pytest.approx(89.95) and rows["sendgrid"].stale
    assert rows["sparkpost"].usd == pytest.approx(3 * 20.0)
    assert rows["brevo"].usd is None and "no published price" in rows["brevo"].note
    assert all(row.source and row.as_of and row.basis for row in result.monthly_cost)
    priced = [row.usd for row in result.monthly_cost if row.usd is not None]
    assert priced == sorted(priced)
    assert result.monthly_cost[-1].provider == "brevo"


def test_current_provider_comes_first(run: Run) -> None:
    result = run(provider="mailgun")
    assert result.monthly_cost[0].provider == "mailgun" and result.monthly_cost[0].current


def test_sparkpost_self_serve_limit_is_noted() -> None:
    rows = monthly_costs(bundled_prices(), ips=5, kind="dedicated", provider=None, budget_usd=None)
    sparkpost = next(row for row in rows if row.provider == "sparkpost")
    assert "self-serve maximum of 4" in sparkpost.note


@pytest.mark.parametrize(("budget", "within"), [(None, None), (100.0, True), (99.8, True), (99.79, False)])
def test_budget_marks_rows(budget: float | None, within: bool | None) -> None:
    rows = monthly_costs(bundled_prices(), ips=4, kind="dedicated", provider=None, budget_usd=budget)
    ses = next(row for row in rows if row.provider == "ses")
    assert ses.within_budget is within


@pytest.mark.parametrize(
    ("provider", "volume", "lower_bound"),
    [
        ("ses", 5_000_000, False),  # IPs + per-message charges: the whole bill
        ("sendgrid", 100_000, False),  # the Pro 100K plan carries it
        ("sendgrid", 100_001, True),  # a higher tier, not in the table
        ("sparkpost", 100_000, True),  # IPs only: the sending plan is extra
        ("telnyx", 100_000, True),
        ("brevo", 100_000, False),  # no figure at all: n/a, not a floor
    ],
)
def test_a_figure_that_leaves_a_charge_out_is_a_floor(provider: str, volume: int, lower_bound: bool) -> None:
    rows = monthly_costs(
        bundled_prices(), ips=2, kind="dedicated", provider=None, budget_usd=None, monthly_volume=volume
    )
    row = next(row for row in rows if row.provider == provider)
    assert row.lower_bound is lower_bound
    assert ("a floor (≥)" in row.note) is lower_bound
    assert cost_figure(row).startswith("≥ $") is lower_bound


@pytest.mark.parametrize(("budget", "within"), [(10_000.0, None), (79.99, False)])
def test_a_floor_under_the_budget_is_not_within_it(budget: float, within: bool | None) -> None:
    rows = monthly_costs(bundled_prices(), ips=4, kind="dedicated", provider=None, budget_usd=budget)
    sparkpost = next(row for row in rows if row.provider == "sparkpost")
    assert sparkpost.usd == pytest.approx(80.0) and sparkpost.lower_bound
    assert sparkpost.within_budget is within


def test_own_provider_floor_under_the_budget_is_a_risk_not_a_pass(run: Run) -> None:
    result = run(monthly_volume=3_000_000, provider="sendgrid", budget_usd=10_000)
    own = result.monthly_cost[0]
    assert own.current and own.lower_bound and own.within_budget is None
    assert "needs a higher tier" in own.note
    assert any("at least" in risk and "is not known" in risk for risk in result.risks)
    assert recommendation_json(result)["monthly_cost"][0]["usd_is_lower_bound"] is True


def test_own_provider_floor_over_the_budget_is_over(run: Run) -> None:
    result = run(monthly_volume=3_000_000, provider="sendgrid", budget_usd=50)
    assert any("costs at least $" in risk and "over the $50.00 budget" in risk for risk in result.risks)


def test_all_in_can_be_set_in_config_for_a_contract_price() -> None:
    prices = apply_settings(
        bundled_rule_book(),
        bundled_prices(),
        parse_advisor_settings({"prices": {"sparkpost": {"usd_per_ip": 45, "all_in": True}}}),
    )[1]
    rows = monthly_costs(prices, ips=2, kind="dedicated", provider=None, budget_usd=100.0)
    sparkpost = next(row for row in rows if row.provider == "sparkpost")
    assert (sparkpost.usd, sparkpost.lower_bound, sparkpost.within_budget) == (90.0, False, True)


def test_budget_over_at_own_provider_is_a_risk(run: Run) -> None:
    result = run(provider="ses", budget_usd=10)
    assert any("over the $10.00 budget" in risk for risk in result.risks)


def test_budget_no_price_fits_is_a_risk(run: Run) -> None:
    result = run(monthly_volume=1_000_000, budget_usd=1)
    assert any("No listed price fits" in risk for risk in result.risks)


def test_budget_that_fits_is_not_a_risk(run: Run) -> None:
    result = run(budget_usd=10_000)
    assert not any("budget" in risk for risk in result.risks)


def test_managed_cost_is_per_account() -> None:
    rows = monthly_costs(bundled_prices(), ips=7, kind="managed", provider="ses", budget_usd=None)
    assert [(row.provider, row.usd, row.current) for row in rows] == [
        ("ses-managed", 15.0, True),
        ("ses-pro", 105.0, True),
    ]
