"""Every path to every verdict, with the boundary values of each figure."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ipdash.domain.advisor import Recommendation, RuleStatus, Verdict

Run = Callable[..., Recommendation]


def status_of(result: Recommendation, rule: str) -> RuleStatus:
    matches = [o.status for o in result.reasons if o.rule == rule]
    assert matches, f"rule {rule} did not appear in the reasons"
    return matches[0]


def test_healthy_sender_goes_dedicated(run: Run) -> None:
    result = run()
    assert result.verdict is Verdict.DEDICATED
    assert result.verdict_reason.startswith("Go dedicated: regular volume at the tipping point")
    assert result.ip_count == sum(pool.ips for pool in result.pools) > 0


@pytest.mark.parametrize(
    ("volume", "verdict"),
    [
        (99_999, Verdict.SHARED),
        (100_000, Verdict.DEDICATED),
        (100_001, Verdict.DEDICATED),
        (20_000, Verdict.SHARED),
    ],
)
def test_volume_floor_is_inclusive_at_exactly_100k(run: Run, volume: int, verdict: Verdict) -> None:
    # A floor only rules dedicated out: meeting it on a fortnightly cadence is still shared.
    result = run(monthly_volume=volume, sends_per_month=2, sending_days_per_week=1)
    assert result.verdict is Verdict.SHARED
    assert status_of(result, "volume-floor") is (RuleStatus.PASS if volume >= 100_000 else RuleStatus.FAIL)


@pytest.mark.parametrize(
    ("sends", "verdict"), [(1, Verdict.SHARED), (2, Verdict.DEDICATED), (3, Verdict.DEDICATED)]
)
def test_cadence_floor_of_two_sends_a_month(run: Run, sends: int, verdict: Verdict) -> None:
    result = run(monthly_volume=200_000, sends_per_month=sends, sending_days_per_week=1)
    assert status_of(result, "cadence-floor") is (RuleStatus.PASS if sends >= 2 else RuleStatus.FAIL)
    assert result.verdict is Verdict.SHARED, "2-3 sends a month meet the floor, not the evidence"


def test_shared_reason_names_each_missed_floor(run: Run) -> None:
    result = run(monthly_volume=60_000, sends_per_month=1, sending_days_per_week=1)
    assert result.verdict is Verdict.SHARED
    assert "60,000 a month < 100,000" in result.verdict_reason
    assert "1 send a month < 2" in result.verdict_reason
    assert result.ip_count == 0
    assert all(pool.kind == "shared" and pool.ips == 0 for pool in result.pools)
    assert result.monthly_cost == ()
    assert result.warmup.schedule is None


@pytest.mark.parametrize(
    ("rate", "value", "verdict"),
    [
        ("bounce_rate", 0.0299, Verdict.DEDICATED),
        ("bounce_rate", 0.03, Verdict.NOT_READY),
        ("bounce_rate", 0.08, Verdict.NOT_READY),
        ("complaint_rate", 0.00099, Verdict.DEDICATED),
        ("complaint_rate", 0.001, Verdict.NOT_READY),
        ("unsubscribe_rate", 0.0099, Verdict.DEDICATED),
        ("unsubscribe_rate", 0.01, Verdict.NOT_READY),
    ],
)
def test_quality_ceilings_are_strict_below(run: Run, rate: str, value: float, verdict: Verdict) -> None:
    result = run(**{rate: value})
    assert result.verdict is verdict


def test_exactly_3_percent_bounce_is_not_ready_with_target(run: Run) -> None:
    result = run(bounce_rate=0.03)
    assert result.verdict is Verdict.NOT_READY
    assert "bounce rate 3% ≥ 3%" in result.verdict_reason
    assert [(t.metric, t.current, t.target) for t in result.targets] == [("bounce_rate", 0.03, "below 3%")]
    assert result.ip_count > 0, "not-ready still shows the plan for once the list is fixed"
    assert "Planned:" in result.verdict_reason


def test_not_ready_lists_every_target(run: Run) -> None:
    result = run(bounce_rate=0.05, complaint_rate=0.002, unsubscribe_rate=0.02)
    assert {t.metric for t in result.targets} == {"bounce_rate", "complaint_rate", "unsubscribe_rate"}


def test_unknown_quality_does_not_block_but_is_a_risk(run: Run) -> None:
    result = run(bounce_rate=None, complaint_rate=None, unsubscribe_rate=None)
    assert result.verdict is Verdict.DEDICATED
    assert status_of(result, "bounce-ceiling") is RuleStatus.UNKNOWN
    assert any(risk.startswith("List quality not given") for risk in result.risks)


def test_bad_quality_while_shared_stays_shared_with_a_risk(run: Run) -> None:
    result = run(monthly_volume=50_000, bounce_rate=0.06)
    assert result.verdict is Verdict.SHARED
    assert any("hurts on shared IPs too" in risk for risk in result.risks)
    assert result.targets == ()


@pytest.mark.parametrize("pattern", ["seasonal", "spiky"])
def test_irregular_volume_goes_managed_where_offered(run: Run, pattern: str) -> None:
    for provider in (None, "ses"):
        result = run(pattern=pattern, provider=provider)
        assert result.verdict is Verdict.MANAGED
        assert "Amazon SES" in result.verdict_reason
        assert all(pool.kind == "managed" for pool in result.pools)
        assert result.warmup.schedule is None and "adaptive" in result.warmup.note
        assert [row.provider for row in result.monthly_cost] == ["ses-managed", "ses-pro"]


def test_seasonal_with_regular_cadence_and_no_managed_offer_gets_a_peak_plan(run: Run) -> None:
    result = run(pattern="seasonal", provider="sendgrid")
    assert result.verdict is Verdict.DEDICATED
    assert result.verdict_reason.startswith("Go dedicated with a peak plan")
    assert any(risk.startswith("Seasonal volume: warm the IPs up to the peak") for risk in result.risks)


def test_irregular_cadence_without_managed_offer_stays_shared_with_reasons(run: Run) -> None:
    result = run(monthly_volume=900_000, sends_per_month=4, sending_days_per_week=1, provider="sendgrid")
    assert result.verdict is Verdict.SHARED
    assert "not offered by this provider" in result.verdict_reason
    assert "longest gap 8 days" in result.verdict_reason


def test_irregular_and_not_ready_is_not_ready_for_managed(run: Run) -> None:
    result = run(pattern="spiky", complaint_rate=0.003)
    assert result.verdict is Verdict.NOT_READY
    assert result.verdict_reason.startswith("Not ready for managed dedicated IPs")


def test_nobody_watching_goes_managed_where_offered(run: Run) -> None:
    result = run(watcher="nobody", provider="ses")
    assert result.verdict is Verdict.MANAGED
    assert "nobody will watch" in result.verdict_reason


def test_nobody_watching_without_managed_offer_is_dedicated_with_a_risk(run: Run) -> None:
    result = run(watcher="nobody", provider="sendgrid")
    assert result.verdict is Verdict.DEDICATED
    assert any(risk.startswith("Nobody will watch the IPs") for risk in result.risks)


@pytest.mark.parametrize("watcher", ["team", "part-time", "unknown"])
def test_someone_or_unknown_watching_keeps_dedicated(run: Run, watcher: str) -> None:
    assert run(watcher=watcher).verdict is Verdict.DEDICATED


def test_allowlisted_recipients_are_the_low_volume_exception(run: Run) -> None:
    result = run(monthly_volume=20_000, allowlisted_recipients=True, streams="transactional")
    assert result.verdict is Verdict.DEDICATED
    assert status_of(result, "allowlist-exception") is RuleStatus.APPLIES
    assert result.ip_count == 1
    assert any("allowlisting servers" in risk for risk in result.risks)


def test_allowlist_exception_ignores_irregularity(run: Run) -> None:
    result = run(monthly_volume=20_000, allowlisted_recipients=True, pattern="spiky")
    assert result.verdict is Verdict.DEDICATED


def test_allowlist_exception_still_needs_a_clean_list(run: Run) -> None:
    result = run(monthly_volume=20_000, allowlisted_recipients=True, bounce_rate=0.04)
    assert result.verdict is Verdict.NOT_READY


def test_allowlisting_above_the_floors_is_not_listed_as_exception_path(run: Run) -> None:
    result = run(allowlisted_recipients=True)
    assert result.verdict is Verdict.DEDICATED
    assert not any("allowlisting servers" in risk for risk in result.risks)


@pytest.mark.parametrize(
    ("provider", "answers", "rule", "verdict"),
    [
        ("sparkpost", {"monthly_volume": 499_999}, "sparkpost-volume-floor", Verdict.SHARED),
        ("sparkpost", {"monthly_volume": 500_000}, "sparkpost-volume-floor", Verdict.DEDICATED),
        ("iterable", {"monthly_volume": 149_999}, "iterable-volume-floor", Verdict.SHARED),
        ("iterable", {"monthly_volume": 150_000}, "iterable-volume-floor", Verdict.DEDICATED),
        ("postmark", {"monthly_volume": 299_999}, "postmark-volume-floor", Verdict.SHARED),
        ("postmark", {"monthly_volume": 300_000}, "postmark-volume-floor", Verdict.DEDICATED),
        ("mailgun", {"monthly_volume": 217_000}, "mailgun-weekly-floor", Verdict.SHARED),
        ("mailgun", {"monthly_volume": 218_000}, "mailgun-weekly-floor", Verdict.DEDICATED),
        ("brevo", {"monthly_volume": 434_000}, "brevo-weekly-floor", Verdict.SHARED),
        ("brevo", {"monthly_volume": 435_000}, "brevo-weekly-floor", Verdict.DEDICATED),
        (
            "mandrill",
            {"monthly_volume": 149_999, "sends_per_month": 30, "sending_days_per_week": 7},
            "mandrill-daily-floor",
            Verdict.SHARED,
        ),
        (
            "mandrill",
            {"monthly_volume": 150_000, "sends_per_month": 30, "sending_days_per_week": 7},
            "mandrill-daily-floor",
            Verdict.DEDICATED,
        ),
        (
            "mandrill",
            {"monthly_volume": 400_000, "sends_per_month": 8, "sending_days_per_week": 2},
            "mandrill-days-floor",
            Verdict.SHARED,
        ),
        (
            "dynamics",
            {"monthly_volume": 700_000, "sending_days_per_week": 2, "sends_per_month": 9},
            "dynamics-days-floor",
            Verdict.SHARED,
        ),
        ("dynamics", {"monthly_volume": 652_286}, "dynamics-weekly-floor", Verdict.DEDICATED),
        ("dynamics", {"monthly_volume": 652_285}, "dynamics-weekly-floor", Verdict.SHARED),
    ],
)
def test_provider_specific_floors(
    run: Run, provider: str, answers: dict[str, int], rule: str, verdict: Verdict
) -> None:
    result = run(provider=provider, **answers)
    expected = RuleStatus.PASS if verdict is Verdict.DEDICATED else RuleStatus.FAIL
    assert status_of(result, rule) is expected
    if verdict is Verdict.SHARED:
        assert result.verdict is Verdict.SHARED
    else:  # the floor met: dedicated when the evidence is there too, else shared saying so
        evidence = all(o.status is RuleStatus.PASS for o in result.reasons if o.effect == "evidence")
        assert result.verdict is (Verdict.DEDICATED if evidence else Verdict.SHARED)
        assert evidence or "the floors are met" in result.verdict_reason


def test_provider_rules_do_not_apply_to_other_providers(run: Run) -> None:
    result = run(provider="sendgrid", monthly_volume=300_000)
    assert result.verdict is Verdict.DEDICATED
    assert not [o for o in result.reasons if o.rule.startswith("sparkpost")]


@pytest.mark.parametrize(("volume", "verdict"), [(250_000, Verdict.MANAGED), (250_001, Verdict.DEDICATED)])
def test_salesforce_mandates_dedicated_above_250k_even_when_irregular(
    run: Run, volume: int, verdict: Verdict
) -> None:
    # Salesforce offers no managed dedicated IPs: spiky at the limit is dedicated on a peak plan.
    result = run(provider="salesforce", monthly_volume=volume, pattern="spiky")
    assert result.verdict is Verdict.DEDICATED
    if verdict is Verdict.MANAGED:
        assert "peak plan" in result.verdict_reason
    else:
        assert status_of(result, "salesforce-mandate") is RuleStatus.APPLIES
        assert "required above 250,000" in result.verdict_reason


@pytest.mark.parametrize(
    ("answers", "verdict"),
    [
        ({"opt_in": "double", "engagement_window_months": 6}, Verdict.DEDICATED),
        ({"opt_in": "single"}, Verdict.NOT_READY),
        ({"engagement_window_months": 7}, Verdict.NOT_READY),
        ({"opt_in": "unknown"}, Verdict.DEDICATED),
    ],
)
def test_dynamics_prerequisites_gate_readiness(
    run: Run, answers: dict[str, object], verdict: Verdict
) -> None:
    result = run(provider="dynamics", monthly_volume=700_000, **answers)
    assert result.verdict is verdict


@pytest.mark.parametrize(
    ("answers", "risk"),
    [({"opt_in": "single"}, "Double opt-in"), ({"engagement_window_months": 12}, "engaged within 6")],
)
def test_opt_in_and_engagement_are_risks_elsewhere(run: Run, answers: dict[str, object], risk: str) -> None:
    result = run(**answers)
    assert result.verdict is Verdict.DEDICATED
    assert any(risk in text for text in result.risks)


def test_time_critical_on_shared_is_a_risk(run: Run) -> None:
    result = run(monthly_volume=30_000, time_critical=True)
    assert result.verdict is Verdict.SHARED
    assert any(risk.startswith("Time-critical mail on shared IPs") for risk in result.risks)
    assert status_of(result, "time-critical") is RuleStatus.APPLIES


def test_time_critical_with_marketing_only_is_flagged(run: Run) -> None:
    result = run(streams="marketing", time_critical=True)
    assert any("only a marketing stream" in risk for risk in result.risks)


def test_both_streams_apply_isolation(run: Run) -> None:
    result = run()
    assert status_of(result, "stream-isolation") is RuleStatus.APPLIES
    assert [pool.name for pool in result.pools] == ["transactional", "marketing"]
    single = run(streams="marketing")
    assert "stream-isolation" not in [o.rule for o in single.reasons]


def test_support_rules_turn_into_risks_when_dedicated(run: Run) -> None:
    result = run(monthly_volume=20_000, sends_per_month=20, allowlisted_recipients=True)
    assert any(risk.startswith("Several hundred per mailbox provider") for risk in result.risks)
    assert status_of(result, "tipping-point") is RuleStatus.FAIL


def test_unknown_risk_rules_are_left_out_of_the_reasons(run: Run) -> None:
    result = run(opt_in="unknown", engagement_window_months=None)
    rules = [o.rule for o in result.reasons]
    assert "double-opt-in" not in rules and "engagement-window" not in rules


def test_every_reason_has_a_source_and_detail(run: Run) -> None:
    for result in (run(), run(monthly_volume=50_000), run(pattern="spiky"), run(bounce_rate=0.2)):
        for outcome in result.reasons:
            assert outcome.source and outcome.detail and outcome.source_short


def test_unknown_provider_is_an_input_problem(run: Run) -> None:
    from ipdash.domain.advisor import InputProblem

    with pytest.raises(InputProblem, match="unknown provider 'hotmail-relay'"):
        run(provider="hotmail-relay")


@pytest.mark.parametrize(
    ("alias", "provider"),
    [("Amazon SES", "ses"), ("aws", "ses"), ("Twilio", "sendgrid"), ("sendinblue", "brevo")],
)
def test_provider_aliases(run: Run, alias: str, provider: str) -> None:
    result = run(provider=alias)
    if result.monthly_cost:
        assert [row.provider for row in result.monthly_cost if row.current] in ([provider], [])
