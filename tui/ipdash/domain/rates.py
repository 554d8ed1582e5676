"""The data half of the analysis: per-IP metrics and rate verdicts, reused or recomputed in part.

Metrics and rate verdicts depend only on an IP's own records, the window and the thresholds. So
when the analysis runs again on the same records (new blocklist results, a re-check) they are
reused as they are, and when a poll or a file change touched a few IPs only those are recomputed
(:func:`ipdash.domain.stats_table.changed_ips`); everything downstream (warm-up, checks, score,
breaches, feed) is always recomputed, it is cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ipdash.domain.config import ThresholdSettings
from ipdash.domain.metrics import IpMetrics, Window, compute_metrics
from ipdash.domain.models import Dataset
from ipdash.domain.thresholds import Preset, Verdict, evaluate_all

#: Recompute everything when more than this share of the IPs changed (the diff would cost more).
INCREMENTAL_SHARE = 0.25


@dataclass(frozen=True, slots=True)
class RateJudgement:
    window: Window
    thresholds: ThresholdSettings
    presets: Mapping[str, Preset]
    metrics: dict[str, IpMetrics]
    verdicts: dict[str, list[Verdict]]
    #: The records these were computed from (compared by identity, then by content).
    frame: Any = field(compare=False, repr=False)
    #: How this judgement was made: "full", "reused" or "N of M IPs recomputed" (for benchmarks and tests).
    how: str = "full"


def judge_rates(
    dataset: Dataset,
    window: Window,
    presets: Mapping[str, Preset],
    thresholds: ThresholdSettings,
    previous: RateJudgement | None = None,
) -> RateJudgement:
    """Metrics and rate verdicts of every IP of ``dataset``; from ``previous`` where it still holds."""
    frame = dataset.frame()
    ips = dataset.ips()
    if previous is None or not _same_rules(previous, window, presets, thresholds):
        return _full(dataset, window, presets, thresholds, frame)
    if previous.frame is frame and list(previous.metrics) == ips:
        return replace(previous, how="reused")
    from ipdash.domain.stats_table import changed_ips

    changed = changed_ips(previous.frame, frame) | (set(ips) - set(previous.metrics))
    if len(changed) > INCREMENTAL_SHARE * len(ips):
        return _full(dataset, window, presets, thresholds, frame)
    fresh = compute_metrics(dataset, window, only_ips=changed)
    fresh_verdicts = evaluate_all(fresh, presets, thresholds)
    metrics = _on_frame(
        {ip: fresh[ip] if ip in changed else previous.metrics[ip] for ip in ips}, dataset, window
    )
    verdicts = {ip: fresh_verdicts[ip] if ip in changed else previous.verdicts[ip] for ip in ips}
    how = f"{len(changed)} of {len(ips)} IPs recomputed"
    return RateJudgement(window, thresholds, presets, metrics, verdicts, frame, how)


def _same_rules(
    previous: RateJudgement, window: Window, presets: Mapping[str, Preset], thresholds: ThresholdSettings
) -> bool:
    return previous.window == window and previous.thresholds == thresholds and previous.presets == presets


def _full(
    dataset: Dataset,
    window: Window,
    presets: Mapping[str, Preset],
    thresholds: ThresholdSettings,
    frame: Any,
) -> RateJudgement:
    metrics = compute_metrics(dataset, window)
    return RateJudgement(
        window, thresholds, presets, metrics, evaluate_all(metrics, presets, thresholds), frame
    )


def _on_frame(metrics: dict[str, IpMetrics], dataset: Dataset, window: Window) -> dict[str, IpMetrics]:
    """The metrics with their day-by-day series read from the dataset's current records (so the
    replaced records are not kept alive by the IPs that were reused)."""
    from ipdash.domain.metrics_engine import window_frame
    from ipdash.domain.series import LazySeries, SeriesSource

    source = SeriesSource(window_frame(dataset, window, None), window.end)
    return {
        ip: replace(
            found,
            daily=source.total_series(ip),
            daily_by_provider=source.provider_series(ip, list(found.by_provider)),
        )
        if isinstance(found.daily, LazySeries)
        else found
        for ip, found in metrics.items()
    }
