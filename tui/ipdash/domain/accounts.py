"""Account- and domain-level signals judged against the presets: Google Postmaster v2's spam rate
per sending domain, SES's account reputation, SendGrid's and Postmark's account totals.

A provider with its own preset (``accounts`` in the presets data: Gmail -> gmail-yahoo, SES -> ses)
is judged by it; other accounts by the configured preset; config overrides
(``[thresholds.overrides]``) apply to both, as they do to every IP.

- A series with counts (SendGrid, Postmark) is judged on the window's sums, like an IP, and only
  with at least ``min_volume`` sent.
- A series of rates only (Postmaster, SES CloudWatch) is judged on its latest value in the window;
  the provider applies its own volume floor (Postmaster shows no rate for low volume, SES computes
  over a "representative volume"), so no volume gate is added. SES's rates are rolling, not the
  day's own, and every verdict says which basis it has.
- An account split by mailbox provider (SendGrid's mailbox-provider stats, SES VDM per ISP) has
  one scope per provider, ``account @ gmail.com`` (:func:`provider_scope`), judged with the levels
  an IP's rows for that mailbox provider get (``mailbox_provider_presets``, else the configured
  preset): the same Gmail levels whichever way the numbers arrive.
- Postmaster v2's IP-related reject rates (``low_ip_reputation``, ``ip_in_rbls``,
  ``bad_or_missing_ptr_record``) are Gmail refusing the sending IPs, i.e. blocks: Google publishes
  no level for them, so their sum on the latest day is judged as the domain's ``block_rate`` against
  the preset's block-rate levels (SparkPost's 10% alert, ipdash's 5% warning; overridable with
  ``[thresholds.overrides.block_rate]`` like any level).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from ipdash.domain.config import MetricThreshold, ThresholdSettings
from ipdash.domain.mailbox_providers import provider_sort_key
from ipdash.domain.metrics import Window
from ipdash.domain.models import AccountDay
from ipdash.domain.thresholds import Preset, judge, resolve_levels
from ipdash.domain.verdicts import IP_SCOPE, Status

ACCOUNT_METRICS = ("bounce_rate", "complaint_rate", "block_rate")
#: What each provider's rates are, in its own words.
COMPLAINT_NAMES = {"gmail": "spam rate"}
BLOCK_NAMES = {"gmail": "IP-related reject rate"}
#: Between an account scope and the mailbox provider it is split by: "account @ gmail.com".
PROVIDER_SEPARATOR = " @ "
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

    @property
    def mailbox_provider(self) -> str | None:
        """The mailbox provider this scope is split by (``gmail.com``), None for a whole account."""
        return split_scope(self.scope)[1]


def provider_scope(scope: str, mailbox_provider: str) -> str:
    """The scope of an account's rows for one mailbox provider: ``account @ gmail.com``."""
    return f"{scope}{PROVIDER_SEPARATOR}{mailbox_provider}"


def split_scope(scope: str) -> tuple[str, str | None]:
    """``account @ gmail.com`` -> ("account", "gmail.com"); ``account`` -> ("account", None)."""
    base, separator, mailbox_provider = scope.partition(PROVIDER_SEPARATOR)
    return (base, mailbox_provider) if separator and mailbox_provider else (scope, None)


def metric_name(provider: str, metric: str) -> str:
    if metric == "complaint_rate":
        return COMPLAINT_NAMES.get(provider, "complaint rate")
    if metric == "block_rate":
        return BLOCK_NAMES.get(provider, "block rate")
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
    return sorted(signals, key=_signal_order)


def _signal_order(signal: AccountSignal) -> tuple[str, str, int, tuple[int, str], str]:
    """By provider and scope; an account's mailbox-provider split follows it, Gmail first, other last."""
    base, mailbox_provider = split_scope(signal.scope)
    split = (0, (0, "")) if mailbox_provider is None else (1, provider_sort_key(mailbox_provider))
    return (signal.provider, base, split[0], split[1], signal.source)


def _levels(
    provider: str, scope: str, presets: Mapping[str, Preset], settings: ThresholdSettings
) -> tuple[str, dict[str, MetricThreshold]]:
    mailbox_provider = split_scope(scope)[1]
    if mailbox_provider is not None:  # judged like an IP's rows for that mailbox provider
        return resolve_levels(presets, settings, mailbox_provider)
    for name in presets:
        if provider in presets[name].accounts:  # the provider's own preset, config overrides applied
            own = settings.model_copy(update={"preset": name, "mailbox_provider_presets": {}})
            return resolve_levels(presets, own, IP_SCOPE)
    return resolve_levels(presets, settings, IP_SCOPE)


def _signal(
    days: Sequence[AccountDay], presets: Mapping[str, Preset], settings: ThresholdSettings
) -> AccountSignal:
    latest = days[-1]
    preset, levels = _levels(latest.provider, latest.scope, presets, settings)
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
    if metric == "block_rate":  # only Postmaster's IP-related reject rates, summed
        for day in reversed(days):
            reasons = _reasons(day.delivery_errors)
            if reasons:
                return min(1.0, sum(value for _, value in reasons)), "daily", day.day
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
            value = float(number)
        except ValueError:
            continue
        if 0 <= value <= 1:  # also refuses nan and inf
            found.append((name, value))
    return tuple(found)
