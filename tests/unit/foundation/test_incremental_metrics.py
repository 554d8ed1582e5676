"""Incremental re-analysis: only the IPs a change touched are recomputed, with the same result."""

from __future__ import annotations

from datetime import date

from ipdash.domain.metrics import Window, compute_metrics, merge_metrics
from ipdash.domain.stats_table import changed_ips

from .conftest import dataset_of, stat

DAY = date(2026, 1, 10)


def test_recomputing_the_changed_ips_gives_the_full_result() -> None:
    before = dataset_of(
        *(stat(DAY, f"192.0.2.{i}", "gmail.com", 100 * i, delivered=90 * i) for i in range(1, 6))
    )
    after = before.copy()
    after.add(stat(DAY, "192.0.2.3", "gmail.com", 999, delivered=None))  # re-polled: replaces the record
    after.add(stat(DAY, "192.0.2.9", "outlook.com", 5))  # a new IP
    window = Window.ending(DAY, 7)
    changed = changed_ips(before.frame(), after.frame())
    assert changed == {"192.0.2.3", "192.0.2.9"}
    partial = compute_metrics(after, window, only_ips=changed)
    assert set(partial) == changed
    merged = merge_metrics(compute_metrics(before, window), partial, after.ips())
    full = compute_metrics(after, window)
    assert list(merged) == list(full)
    for ip, metrics in full.items():
        assert (merged[ip].totals, merged[ip].by_provider, merged[ip].sending_days) == (
            metrics.totals,
            metrics.by_provider,
            metrics.sending_days,
        )
    assert merged["192.0.2.3"].totals.delivered is None  # unreported stays unknown, never 0


def test_nothing_changed_means_nothing_to_recompute() -> None:
    dataset = dataset_of(stat(DAY, "192.0.2.1", "gmail.com", 10, complaints=None))
    assert changed_ips(dataset.frame(), dataset.copy().frame()) == set()
