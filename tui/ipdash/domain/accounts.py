"""Account- and domain-level signals judged against the presets: Google Postmaster v2's spam rate
per sending domain, SES's account reputation, SendGrid's and Postmark's account totals.

A provider with its own preset (``accounts`` in the presets data: Gmail -> gmail-yahoo, SES -> ses)
is judged by it; other accounts by the configured preset, config overrides applied.

- A series with counts (SendGrid, Postmark) is judged on the window's sums, like an IP, and only
  with at least ``min_volume`` sent.
- A series of rates only (Postmaster, SES CloudWatch) is judged on its latest value in the window;
  the provider applies its own volume floor (Postmaster shows no rate for low volume, SES computes
  over a "representative volume"), so no volume gate is added. SES's rates are rolling, not the
  day's own, and every verdict says which basis it has.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from ipdash.domain.config import MetricThreshold, ThresholdSettings
from ipdash.domain.metrics import Window
from ipdash.domain.models import AccountDay
from ipdash.domain.thresholds import Preset, judge, resolve_levels
from ipdash.domain.verdicts import IP_SCOPE, Status

ACCOUNT_METRICS = ("bounce_rate", "complaint_rate", "block_rate")
#: What each provider's complaint rate is, in its own words.
COMPLAINT_NAMES = {"gmail": "spam rate"}
BASIS_TEXT = {
    "window": "over the window's counts",
    "daily": "that day's rate",
    "rolling": "rolling rate over a representative volume, not that day's",
}


@dataclass(frozen=True, slots=True)
class AccountRate:
    metric: str
    value: float | None
    status: Status
    threshold: float | None  # the level crossed, else the warn level
    preset: str
    source: str
    basis: str  # "window" | "daily" | "rolling"
    day: date | None  # the day a rate-only value is from; None for window sums


@dataclass(frozen=True, slots=True)
class AccountSignal:
    provider: str
    scope: str  # "account", a Postmark stream, or a sending domain
    source: str
    latest: date
    sent: int | None
    rates: tuple[AccountRate, ...]
    status: str = ""  # the provider's own latest status (SES enforcement)
    delivery_errors: tuple[tuple[str, float], ...] = ()  # Postmaster v2 IP-related reject rates
    compliance: tuple[str, ...] = ()  # Postmaster v2 requirements that need work

    @property
    def label(self) -> str:
        return f"{self.provider}:{self.scope}"


def metric_name(provider: str, metric: str) -> str:
    if metric == "complaint_rate":
        return COMPLAINT_NAMES.get(provider, "complaint rate")
    return metric.removesuffix("_rate") + " rate"


def account_signals(
    days: Iterable[AccountDay],
    window: Window,
    presets: Mapping[str, Preset],
    settings: ThresholdSettings,
) -> list[AccountSignal]:
    """One signal per (source, scope) with a day in the window, in (provider, scope) order."""
    series: dict[tuple[str, str], list[AccountDay]] = defaultdict(list)
    for day in days:
        if day.day in window:
            series[(day.source, day.scope)].append(day)
    signals = [_signal(sorted(group, key=lambda d: d.day), presets, settings) for group in series.values()]
    return sorted(signals, key=lambda s: (s.provider, s.scope, s.source))


def _levels(
    provider: str, presets: Mapping[str, Preset], settings: ThresholdSettings
) -> tuple[str, dict[str, MetricThreshold]]:
    for name, preset in presets.items():
        if provider in preset.accounts:
            return name, dict(preset.metrics)
    return resolve_levels(presets, settings, IP_SCOPE)


def _signal(
    days: Sequence[AccountDay], presets: Mapping[str, Preset], settings: ThresholdSettings
) -> AccountSignal:
    latest = days[-1]
    preset, levels = _levels(latest.provider, presets, settings)
    counted = [d for d in days if d.sent is not None]
    sent = sum(d.sent or 0 for d in counted) if counted else None
    rates = []
    for metric in ACCOUNT_METRICS:
        level = levels.get(metric)
        if counted:
            value, basis, day, volume = _window_rate(counted, metric), "window", None, sent or 0
        else:
            value, basis, day = _latest_rate(days, metric)
            volume = settings.min_volume  # the provider gates volume itself
        status = judge(value, volume, level, settings.min_volume)
        if status is Status.NOT_JUDGED or basis == "none":  # the source does not report it at all
            continue
        crossed = None
        if level is not None:
            crossed = level.critical if status is Status.CRITICAL else level.warn
        rates.append(
            AccountRate(
                metric=metric,
                value=value,
                status=status,
                threshold=crossed,
                preset=preset,
                source=level.source if level is not None else "",
                basis=basis,
                day=day,
            )
        )
    status_day = next((d for d in reversed(days) if d.status), None)
    errors_day = next((d for d in reversed(days) if d.delivery_errors), None)
    return AccountSignal(
        provider=latest.provider,
        scope=latest.scope,
        source=latest.source,
        latest=latest.day,
        sent=sent,
        rates=tuple(rates),
        status=status_day.status if status_day else "",
        delivery_errors=_reasons(errors_day.delivery_errors) if errors_day else (),
        compliance=latest.compliance,
    )


def _window_rate(days: Sequence[AccountDay], metric: str) -> float | None:
    field = {"bounce_rate": "bounced", "complaint_rate": "complaints", "block_rate": "blocked"}[metric]
    known = [d for d in days if getattr(d, field) is not None and d.sent]
    total_sent = sum(d.sent or 0 for d in known)
    if not total_sent:
        return None
    counted: int = sum(getattr(d, field) for d in known)
    return counted / total_sent


def _latest_rate(days: Sequence[AccountDay], metric: str) -> tuple[float | None, str, date | None]:
    if metric == "block_rate":
        return None, "none", None
    for day in reversed(days):
        value: float | None = getattr(day, metric)
        if value is not None:
            return value, day.rate_basis or "daily", day.day
    return None, "none", None


def _reasons(texts: Sequence[str]) -> tuple[tuple[str, float], ...]:
    found = []
    for text in texts:
        name, _, number = text.partition("=")
        try:
            found.append((name, float(number)))
        except ValueError:
            continue
    return tuple(found)
