"""Provider-reported warm-up: shown as the provider's and preferred over ipdash's estimate."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ipdash.domain.models import DailyStat, Dataset, ProviderWarmup
from ipdash.domain.warmup.dataset import assess_dataset_ip
from ipdash.domain.warmup.plans import build_plan
from ipdash.domain.warmup.progress import assess_warmup
from ipdash.domain.warmup.provider_view import assess_provider_only, describe_provider_state
from ipdash.domain.warmup.results import DayVolume, NextAction, WarmupState
from ipdash.domain.warmup.settings import WarmupSettings

MONDAY = date(2024, 5, 6)
PLAN = build_plan("sendgrid", 1_000)
HISTORY = [DayVolume(MONDAY, 50), DayVolume(MONDAY + timedelta(days=1), 100)]
TODAY = MONDAY + timedelta(days=1)


def test_an_active_provider_warmup_supplies_the_progress_figures() -> None:
    state = ProviderWarmup(
        "192.0.2.5", "mailgun", active=True, stage=2, total_stages=15, source="mailgun API"
    )
    progress = assess_warmup("192.0.2.5", PLAN, HISTORY, today=TODAY, provider_state=state)
    assert progress.basis == "provider"
    assert progress.day_reached == 2 and progress.total_days == 15
    assert progress.progress_fraction == pytest.approx(1 / 15)
    assert progress.state is WarmupState.ON_TRACK  # the sending itself is still judged
    assert "mailgun reports warm-up in progress, stage 2 of 15" in progress.reason
    assert progress.to_json()["provider"]["provider"] == "mailgun"


def test_a_reported_percentage_wins_over_stages() -> None:
    state = ProviderWarmup("192.0.2.5", "ses", active=True, progress=0.42, stage=3, total_stages=10)
    progress = assess_warmup("192.0.2.5", PLAN, HISTORY, today=TODAY, provider_state=state)
    assert progress.progress_fraction == pytest.approx(0.42)


def test_a_provider_that_says_done_completes_the_warmup() -> None:
    state = ProviderWarmup("192.0.2.5", "ses", active=False, progress=1.0, status_text="DONE", source="ses")
    progress = assess_warmup("192.0.2.5", PLAN, HISTORY, today=TODAY, provider_state=state)
    assert progress.state is WarmupState.COMPLETE
    assert progress.next_step.action is NextAction.KEEP
    assert progress.progress_fraction == 1.0
    assert "ses reports warm-up not active, 100% (DONE)" in progress.reason


def test_a_long_idle_spell_is_judged_from_the_data_even_if_the_provider_says_done() -> None:
    state = ProviderWarmup("192.0.2.5", "ses", active=False, progress=1.0)
    progress = assess_warmup(
        "192.0.2.5", PLAN, HISTORY, today=TODAY + timedelta(days=60), provider_state=state
    )
    assert progress.state is WarmupState.NEEDS_REWARM


def test_provider_only_active_means_follow_the_provider() -> None:
    state = ProviderWarmup("192.0.2.5", "sendgrid", active=True, started_on=MONDAY, source="sendgrid API")
    progress = assess_provider_only("192.0.2.5", state, today=TODAY, last_sent=TODAY)
    assert progress.state is WarmupState.ON_TRACK
    assert progress.next_step.action is NextAction.FOLLOW_PROVIDER
    assert progress.plan is None
    assert "started 2024-05-06" in progress.reason
    assert progress.to_json()["schedule"] is None


@pytest.mark.parametrize(
    "state",
    [
        ProviderWarmup("192.0.2.5", "ses", active=False, completed=True),
        ProviderWarmup("192.0.2.5", "sparkpost", active=False, progress=1.0),
    ],
)
def test_provider_only_done_is_complete(state: ProviderWarmup) -> None:
    progress = assess_provider_only("192.0.2.5", state, today=TODAY, last_sent=TODAY)
    assert progress.state is WarmupState.COMPLETE


NOT_WARMING = [
    ProviderWarmup("192.0.2.5", "sendgrid", active=False, status_text="not warming"),  # warmup: false
    ProviderWarmup("192.0.2.5", "sparkpost", active=False, status_text="auto warm-up off"),
    ProviderWarmup("192.0.2.5", "mailgun", active=False, status_text="not warming"),  # not in /v3/ip_warmups
]


@pytest.mark.parametrize("state", NOT_WARMING, ids=lambda s: s.provider)
def test_a_provider_not_warming_is_not_warm_up_complete(state: ProviderWarmup) -> None:
    """ "Not auto-warming" says nothing of the IP's warmth: the user's own plan applies, unchanged."""
    plain = assess_warmup("192.0.2.5", PLAN, HISTORY, today=TODAY)
    told = assess_warmup("192.0.2.5", PLAN, HISTORY, today=TODAY, provider_state=state)
    assert plain.state is not WarmupState.COMPLETE
    assert told.state is plain.state and told.day == plain.day
    assert told.reason.endswith("your plan applies") and told.provider is state


@pytest.mark.parametrize("state", NOT_WARMING, ids=lambda s: s.provider)
def test_a_provider_not_warming_without_a_plan_gives_no_warm_up(state: ProviderWarmup) -> None:
    """No plan and no automatic warm-up: no warm-up information (never "complete"), unless the IP's
    own history says it must re-warm."""
    recent = Dataset(stats={(TODAY, "192.0.2.5", "all"): DailyStat(TODAY, "192.0.2.5", "all", 5000)})
    recent.warmups["192.0.2.5"] = state
    settings = WarmupSettings()
    assert assess_dataset_ip(recent, "192.0.2.5", settings=settings, today=TODAY) is None
    idle = TODAY + timedelta(days=40)
    rewarm = assess_dataset_ip(recent, "192.0.2.5", settings=settings, today=idle)
    assert rewarm is not None and rewarm.state is WarmupState.NEEDS_REWARM


def test_provider_only_idle_needs_rewarm() -> None:
    state = ProviderWarmup("192.0.2.5", "sparkpost", active=False)
    progress = assess_provider_only("192.0.2.5", state, today=TODAY, last_sent=TODAY - timedelta(days=31))
    assert progress.state is WarmupState.NEEDS_REWARM
    assert progress.next_step.action is NextAction.REWARM


@pytest.mark.parametrize(
    ("state", "text"),
    [
        (ProviderWarmup("x", "sendgrid", active=True), "sendgrid reports warm-up in progress"),
        (
            ProviderWarmup("x", "sparkpost", active=True, stage=4),
            "sparkpost reports warm-up in progress, stage 4",
        ),
        (ProviderWarmup("x", "ses", active=True, progress=0.25), "ses reports warm-up in progress, 25%"),
    ],
)
def test_descriptions(state: ProviderWarmup, text: str) -> None:
    assert describe_provider_state(state) == text
