"""'What would change the answer': every statement is checked by re-running the advisor."""

from __future__ import annotations

from collections.abc import Callable

from ipdash.domain.advisor import Recommendation, advise, validate_inputs

Run = Callable[..., Recommendation]


def test_below_both_floors_names_the_combined_change(run: Run) -> None:
    result = run(monthly_volume=60_000, sends_per_month=1, sending_days_per_week=1)
    assert (
        "at ≥ 50,000/week with ≥ 3 sending days a week and no gap of 7 days or more this becomes dedicated"
        in result.would_change
    )


def test_the_combined_change_really_gives_that_verdict(run: Run) -> None:
    result = run(monthly_volume=60_000, sends_per_month=1, sending_days_per_week=1)
    changed = run(monthly_volume=217_572, sends_per_month=13, sending_days_per_week=3, longest_gap_days=6)
    assert changed.verdict.value == "dedicated"
    assert result.would_change[0].endswith(changed.verdict.value)


def test_allowlisting_is_offered_below_the_floors(run: Run) -> None:
    result = run(monthly_volume=50_000)
    assert "if your recipients' servers allowlist your IP, this becomes dedicated" in result.would_change


def test_dedicated_lists_what_would_undo_it(run: Run) -> None:
    result = run()
    assert "below 50,000/week this becomes shared" in result.would_change
    assert "with a gap of 7 days between sends this becomes managed-dedicated" in result.would_change
    assert "with fewer than 2 sends a month this becomes shared" in result.would_change
    assert "with a spiky or seasonal pattern this becomes managed-dedicated" in result.would_change
    assert "at a bounce rate of 3% or more this becomes not-ready" in result.would_change
    assert "at an unsubscribe rate of 1% or more this becomes not-ready" in result.would_change
    assert "if nobody watches the IPs this becomes managed-dedicated" in result.would_change


def test_binding_floor_is_the_providers_when_higher(run: Run) -> None:
    result = run(provider="sparkpost", monthly_volume=600_000)
    assert "below 500,000/month this becomes shared" in result.would_change
    assert "below 100,000/month this becomes shared" not in result.would_change


def test_not_ready_names_the_fix(run: Run) -> None:
    result = run(bounce_rate=0.05, complaint_rate=0.002)
    assert (
        "with bounce rate below 3% and complaint rate below 0.1% this becomes dedicated"
        in result.would_change
    )


def test_irregular_names_steady_and_never_another_provider(run: Run) -> None:
    result = run(pattern="seasonal", provider="ses")
    assert "with a steady sending pattern this becomes dedicated" in result.would_change
    assert not any(" on " in change or "Amazon" in change for change in result.would_change)
    dynamics = run(provider="dynamics", monthly_volume=870_000, sends_per_month=4, sending_days_per_week=1)
    assert not any("SES" in change or "provider" in change for change in dynamics.would_change)


def test_managed_for_nobody_watching_names_the_watcher(run: Run) -> None:
    result = run(watcher="nobody", provider="ses")
    assert "with someone watching the IPs daily this becomes dedicated" in result.would_change


def test_changes_that_keep_the_verdict_are_not_listed(run: Run) -> None:
    # Deep below the floors: a steady pattern changes nothing, so it is not offered.
    result = run(monthly_volume=10_000, pattern="spiky")
    assert not any("steady" in change for change in result.would_change)
    assert all(" this becomes " in change for change in result.would_change)


def test_every_statement_is_reproducible() -> None:
    """Each statement's verdict differs from the current one (no statement repeats the verdict)."""
    for answers in (
        {"monthly_volume": 60_000, "sends_per_month": 1, "sending_days_per_week": 1},
        {"monthly_volume": 400_000, "bounce_rate": 0.04},
        {"monthly_volume": 400_000, "pattern": "spiky", "provider": "mailgun"},
        {"monthly_volume": 2_000_000, "provider": "dynamics", "opt_in": "single"},
    ):
        result = advise(validate_inputs(answers))
        for change in result.would_change:
            assert not change.endswith(f"this becomes {result.verdict.value}")
        assert len(set(result.would_change)) == len(result.would_change)


def test_changes_can_be_switched_off() -> None:
    result = advise(validate_inputs({"monthly_volume": 60_000}), explain_changes=False)
    assert result.would_change == ()
