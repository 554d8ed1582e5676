"""The reputation score (reference/warmup_thresholds.md §4.1): anchors, renormalising, gates, bands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ipdash.domain.metrics import IpMetrics, Totals, Window
from ipdash.domain.models import BlocklistSignal, IpFacts, SndsDay
from ipdash.domain.score import (
    BLOCK_ANCHORS,
    BOUNCE_ANCHORS,
    COMPLAINT_ANCHORS,
    WEIGHTS,
    Band,
    Score,
    band_for,
    piecewise,
    score_ip,
)

END = date(2026, 1, 14)
WINDOW = Window.ending(END, 7)
IP = "192.0.2.1"
CLEAN = BlocklistSignal(spamhaus_listed=False, major_listings=0, minor_listings=0, important_unknown=0)


def totals(sent: int = 100_000, complaint: float | None = 0.0, bounce: float | None = 0.0) -> Totals:
    """Totals with the given rates (fractions): complaints over delivered, hard bounces over sent."""
    return Totals(
        sent=sent,
        delivered=sent,
        bounced=None if bounce is None else round(bounce * sent),
        hard_bounced=None if bounce is None else round(bounce * sent),
        complaints=None if complaint is None else round(complaint * sent),
        unsubscribes=0,
    )


def metrics(
    window_totals: Totals | None = None,
    *,
    by_provider: Mapping[str, Totals] | None = None,
    cv: float | None = 0.2,
    idle: int | None = 0,
    jump: float | None = 1.0,
) -> IpMetrics:
    return IpMetrics(
        ip=IP,
        window=WINDOW,
        totals=window_totals if window_totals is not None else totals(),
        previous=Totals(),
        by_provider=by_provider or {},
        previous_by_provider={},
        daily=tuple((END - timedelta(days=i), Totals()) for i in range(13, -1, -1)),
        daily_by_provider={},
        consistency_cv=cv,
        last_sent_day=None if idle is None else END - timedelta(days=idle),
        idle_days=idle,
        largest_day_over_day_jump=jump,
    )


def snds(colour: str, day: date = END, traps: int = 0) -> SndsDay:
    return SndsDay(IP, day, None, None, 1000, 1000, 1000, colour, "< 0.1%", 0.001, traps)  # type: ignore[arg-type]


def components(score: Score) -> dict[str, tuple[float | None, float]]:
    return {c.name: (c.subscore, c.contribution) for c in score.components}


@pytest.mark.parametrize(
    ("percent", "expected"),
    [
        (0.0, 100),
        (0.05, 100),
        (0.075, 85),
        (0.10, 70),
        (0.12, 65),
        (0.20, 45),
        (0.30, 20),
        (0.40, 10),
        (0.50, 0),
        (2.0, 0),
    ],
)
def test_complaint_anchors(percent: float, expected: float) -> None:
    assert piecewise(percent, COMPLAINT_ANCHORS) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("percent", "expected"),
    [(0.0, 100), (1.5, 100), (2.0, 100), (3.5, 75), (5.0, 50), (7.5, 25), (10.0, 0), (40.0, 0)],
)
def test_bounce_anchors(percent: float, expected: float) -> None:
    assert piecewise(percent, BOUNCE_ANCHORS) == pytest.approx(expected)


def test_weights_sum_to_one() -> None:
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)


def test_the_worked_example_from_the_reference() -> None:
    # complaint 0.12%, bounce 1.5%, no listings, SNDS GREEN with 0 traps, CV 0.2; the reference's
    # "Postmaster MEDIUM" (70) slot is the block rate now: 2% blocks -> 70, the same 10.5 points.
    window_totals = replace(totals(complaint=0.0012, bounce=0.015), blocked=2_000)  # 2% of 100,000
    score = score_ip(
        metrics(window_totals, cv=0.2),
        min_volume=1000,
        blocklists=CLEAN,
        snds=[snds("GREEN")],
        worst_breach="warn",  # 0.12% is over the 0.1% warn level
    )
    assert score.uncapped == pytest.approx(83.75)
    assert score.value == 84
    assert score.band is Band.WATCH
    assert score.gates == ()
    parts = components(score)
    assert parts["complaints"] == (pytest.approx(65), pytest.approx(16.25))
    assert parts["bounces"] == (100, pytest.approx(20))
    assert parts["blocklists"] == (100, pytest.approx(15))
    assert parts["blocks"] == (pytest.approx(70), pytest.approx(10.5))
    assert parts["snds"] == (100, pytest.approx(10))
    assert parts["consistency"] == (pytest.approx(80), pytest.approx(12))
    assert sum(c.contribution for c in score.components) == pytest.approx(83.75)


def test_missing_components_are_dropped_and_weights_renormalised() -> None:
    score = score_ip(metrics(totals(complaint=0.0012, bounce=0.015), cv=None), min_volume=1000)
    assert score.uncapped == pytest.approx((0.25 * 65 + 0.20 * 100) / 0.45)
    assert score.value == 81
    parts = components(score)
    for name in ("blocklists", "blocks", "snds", "consistency"):
        assert parts[name] == (None, 0.0)
    assert parts["complaints"][1] + parts["bounces"][1] == pytest.approx(score.uncapped)


def test_bounce_uses_all_bounces_when_hard_bounces_are_not_reported() -> None:
    window_totals = Totals(sent=10_000, delivered=9_500, bounced=500, complaints=0)
    score = score_ip(metrics(window_totals, cv=None), min_volume=1000)
    assert components(score)["bounces"][0] == pytest.approx(50)  # 5% -> 50
    assert "worst bounce rate 5.00%" in next(c.detail for c in score.components if c.name == "bounces")


def test_the_worst_provider_with_enough_volume_drives_the_rate() -> None:
    by_provider = {
        "gmail.com": totals(sent=10_000, complaint=0.002),  # 0.2% -> 45
        "outlook.com": totals(sent=90_000, complaint=0.0),
        "yahoo.com": totals(sent=500, complaint=0.01),  # 1%, but below the minimum volume
    }
    score = score_ip(metrics(totals(complaint=0.0002), by_provider=by_provider, cv=None), min_volume=1000)
    complaint = next(c for c in score.components if c.name == "complaints")
    assert complaint.subscore == pytest.approx(45)
    assert "gmail.com" in complaint.detail


@pytest.mark.parametrize(
    ("kwargs", "cap", "state"),
    [
        ({"blocklists": BlocklistSignal(True, 0, 0, 0)}, 20, "PAUSE"),
        ({"by_provider": {"gmail.com": totals(sent=10_000, complaint=0.003)}}, 40, "PAUSE"),
        ({"window_totals": totals(complaint=0.005)}, 40, "PAUSE"),  # SES-style 0.5% without Gmail data
        ({"window_totals": totals(bounce=0.10)}, 30, "PAUSE"),
        ({"snds": [snds("GREEN", END - timedelta(days=1)), snds("RED")]}, 40, "HOLD"),
        ({"window_totals": replace(totals(), blocked=10_000)}, 40, "HOLD"),  # 10% blocks: SparkPost's alert
    ],
)
def test_hard_gates_cap_the_score_and_make_it_critical(kwargs: dict, cap: int, state: str) -> None:  # type: ignore[type-arg]
    metric_args = {k: kwargs.pop(k) for k in ("window_totals", "by_provider") if k in kwargs}
    window_totals = metric_args.pop("window_totals", None)
    score = score_ip(metrics(window_totals, **metric_args), min_volume=1000, **kwargs)
    assert [(g.cap, g.state) for g in score.gates] == [(cap, state)]
    assert score.value is not None and score.value <= cap
    assert score.band is Band.CRITICAL
    assert score.reason == score.gates[0].condition


@pytest.mark.parametrize(
    ("kwargs"),
    [
        {"by_provider": {"gmail.com": totals(sent=10_000, complaint=0.0029)}},
        {"by_provider": {"gmail.com": totals(sent=999, complaint=0.01)}},  # Gmail below the minimum volume
        {"window_totals": totals(complaint=0.0049)},
        {"window_totals": totals(bounce=0.0999)},
        {"snds": [snds("RED", END - timedelta(days=1)), snds("GREEN")]},  # RED, but not the latest day
        {"snds": [snds("RED", END - timedelta(days=7))]},  # RED outside the window
        {"window_totals": replace(totals(), blocked=9_990)},  # 9.99% blocks
        {"blocklists": BlocklistSignal(False, 3, 4, 2)},
    ],
)
def test_just_below_each_gate_there_is_no_gate(kwargs: dict) -> None:  # type: ignore[type-arg]
    metric_args = {k: kwargs.pop(k) for k in ("window_totals", "by_provider") if k in kwargs}
    window_totals = metric_args.pop("window_totals", None)
    score = score_ip(metrics(window_totals, **metric_args), min_volume=1000, **kwargs)
    assert score.gates == ()


def test_an_earlier_red_day_and_trap_days_lower_the_snds_component() -> None:
    days = [
        snds("RED", END - timedelta(days=2), traps=3),
        snds("YELLOW", END - timedelta(days=1), traps=1),
        snds("GREEN"),
    ]
    score = score_ip(metrics(), min_volume=1000, snds=days)
    assert components(score)["snds"][0] == 0  # worst RED, then -10 per trap day, floor 0
    score = score_ip(metrics(), min_volume=1000, snds=days[1:])
    assert components(score)["snds"][0] == 40  # worst YELLOW 50, one trap day


def test_blocklist_component() -> None:
    score = score_ip(metrics(), min_volume=1000, blocklists=BlocklistSignal(False, 2, 3, 1))
    blocklists = next(c for c in score.components if c.name == "blocklists")
    assert blocklists.subscore == 100 - 30 - 15
    assert "1 important list(s) could not be checked" in blocklists.detail
    floor = score_ip(metrics(), min_volume=1000, blocklists=BlocklistSignal(False, 9, 9, 0))
    assert components(floor)["blocklists"][0] == 0


@pytest.mark.parametrize(("idle", "gated"), [(30, False), (31, True)])
def test_idle_over_30_days_needs_a_rewarm(idle: int, gated: bool) -> None:
    score = score_ip(metrics(idle=idle), min_volume=1000)
    assert [(g.state, g.cap) for g in score.gates] == ([("REWARM", None)] if gated else [])
    if gated:
        assert components(score)["consistency"][0] == 0
        assert score.band is not Band.CRITICAL or (score.value is not None and score.value < 50)


def test_consistency_is_not_judged_during_warm_up() -> None:
    facts = IpFacts(ip=IP, warmup_start=END - timedelta(days=10))
    score = score_ip(metrics(cv=0.9), min_volume=1000, facts=facts)
    consistency = next(c for c in score.components if c.name == "consistency")
    assert consistency.subscore is None
    assert "warming up" in consistency.detail
    after = score_ip(
        metrics(cv=0.9), min_volume=1000, facts=IpFacts(ip=IP, warmup_start=END - timedelta(days=60))
    )
    assert components(after)["consistency"][0] == pytest.approx(10)


def test_a_doubling_day_costs_25_points_of_consistency() -> None:
    steady = score_ip(metrics(cv=0.1, jump=1.5), min_volume=1000)
    jumped = score_ip(metrics(cv=0.1, jump=2.5), min_volume=1000)
    assert components(steady)["consistency"][0] == pytest.approx(90)
    assert components(jumped)["consistency"][0] == pytest.approx(65)


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (100, Band.HEALTHY),
        (85, Band.HEALTHY),
        (84.99, Band.WATCH),
        (70, Band.WATCH),
        (69.99, Band.AT_RISK),
        (50, Band.AT_RISK),
        (49.99, Band.CRITICAL),
        (0, Band.CRITICAL),
    ],
)
def test_band_boundaries(value: float, band: Band) -> None:
    assert band_for(value) is band


def test_the_band_agrees_with_the_score_shown() -> None:
    # complaint 0.0962% -> sub-score 72.28; (0.25 * 72.28 + 0.20 * 100) / 0.45 = 84.6, shown as 85.
    score = score_ip(metrics(totals(sent=1_000_000, complaint=0.000962), cv=None), min_volume=1000)
    assert score.uncapped == pytest.approx(84.6)
    assert score.value == 85
    assert score.band is Band.HEALTHY


@settings(max_examples=300, deadline=None)
@given(
    complaint=st.floats(min_value=0, max_value=0.0029),
    bounce=st.floats(min_value=0, max_value=0.099),
    cv=st.one_of(st.none(), st.floats(min_value=0, max_value=3)),
    blocked=st.one_of(st.none(), st.integers(min_value=0, max_value=99_999)),
)
def test_band_always_matches_the_shown_score_without_gates(
    complaint: float, bounce: float, cv: float | None, blocked: int | None
) -> None:
    window_totals = replace(totals(sent=1_000_000, complaint=complaint, bounce=bounce), blocked=blocked)
    score = score_ip(metrics(window_totals, cv=cv), min_volume=1000)
    assert score.gates == ()
    assert score.value is not None and 0 <= score.value <= 100
    assert score.band is band_for(score.value)


@pytest.mark.parametrize(
    ("breach", "band", "value"),
    [(None, Band.HEALTHY, 100), ("warn", Band.WATCH, 84), ("critical", Band.CRITICAL, 49)],
)
def test_a_breach_caps_the_band_and_the_score_shown(breach: str | None, band: Band, value: int) -> None:
    """A "watch 91" would sort above a "healthy 86": the number shown stays inside its band."""
    score = score_ip(metrics(cv=0.0), min_volume=1000, worst_breach=breach)
    assert score.value == value
    assert score.band is band
    assert score.uncapped == 100
    if breach:
        assert score.reason.startswith(f"a breach at {breach} level caps the score at {value}")


def test_unknown_blocklists_never_add_points() -> None:
    """Every important list unanswered: the component drops out, the score is as if never checked."""
    base = metrics(totals(bounce=0.045), cv=1.0)
    never = score_ip(base, min_volume=1000)
    unknown = score_ip(base, min_volume=1000, blocklists=BlocklistSignal(False, 0, 0, 12))
    assert unknown.value == never.value
    component = next(c for c in unknown.components if c.name == "blocklists")
    assert component.subscore is None and component.detail.startswith("unknown: 12 important list(s)")


@pytest.mark.parametrize(("major", "counted"), [(0, None), (1, False), (5, True)])
def test_partial_blocklist_results_count_only_when_they_lower_the_score(
    major: int, counted: bool | None
) -> None:
    """Some lists answered with listings, some important ones did not: the listings may lower the
    score, the unknowns may not raise it."""
    base = metrics(totals(bounce=0.045), cv=1.0)  # 61 without blocklists
    never = score_ip(base, min_volume=1000)
    partial = score_ip(base, min_volume=1000, blocklists=BlocklistSignal(False, major, 0, 3))
    assert partial.value is not None and never.value is not None
    assert partial.value <= never.value
    component = next(c for c in partial.components if c.name == "blocklists")
    if counted is None:
        assert component.subscore is None
    elif counted:
        assert component.contribution > 0 and partial.value < never.value
    else:  # 85 beside a score of 61 would raise it
        assert component.contribution == 0 and partial.value == never.value


def test_a_partial_component_that_would_raise_the_score_is_not_counted() -> None:
    """One minor listing (95) beside a poor bounce score: counting it would raise the score."""
    base = metrics(totals(bounce=0.045), cv=1.0)
    never = score_ip(base, min_volume=1000)
    partial = score_ip(base, min_volume=1000, blocklists=BlocklistSignal(False, 0, 1, 2))
    assert partial.value == never.value
    component = next(c for c in partial.components if c.name == "blocklists")
    assert component.contribution == 0 and "not counted: it would raise the score" in component.detail


def test_a_breach_never_raises_the_band() -> None:
    # bounce 4.5% -> 58.3, consistency 0: (25 + 11.67 + 0) / 0.6 = 61.1
    score = score_ip(metrics(totals(bounce=0.045), cv=1.0), min_volume=1000, worst_breach="warn")
    assert score.value == 61
    assert score.band is Band.AT_RISK


@pytest.mark.parametrize(
    ("window_totals", "idle", "reason"),
    [
        (
            totals(sent=999, complaint=0.01, bounce=0.2),
            0,
            "999 sent in the window, below the 1,000 needed to judge rates",
        ),
        (Totals(), 3, "nothing sent in the window"),
        (Totals(), 40, "idle 40 days: no recent rates to judge; needs re-warm"),
        (totals(complaint=None, bounce=None), 0, ""),
    ],
)
def test_no_score_without_a_rate_component(window_totals: Totals, idle: int, reason: str) -> None:
    score = score_ip(
        metrics(window_totals, idle=idle), min_volume=1000, blocklists=CLEAN, snds=[snds("GREEN")]
    )
    assert score.value is None
    assert score.band is Band.UNKNOWN
    if reason:
        assert score.reason == reason
    else:
        assert "below" in score.reason  # counts without complaint or bounce columns are not a verdict


def test_the_strongest_drag_is_named_when_no_gate_applies() -> None:
    score = score_ip(metrics(totals(complaint=0.002), cv=0.1), min_volume=1000)
    assert score.reason.startswith("complaints: worst complaint rate 0.20%")
    healthy = score_ip(metrics(cv=0.1), min_volume=1000)
    assert healthy.reason == "every judged component is healthy"


def test_the_consistency_detail_counts_sending_days_not_calendar_days() -> None:
    days = tuple((END - timedelta(days=i), Totals(sent=100 if i % 2 else 0)) for i in range(19, -1, -1))
    score = score_ip(replace(metrics(cv=0.1), daily=days), min_volume=1000)
    consistency = next(c for c in score.components if c.name == "consistency")
    assert consistency.detail == "CV 0.10 over the last 10 sending days"


@pytest.mark.parametrize(
    ("percent", "expected"), [(0.0, 100), (0.5, 100), (2.0, 70), (5.0, 30), (10.0, 0), (50.0, 0)]
)
def test_block_anchors(percent: float, expected: float) -> None:
    assert piecewise(percent, BLOCK_ANCHORS) == pytest.approx(expected)


def test_a_provider_blocking_the_ip_drags_the_score_even_when_the_ip_total_is_low() -> None:
    by_provider = {
        "outlook.com": replace(totals(sent=10_000), blocked=600),  # Microsoft refuses 6%
        "gmail.com": replace(totals(sent=90_000), blocked=0),
    }
    ip_totals = replace(totals(sent=100_000), blocked=600)  # 0.6% over all providers
    score = score_ip(metrics(ip_totals, by_provider=by_provider, cv=None), min_volume=1000)
    blocks = next(c for c in score.components if c.name == "blocks")
    assert blocks.subscore == pytest.approx(24) and "outlook.com" in blocks.detail


def test_no_block_counts_drop_the_slot_instead_of_scoring_it() -> None:
    score = score_ip(metrics(totals(complaint=0.0012, bounce=0.015), cv=None), min_volume=1000)
    blocks = next(c for c in score.components if c.name == "blocks")
    assert blocks.subscore is None and blocks.contribution == 0.0
