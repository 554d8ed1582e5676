"""The vectorised breach onsets (domain/onset.py) equal the one-series walk (thresholds.onset_of)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from ipdash.domain.config import ThresholdSettings
from ipdash.domain.metrics import IpMetrics, Window, compute_metrics
from ipdash.domain.models import DailyStat, Dataset
from ipdash.domain.thresholds import evaluate_all
from ipdash.sources.reference_data import threshold_presets

PRESETS = threshold_presets()
FIRST = date(2026, 3, 1)
IPS = ("192.0.2.1", "192.0.2.2", "2001:db8::1")
PROVIDERS = ("gmail.com", "outlook.com", "yahoo.com")
maybe_count = st.one_of(st.none(), st.integers(0, 60))

records = st.lists(
    st.tuples(
        st.integers(0, 34),  # day offset: gaps and late starts happen
        st.sampled_from(IPS),
        st.sampled_from(PROVIDERS),
        st.integers(0, 400),  # sent
        maybe_count,  # delivered
        maybe_count,  # bounced
        maybe_count,  # complaints
        maybe_count,  # unsubscribes
        maybe_count,  # blocked
    ),
    max_size=120,
)


def _dataset(
    rows: list[tuple[int, str, str, int, int | None, int | None, int | None, int | None, int | None]],
) -> Dataset:
    dataset = Dataset()
    for offset, ip, provider, sent, delivered, bounced, complaints, unsubscribes, blocked in rows:
        dataset.add(
            DailyStat(
                day=FIRST + timedelta(days=offset),
                ip=ip,
                mailbox_provider=provider,
                sent=sent,
                delivered=delivered,
                bounced=bounced,
                complaints=complaints,
                unsubscribes=unsubscribes,
                blocked=blocked,
            )
        )
    return dataset


def _materialised(metrics: IpMetrics) -> IpMetrics:
    """The same metrics with plain tuple series, so evaluate_all walks them in Python."""
    return replace(
        metrics,
        daily=tuple(metrics.daily),
        daily_by_provider={p: tuple(s) for p, s in metrics.daily_by_provider.items()},
    )


@settings(max_examples=150, deadline=None)
@given(
    rows=records,
    window_days=st.sampled_from([1, 3, 7]),
    end_offset=st.integers(10, 40),
    min_volume=st.sampled_from([1, 50, 500]),
)
def test_vectorised_onsets_equal_the_python_walk(
    rows: list[tuple[int, str, str, int, int | None, int | None, int | None, int | None, int | None]],
    window_days: int,
    end_offset: int,
    min_volume: int,
) -> None:
    dataset = _dataset(rows)
    window = Window.ending(FIRST + timedelta(days=end_offset), window_days)
    threshold_settings = ThresholdSettings(min_volume=min_volume)
    metrics = compute_metrics(dataset, window)
    vectorised = evaluate_all(metrics, PRESETS, threshold_settings)
    walked = evaluate_all({ip: _materialised(m) for ip, m in metrics.items()}, PRESETS, threshold_settings)
    assert vectorised == walked
    for found in vectorised.values():
        for verdict in found:
            assert (verdict.since is not None) == verdict.status.is_breach


def test_a_run_of_breaching_days_starts_at_its_first_day() -> None:
    # 1,000 sent a day; 3% bounces from day 10 on: a 3-day window is at 3% (warn at 2%) from day 12.
    rows = [(d, IPS[0], PROVIDERS[0], 1000, 1000, 30 if d >= 10 else 0, 0, 0, 0) for d in range(20)]
    metrics = compute_metrics(_dataset(rows), Window.ending(FIRST + timedelta(days=19), 3))
    verdicts = evaluate_all(metrics, PRESETS, ThresholdSettings(min_volume=100))[IPS[0]]
    bounce = next(v for v in verdicts if v.scope == "ip" and v.metric == "bounce_rate")
    assert bounce.status.is_breach
    assert bounce.since == FIRST + timedelta(days=11)  # days 9-11: 60 of 3,000 = 2.0%, the warn level
