"""Per-day metric severity for one IP, for the warm-up rules (hold on warn, step back on critical)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from ipdash.domain.config import ThresholdSettings
from ipdash.domain.metrics import RATE_METRICS, Totals
from ipdash.domain.models import Dataset
from ipdash.domain.thresholds import IP_SCOPE, Preset, Status, judge, resolve_levels
from ipdash.domain.warmup.results import Severity
from ipdash.domain.warmup.volumes import totals_by_ip


def daily_severities(
    dataset: Dataset, ip: str, presets: Mapping[str, Preset], settings: ThresholdSettings
) -> dict[date, Severity]:
    """The worst of bounce, complaint and unsubscribe rate per day, judged on that day alone.

    Uses the IP-scope levels of the configured threshold preset. A day with
    fewer than ``min_volume`` messages is left out (too small to judge), as is
    a day whose rates are unknown; the warm-up rules then see no warning.
    """
    return severities_of(totals_by_ip(dataset, [ip]).get(ip, {}), presets, settings)


def severities_of(
    by_day: Mapping[date, Totals], presets: Mapping[str, Preset], settings: ThresholdSettings
) -> dict[date, Severity]:
    """:func:`daily_severities` from one IP's Totals per day (see volumes.totals_by_ip)."""
    _name, levels = resolve_levels(presets, settings, IP_SCOPE)
    result: dict[date, Severity] = {}
    for day, totals in by_day.items():
        statuses = [
            judge(totals.rate(metric), totals.sent, levels.get(metric), settings.min_volume)
            for metric in RATE_METRICS
        ]
        if Status.CRITICAL in statuses:
            result[day] = "critical"
        elif Status.WARN in statuses:
            result[day] = "warn"
        elif Status.OK in statuses:
            result[day] = "ok"
    return result
