"""Per-day severity for the warm-up rules, and the short state texts for tables."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ipdash.domain.config import ThresholdSettings
from ipdash.domain.models import DailyStat, Dataset, ProviderWarmup
from ipdash.domain.thresholds import MetricThreshold, Preset
from ipdash.domain.warmup.labels import STATE_LABELS, next_step_text, warmup_cell_text
from ipdash.domain.warmup.plans import build_plan
from ipdash.domain.warmup.progress import assess_warmup
from ipdash.domain.warmup.results import DayVolume, WarmupState
from ipdash.domain.warmup.severity import daily_severities

DAY = date(2024, 5, 6)
IP = "192.0.2.77"
PRESETS = {
    "default": Preset(
        name="default",
        metrics={
            "bounce_rate": MetricThreshold(warn=0.02, critical=0.05),
            "complaint_rate": MetricThreshold(warn=0.001, critical=0.003),
        },
    )
}
SETTINGS = ThresholdSettings(min_volume=100)


def stat(day: date, provider: str, sent: int, bounced: int, complaints: int = 0) -> DailyStat:
    return DailyStat(
        day=day,
        ip=IP,
        mailbox_provider=provider,
        sent=sent,
        delivered=sent - bounced,
        bounced=bounced,
        complaints=complaints,
    )


def data(*stats: DailyStat) -> Dataset:
    dataset = Dataset()
    for record in stats:
        dataset.stats[(record.day, record.ip, record.mailbox_provider)] = record
    return dataset


@pytest.mark.parametrize(
    ("bounced", "complaints", "expected"),
    [(0, 0, "ok"), (30, 0, "warn"), (60, 0, "critical"), (0, 2, "warn"), (30, 4, "critical")],
)
def test_the_worst_metric_of_the_day_wins(bounced: int, complaints: int, expected: str) -> None:
    assert daily_severities(data(stat(DAY, "all", 1_000, bounced, complaints)), IP, PRESETS, SETTINGS) == {
        DAY: expected
    }


def test_days_below_the_minimum_volume_are_not_judged() -> None:
    assert daily_severities(data(stat(DAY, "all", 50, 25)), IP, PRESETS, SETTINGS) == {}


def test_providers_are_summed_and_an_all_record_beside_them_is_ignored() -> None:
    dataset = data(
        stat(DAY, "all", 1_000, 500),  # would be critical; the split below replaces it
        stat(DAY, "gmail.com", 600, 6),
        stat(DAY, "yahoo.com", 400, 4),
        stat(DAY + timedelta(days=1), "gmail.com", 600, 20),
    )
    assert daily_severities(dataset, IP, PRESETS, SETTINGS) == {DAY: "ok", DAY + timedelta(days=1): "warn"}


def test_an_unknown_preset_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown threshold preset"):
        daily_severities(data(), IP, PRESETS, ThresholdSettings(preset="nope"))


PLAN = build_plan("sendgrid", 1_000)


def progress_after(*sent: int, **kwargs: object):  # type: ignore[no-untyped-def]
    history = [DayVolume(DAY + timedelta(days=i), n) for i, n in enumerate(sent)]
    today = kwargs.pop("today", history[-1].day if history else DAY)
    return assess_warmup(IP, PLAN, history, today=today, severity_by_day=kwargs.pop("severity", {}), **kwargs)  # type: ignore[arg-type]


def test_every_state_has_a_symbol_and_a_word() -> None:
    for state in WarmupState:
        symbol, _, word = STATE_LABELS[state].partition(" ")
        assert symbol and not symbol.isalnum() and word


@pytest.mark.parametrize(
    ("kwargs", "sent", "text"),
    [
        ({}, (50, 100), "day 3/4 ✓"),
        ({}, (50, 10), "day 2/4 ▽"),
        ({}, (50, 150), "▲ over cap"),
        ({"severity": {DAY + timedelta(days=1): "warn"}}, (50, 100), "‖ held day 2/4"),
        ({"severity": {DAY + timedelta(days=2): "critical"}}, (50, 100, 500), "↓ back to day 2/4"),
        ({"spamhaus_listed": True}, (50,), "‖ paused"),
        ({}, (50, 100, 500, 1_000), "✓ warmed"),
        ({"today": DAY + timedelta(days=40)}, (50,), "⟲ re-warm"),
    ],
)
def test_cell_text(kwargs: dict[str, object], sent: tuple[int, ...], text: str) -> None:
    assert warmup_cell_text(progress_after(*sent, **kwargs)) == text


def test_cell_text_for_no_warmup_is_empty() -> None:
    assert warmup_cell_text(None) == ""


def test_cell_text_prefers_the_providers_stage() -> None:
    state = ProviderWarmup(IP, "mailgun", active=True, stage=4, total_stages=15)
    assert warmup_cell_text(progress_after(50, provider_state=state)) == "stage 4/15 ✓"


def test_next_step_text() -> None:
    assert next_step_text(progress_after(50, 100)) == "advance → 500/day"
    assert next_step_text(progress_after(50, spamhaus_listed=True)) == "pause"
