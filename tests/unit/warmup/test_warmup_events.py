"""Which warm-up states become feed breaches, with severity and since-date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ipdash.domain.warmup.events import warmup_breach
from ipdash.domain.warmup.plans import build_plan
from ipdash.domain.warmup.progress import assess_warmup
from ipdash.domain.warmup.results import DayVolume, WarmupProgress

DAY = date(2024, 5, 6)
PLAN = build_plan("sendgrid", 10_000)


def progress(*sent: int, today: date | None = None, **kwargs: object) -> WarmupProgress:
    history = [DayVolume(DAY + timedelta(days=i), n) for i, n in enumerate(sent)]
    kwargs.setdefault("severity_by_day", {})
    return assess_warmup(
        "192.0.2.8",
        PLAN,
        history,
        today=today or history[-1].day,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("sent", [(50, 100), (50, 10), (50, 100, 500, 1_000, 5_000, 10_000)])
def test_on_track_under_sending_and_complete_are_not_news(sent: tuple[int, ...]) -> None:
    assert warmup_breach(progress(*sent)) is None


def test_no_warmup_is_not_news() -> None:
    assert warmup_breach(None) is None


def test_over_cap_is_a_warning_since_the_first_day_over() -> None:
    breach = warmup_breach(progress(50, 150, 700))
    assert breach is not None
    assert (breach.severity, breach.since, breach.ip) == ("warn", DAY + timedelta(days=1), "192.0.2.8")
    assert breach.what == "warm-up ▲ over cap"
    assert "over day 3's cap of 500" in breach.detail


def test_needs_rewarm_is_critical_from_the_day_the_idle_limit_passed() -> None:
    breach = warmup_breach(progress(50, today=DAY + timedelta(days=45)))
    assert breach is not None
    assert (breach.severity, breach.since) == ("critical", DAY + timedelta(days=31))
    assert "sendgrid" in breach.source.lower()


def test_held_on_a_warning() -> None:
    breach = warmup_breach(progress(50, 100, severity_by_day={DAY + timedelta(days=1): "warn"}))
    assert breach is not None
    assert (breach.severity, breach.since, breach.what) == ("warn", DAY + timedelta(days=1), "warm-up ‖ held")


def test_stepped_back_is_critical() -> None:
    breach = warmup_breach(progress(50, 100, 500, severity_by_day={DAY + timedelta(days=2): "critical"}))
    assert breach is not None and breach.severity == "critical"


def test_a_spamhaus_pause_says_so() -> None:
    breach = warmup_breach(progress(50, spamhaus_listed=True))
    assert breach is not None
    assert breach.what == "warm-up ‖ paused (Spamhaus)"
    assert breach.since == DAY
