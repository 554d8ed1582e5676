"""Threshold presets as data, inclusive levels, minimum volume, scopes, overrides, onset and ordering."""

from __future__ import annotations

from datetime import date

import pytest

from ipdash.domain.config import MetricThreshold, ThresholdSettings
from ipdash.domain.metrics import Window, compute_metrics
from ipdash.domain.models import ALL_PROVIDERS
from ipdash.domain.thresholds import (
    IP_SCOPE,
    Preset,
    Status,
    UnknownPresetError,
    Verdict,
    breaches,
    evaluate_ip,
    format_rate,
    judge,
    resolve_levels,
)
from ipdash.sources.reference_data import threshold_presets

from .conftest import dataset_of, stat

JAN = [date(2026, 1, d) for d in range(1, 32)]
IP = "192.0.2.1"
PRESETS = threshold_presets()

EXPECTED_LEVELS = [
    ("default", "bounce_rate", 0.02, 0.05),
    ("default", "complaint_rate", 0.001, 0.003),
    ("default", "unsubscribe_rate", 0.01, 0.02),
    ("gmail-yahoo", "complaint_rate", 0.001, 0.003),
    ("gmail-yahoo", "bounce_rate", 0.01, None),
    ("ses", "bounce_rate", 0.05, 0.10),
    ("ses", "complaint_rate", 0.001, 0.005),
    ("dynamics", "bounce_rate", None, 0.03),
    ("dynamics", "complaint_rate", None, 0.001),
    ("dynamics", "unsubscribe_rate", None, 0.01),
    # block bounces: SparkPost's recommended alert at 10%, ipdash warns at half of it
    ("default", "block_rate", 0.05, 0.10),
    ("gmail-yahoo", "block_rate", 0.05, 0.10),
    ("ses", "block_rate", 0.05, 0.10),
    ("dynamics", "block_rate", None, 0.10),
]


@pytest.mark.parametrize(("preset", "metric", "warn", "critical"), EXPECTED_LEVELS)
def test_preset_levels_and_sources(
    preset: str, metric: str, warn: float | None, critical: float | None
) -> None:
    level = PRESETS[preset].metrics[metric]
    assert (level.warn, level.critical) == (warn, critical)
    assert "http" in level.source or ".com" in level.source  # every figure names where it comes from


def test_the_presets_are_exactly_these() -> None:
    assert set(PRESETS) == {"default", "gmail-yahoo", "ses", "dynamics"}
    judged = {(name, metric) for name, preset in PRESETS.items() for metric in preset.metrics}
    assert judged == {(preset, metric) for preset, metric, _, _ in EXPECTED_LEVELS}
    for preset in PRESETS.values():
        assert preset.description
    assert {name: p.accounts for name, p in PRESETS.items() if p.accounts} == {
        "gmail-yahoo": ("gmail",),
        "ses": ("ses",),
    }
    assert all(".com" in p.accounts_source for p in PRESETS.values() if p.accounts)


DEFAULT_COMPLAINT = MetricThreshold(warn=0.001, critical=0.003)
DYNAMICS_BOUNCE = MetricThreshold(warn=None, critical=0.03)


@pytest.mark.parametrize(
    ("value", "level", "expected"),
    [
        (0.0, DEFAULT_COMPLAINT, Status.OK),
        (0.000999, DEFAULT_COMPLAINT, Status.OK),
        (0.001, DEFAULT_COMPLAINT, Status.WARN),  # exactly at the warn level
        (0.002999, DEFAULT_COMPLAINT, Status.WARN),
        (0.003, DEFAULT_COMPLAINT, Status.CRITICAL),  # exactly at the critical level
        (0.5, DEFAULT_COMPLAINT, Status.CRITICAL),
        (0.0299, DYNAMICS_BOUNCE, Status.OK),
        (0.03, DYNAMICS_BOUNCE, Status.CRITICAL),  # "must stay below 3%": 3% is a breach
        (None, DEFAULT_COMPLAINT, Status.NO_DATA),
        (0.5, MetricThreshold(), Status.NOT_JUDGED),
        (0.5, None, Status.NOT_JUDGED),
    ],
)
def test_judge_is_inclusive(value: float | None, level: MetricThreshold | None, expected: Status) -> None:
    assert judge(value, 10_000, level, 1_000) is expected


@pytest.mark.parametrize(
    ("sent", "expected"),
    [(0, Status.INSUFFICIENT_VOLUME), (999, Status.INSUFFICIENT_VOLUME), (1000, Status.CRITICAL)],
)
def test_min_volume_boundary(sent: int, expected: Status) -> None:
    assert judge(0.9, sent, DEFAULT_COMPLAINT, 1_000) is expected


def one_week(
    sent: int, delivered: int, bounced: int, complaints: int, unsubscribes: int, provider: str = ALL_PROVIDERS
):  # type: ignore[no-untyped-def]
    """One day carrying the whole week's counts, inside a 7-day window ending Jan 7."""
    dataset = dataset_of(
        stat(
            JAN[6],
            IP,
            provider,
            sent,
            delivered=delivered,
            bounced=bounced,
            complaints=complaints,
            unsubscribes=unsubscribes,
        )
    )
    return compute_metrics(dataset, Window.ending(JAN[6], 7))[IP]


def verdict_map(verdicts: list[Verdict]) -> dict[tuple[str, str], Verdict]:
    return {(v.scope, v.metric): v for v in verdicts}


@pytest.mark.parametrize(
    ("preset", "counts", "metric", "status"),
    [
        ("default", (1000, 1000, 0, 1, 0), "complaint_rate", Status.WARN),  # 1/1000 = 0.1%
        ("default", (1000, 1000, 0, 3, 0), "complaint_rate", Status.CRITICAL),  # 0.3%
        ("default", (10_000, 10_000, 0, 29, 0), "complaint_rate", Status.WARN),  # 0.29%
        ("default", (1000, 980, 20, 0, 0), "bounce_rate", Status.WARN),  # 2%
        ("default", (1000, 950, 50, 0, 0), "bounce_rate", Status.CRITICAL),  # 5%
        ("default", (1000, 1000, 0, 0, 20), "unsubscribe_rate", Status.CRITICAL),  # 2%
        ("dynamics", (1000, 970, 30, 0, 0), "bounce_rate", Status.CRITICAL),  # exactly 3%
        ("dynamics", (1000, 971, 29, 0, 0), "bounce_rate", Status.OK),
        ("dynamics", (1000, 1000, 0, 1, 0), "complaint_rate", Status.CRITICAL),  # exactly 0.1%
        ("ses", (1000, 900, 100, 0, 0), "bounce_rate", Status.CRITICAL),  # 10%
        ("ses", (1000, 1000, 0, 3, 0), "complaint_rate", Status.WARN),  # 0.3% < SES's 0.5%
        ("gmail-yahoo", (1000, 900, 100, 0, 0), "bounce_rate", Status.WARN),  # no critical level for bounces
    ],
)
def test_evaluate_ip_per_preset(preset: str, counts: tuple[int, ...], metric: str, status: Status) -> None:
    verdicts = verdict_map(evaluate_ip(one_week(*counts), PRESETS, ThresholdSettings(preset=preset)))
    verdict = verdicts[(IP_SCOPE, metric)]
    assert verdict.status is status
    assert verdict.preset == preset
    assert verdict.source == PRESETS[preset].metrics[metric].source
    assert verdict.sent == counts[0]


def test_metrics_a_preset_does_not_set_are_not_judged() -> None:
    verdicts = verdict_map(
        evaluate_ip(one_week(1000, 1000, 0, 0, 900), PRESETS, ThresholdSettings(preset="ses"))
    )
    assert (IP_SCOPE, "unsubscribe_rate") not in verdicts


@pytest.mark.parametrize(("sent", "status"), [(999, Status.INSUFFICIENT_VOLUME), (1000, Status.CRITICAL)])
def test_min_volume_through_evaluate(sent: int, status: Status) -> None:
    verdict = verdict_map(evaluate_ip(one_week(sent, sent, 100, 0, 0), PRESETS, ThresholdSettings()))[
        (IP_SCOPE, "bounce_rate")
    ]
    assert verdict.status is status
    if status is Status.INSUFFICIENT_VOLUME:
        assert verdict.reason == "999 sent in the window, below the 1,000 needed to judge the bounce rate"
        assert verdict.since is None
        assert not verdict.status.is_breach


def test_min_volume_from_the_config() -> None:
    verdict = verdict_map(
        evaluate_ip(one_week(500, 500, 50, 0, 0), PRESETS, ThresholdSettings(min_volume=100))
    )
    assert verdict[(IP_SCOPE, "bounce_rate")].status is Status.CRITICAL


def test_reasons_and_levels_crossed() -> None:
    verdicts = verdict_map(evaluate_ip(one_week(1000, 1000, 30, 2, 0), PRESETS, ThresholdSettings()))
    bounce, complaint, unsub = (
        verdicts[(IP_SCOPE, m)] for m in ("bounce_rate", "complaint_rate", "unsubscribe_rate")
    )
    assert (bounce.status, bounce.threshold) == (Status.WARN, 0.02)
    assert bounce.reason == "bounce rate 3.00% is at or above the warn level 2.00%"
    assert (complaint.status, complaint.threshold) == (Status.WARN, 0.001)
    assert complaint.reason == "complaint rate 0.20% is at or above the warn level 0.10%"
    assert (unsub.status, unsub.threshold, unsub.value) == (Status.OK, 0.01, 0.0)
    assert unsub.reason == "unsubscribe rate 0.00% is below 1.00%"


def test_each_mailbox_provider_is_its_own_scope() -> None:
    dataset = dataset_of(
        stat(JAN[6], IP, "gmail.com", 5000, delivered=5000, complaints=20, bounced=0, unsubscribes=0),
        stat(JAN[6], IP, "outlook.com", 5000, delivered=5000, complaints=0, bounced=0, unsubscribes=0),
        stat(JAN[6], IP, "yahoo.com", 500, delivered=500, complaints=5, bounced=0, unsubscribes=0),
    )
    metrics = compute_metrics(dataset, Window.ending(JAN[6], 7))[IP]
    verdicts = verdict_map(evaluate_ip(metrics, PRESETS, ThresholdSettings()))
    assert verdicts[("gmail.com", "complaint_rate")].status is Status.CRITICAL  # 0.4%
    assert "at gmail.com" in verdicts[("gmail.com", "complaint_rate")].reason
    assert verdicts[("outlook.com", "complaint_rate")].status is Status.OK
    assert verdicts[("yahoo.com", "complaint_rate")].status is Status.INSUFFICIENT_VOLUME
    assert verdicts[(IP_SCOPE, "complaint_rate")].status is Status.WARN  # 25 / 10,500 = 0.24%
    assert {scope for scope, _ in verdicts} == {IP_SCOPE, "gmail.com", "outlook.com", "yahoo.com"}


def test_no_provider_split_means_only_the_ip_scope() -> None:
    verdicts = evaluate_ip(one_week(1000, 1000, 0, 0, 0), PRESETS, ThresholdSettings())
    assert {v.scope for v in verdicts} == {IP_SCOPE}


def test_a_preset_per_mailbox_provider() -> None:
    metrics = one_week(1000, 1000, 0, 3, 0, provider="gmail.com")
    settings = ThresholdSettings(preset="ses", mailbox_provider_presets={"gmail.com": "gmail-yahoo"})
    verdicts = verdict_map(evaluate_ip(metrics, PRESETS, settings))
    assert verdicts[("gmail.com", "complaint_rate")].preset == "gmail-yahoo"
    assert verdicts[("gmail.com", "complaint_rate")].status is Status.CRITICAL  # Gmail's 0.3%
    assert verdicts[(IP_SCOPE, "complaint_rate")].preset == "ses"
    assert verdicts[(IP_SCOPE, "complaint_rate")].status is Status.WARN  # SES pauses at 0.5%


def test_overrides_replace_a_whole_metric() -> None:
    settings = ThresholdSettings(
        overrides={"bounce_rate": MetricThreshold(warn=0.04, critical=0.08, source="our SLA")}
    )
    verdict = verdict_map(evaluate_ip(one_week(1000, 950, 50, 0, 0), PRESETS, settings))[
        (IP_SCOPE, "bounce_rate")
    ]
    assert (verdict.status, verdict.threshold) == (Status.WARN, 0.04)
    assert verdict.source == "our SLA"


def test_an_override_of_one_level_keeps_the_presets_other_level() -> None:
    settings = ThresholdSettings(overrides={"bounce_rate": MetricThreshold(warn=0.03)})
    name, levels = resolve_levels(PRESETS, settings, IP_SCOPE)
    assert (name, levels["bounce_rate"].warn, levels["bounce_rate"].critical) == ("default", 0.03, 0.05)
    verdict = verdict_map(evaluate_ip(one_week(1000, 880, 120, 0, 0), PRESETS, settings))[
        (IP_SCOPE, "bounce_rate")
    ]
    assert verdict.status is Status.CRITICAL  # 12% bounces must not become a mere warning
    assert "user config" in verdict.source
    assert PRESETS["default"].metrics["bounce_rate"].source in verdict.source


def test_an_override_can_add_a_metric_the_preset_lacks() -> None:
    settings = ThresholdSettings(preset="ses", overrides={"unsubscribe_rate": MetricThreshold(warn=0.005)})
    verdict = verdict_map(evaluate_ip(one_week(1000, 1000, 0, 0, 6), PRESETS, settings))[
        (IP_SCOPE, "unsubscribe_rate")
    ]
    assert verdict.status is Status.WARN


def test_unknown_preset() -> None:
    with pytest.raises(
        UnknownPresetError,
        match=r"unknown threshold preset 'strict' \(known: default, dynamics, gmail-yahoo, ses\)",
    ):
        resolve_levels(PRESETS, ThresholdSettings(preset="strict"), IP_SCOPE)
    with pytest.raises(UnknownPresetError, match="'nope'"):
        evaluate_ip(
            one_week(1000, 1000, 0, 0, 0, provider="gmail.com"),
            PRESETS,
            ThresholdSettings(mailbox_provider_presets={"gmail.com": "nope"}),
        )


def rising_complaints(complaint_days: dict[int, int]) -> dict[tuple[str, str], Verdict]:
    """30 days of 1,000 delivered a day; complaints on the given day numbers (1-based)."""
    stats = [
        stat(
            JAN[n - 1],
            IP,
            sent=1000,
            delivered=1000,
            bounced=0,
            complaints=complaint_days.get(n, 0),
            unsubscribes=0,
        )
        for n in range(1, 31)
    ]
    return lambda end: verdict_map(  # type: ignore[return-value]
        evaluate_ip(
            compute_metrics(dataset_of(*stats), Window.ending(JAN[end - 1], 7))[IP],
            PRESETS,
            ThresholdSettings(),
        )
    )


def test_onset_is_the_first_window_end_at_this_severity() -> None:
    at = rising_complaints({n: 5 for n in range(21, 31)})
    # Rolling 7-day complaints: Jan 21 5/7000 ok, Jan 22 10/7000 warn, ..., Jan 25 25/7000 critical.
    critical = at(30)[(IP_SCOPE, "complaint_rate")]
    assert (critical.status, critical.since) == (Status.CRITICAL, JAN[24])
    warn = at(24)[(IP_SCOPE, "complaint_rate")]
    assert (warn.status, warn.since) == (Status.WARN, JAN[21])


def test_onset_starts_at_the_current_run_not_an_earlier_one() -> None:
    at = rising_complaints({**{n: 5 for n in range(5, 12)}, **{n: 5 for n in range(25, 31)}})
    critical = at(30)[(IP_SCOPE, "complaint_rate")]
    assert (critical.status, critical.since) == (Status.CRITICAL, JAN[28])


def test_onset_of_a_breach_shorter_than_the_data() -> None:
    dataset = dataset_of(stat(JAN[0], IP, sent=1000, delivered=1000, complaints=9, bounced=0, unsubscribes=0))
    verdict = verdict_map(
        evaluate_ip(compute_metrics(dataset, Window.ending(JAN[0], 7))[IP], PRESETS, ThresholdSettings())
    )
    assert verdict[(IP_SCOPE, "complaint_rate")].since == JAN[0]


def _verdict(ip: str, status: Status, since: date | None) -> Verdict:
    return Verdict(ip, IP_SCOPE, "bounce_rate", status, 0.1, 0.05, "default", "s", 1000, "r", since)


def test_breaches_are_critical_first_then_newest_onset() -> None:
    verdicts = [
        _verdict("192.0.2.2", Status.WARN, JAN[4]),
        _verdict("192.0.2.1", Status.CRITICAL, JAN[2]),
        _verdict("192.0.2.3", Status.OK, None),
        _verdict("192.0.2.3", Status.CRITICAL, JAN[8]),
        _verdict("192.0.2.1", Status.WARN, JAN[4]),
        _verdict("192.0.2.4", Status.INSUFFICIENT_VOLUME, None),
        _verdict("192.0.2.5", Status.WARN, JAN[9]),
    ]
    ordered = [(v.ip, v.status) for v in breaches(verdicts)]
    assert ordered == [
        ("192.0.2.3", Status.CRITICAL),
        ("192.0.2.1", Status.CRITICAL),
        ("192.0.2.5", Status.WARN),
        ("192.0.2.1", Status.WARN),
        ("192.0.2.2", Status.WARN),
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "—"),
        (0.0, "0.00%"),
        (0.001, "0.10%"),
        (0.00016, "0.02%"),
        (0.00005, "0.005%"),
        (0.0236, "2.36%"),
        (0.125, "12.5%"),
        (1.0, "100.0%"),
    ],
)
def test_format_rate(value: float | None, text: str) -> None:
    assert format_rate(value) == text


def test_parse_presets_rejects_unknown_keys() -> None:
    from pydantic import ValidationError

    from ipdash.domain.thresholds import parse_presets

    with pytest.raises(ValidationError):
        parse_presets({"presets": {"x": {"metrics": {}, "colour": "red"}}})
    assert parse_presets({"presets": {"x": {}}}) == {"x": Preset(name="x")}
