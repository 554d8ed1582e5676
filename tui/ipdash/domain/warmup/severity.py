"""Per-day metric severity for one IP, for the warm-up rules (hold on warn, step back on critical)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from ipdash.domain.config import ThresholdSettings
from ipdash.domain.metrics import RATE_METRICS, Totals, total
from ipdash.domain.models import ALL_PROVIDERS, Dataset
from ipdash.domain.thresholds import IP_SCOPE, Preset, Status, judge, resolve_levels
from ipdash.domain.warmup.results import Severity


def daily_severities(
    dataset: Dataset, ip: str, presets: Mapping[str, Preset], settings: ThresholdSettings
) -> dict[date, Severity]:
    """The worst of bounce, complaint and unsubscribe rate per day, judged on that day alone.

    Uses the IP-scope levels of the configured threshold preset. A day with
    fewer than ``min_volume`` messages is left out (too small to judge), as is
    a day whose rates are unknown; the warm-up rules then see no warning.
    """
    _name, levels = resolve_levels(presets, settings, IP_SCOPE)
    by_day: dict[date, list[Totals]] = {}
    split_days: set[date] = set()
    for (day, stat_ip, provider), stat in dataset.stats.items():
        if stat_ip != ip:
            continue
        if provider != ALL_PROVIDERS:
            if day not in split_days:
                by_day[day] = []  # per-provider records replace an "all" record for the same day
                split_days.add(day)
        elif day in split_days:
            continue
        by_day.setdefault(day, []).append(Totals.of(stat))
    result: dict[date, Severity] = {}
    for day, items in by_day.items():
        totals = total(items)
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
