"""Re-analysis reuses the metrics and rate verdicts that still hold, and gives the full result."""

from __future__ import annotations

from datetime import date, timedelta

from ipdash.domain.analysis import Analysis, analyse
from ipdash.domain.config import Config, ThresholdSettings
from ipdash.domain.models import DailyStat, Dataset
from ipdash.sources.reference_data import threshold_presets

PRESETS = threshold_presets()
FIRST = date(2026, 5, 1)
IPS = [f"192.0.2.{n}" for n in range(1, 13)]


def _dataset(bounce_of_first_ip: int = 5, days: int = 30) -> Dataset:
    dataset = Dataset()
    for index, ip in enumerate(IPS):
        for offset in range(days):
            for provider, share in (("gmail.com", 600), ("outlook.com", 400)):
                bounced = bounce_of_first_ip if index == 0 else (index * offset) % 40
                dataset.add(
                    DailyStat(
                        day=FIRST + timedelta(days=offset),
                        ip=ip,
                        mailbox_provider=provider,
                        sent=share,
                        delivered=share - bounced,
                        bounced=bounced,
                        complaints=index % 3,
                    )
                )
    return dataset


def _same(incremental: Analysis, full: Analysis) -> None:
    assert incremental == full  # every IpAnalysis field, the feed, the window
    for ip, analysis in full.ips.items():
        assert tuple(incremental.ips[ip].metrics.daily) == tuple(analysis.metrics.daily)
        for provider, series in analysis.metrics.daily_by_provider.items():
            assert tuple(incremental.ips[ip].metrics.daily_by_provider[provider]) == tuple(series)


def test_the_same_records_reuse_everything() -> None:
    dataset = _dataset()
    first = analyse(dataset, Config(), PRESETS)
    again = analyse(dataset, Config(), PRESETS, previous=first)
    assert again.rates is not None and again.rates.how == "reused"
    _same(again, analyse(dataset, Config(), PRESETS))


def test_a_changed_ip_alone_is_recomputed_and_the_result_is_the_full_one() -> None:
    before = _dataset()
    after = before.copy()
    last = FIRST + timedelta(days=29)
    after.add(
        DailyStat(day=last, ip=IPS[0], mailbox_provider="gmail.com", sent=600, delivered=300, bounced=300)
    )
    previous = analyse(before, Config(), PRESETS)
    incremental = analyse(after, Config(), PRESETS, previous=previous)
    assert incremental.rates is not None and incremental.rates.how == f"1 of {len(IPS)} IPs recomputed"
    full = analyse(after, Config(), PRESETS)
    _same(incremental, full)
    assert incremental.ips[IPS[0]] != previous.ips[IPS[0]]  # the change shows
    assert any(item.ip == IPS[0] and item.metric == "bounce_rate" for item in incremental.feed)


def test_a_new_ip_is_computed() -> None:
    before = _dataset()
    after = before.copy()
    after.add(
        DailyStat(day=FIRST + timedelta(days=29), ip="198.51.100.7", mailbox_provider="gmail.com", sent=5000)
    )
    incremental = analyse(after, Config(), PRESETS, previous=analyse(before, Config(), PRESETS))
    assert incremental.rates is not None and incremental.rates.how.startswith("1 of 13")
    _same(incremental, analyse(after, Config(), PRESETS))


def test_a_removed_ip_is_gone() -> None:
    before = _dataset()
    after = Dataset()
    after.add_frame(before.frame().filter(before.frame()["ip"].cast(str) != IPS[3]))
    incremental = analyse(after, Config(), PRESETS, previous=analyse(before, Config(), PRESETS))
    assert IPS[3] not in incremental.ips
    _same(incremental, analyse(after, Config(), PRESETS))


def test_a_moved_window_or_new_thresholds_recompute_everything() -> None:
    before = _dataset(days=30)
    previous = analyse(before, Config(), PRESETS)
    moved = _dataset(days=31)  # a new day: the window ends a day later
    assert analyse(moved, Config(), PRESETS, previous=previous).rates.how == "full"  # type: ignore[union-attr]
    stricter = Config(thresholds=ThresholdSettings(min_volume=10))
    result = analyse(before, stricter, PRESETS, previous=previous)
    assert result.rates is not None and result.rates.how == "full"
    _same(result, analyse(before, stricter, PRESETS))


def test_many_changed_ips_are_recomputed_in_full() -> None:
    before = _dataset()
    after = before.copy()
    for ip in IPS[:6]:
        after.add(DailyStat(day=FIRST, ip=ip, mailbox_provider="gmail.com", sent=1, delivered=1, bounced=0))
    result = analyse(after, Config(), PRESETS, previous=analyse(before, Config(), PRESETS))
    assert result.rates is not None and result.rates.how == "full"
    _same(result, analyse(after, Config(), PRESETS))
