"""Judging rates against threshold presets, per IP and per IP × mailbox provider.

Levels are inclusive: a rate equal to the warn level is a warning. A rate is
judged only when at least ``min_volume`` messages were sent in the window;
below that its verdict is "insufficient volume", never a breach.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ipdash.domain.config import MetricThreshold, ThresholdSettings
from ipdash.domain.metrics import RATE_METRICS, IpMetrics, Totals, total
from ipdash.domain.models import ALL_PROVIDERS
from ipdash.domain.verdicts import IP_SCOPE, METRIC_LABELS, Status, format_rate

__all__ = [
    "IP_SCOPE",
    "METRIC_LABELS",
    "Preset",
    "Status",
    "UnknownPresetError",
    "Verdict",
    "breaches",
    "evaluate_ip",
    "format_rate",
    "judge",
    "parse_presets",
    "resolve_levels",
]


class Preset(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    description: str = ""
    metrics: dict[str, MetricThreshold] = Field(default_factory=dict)
    #: Account-level providers (AccountDay.provider) whose own signals this preset judges.
    accounts: tuple[str, ...] = ()
    accounts_source: str = ""


def parse_presets(raw: Mapping[str, Any]) -> dict[str, Preset]:
    """Presets from the JSON data file's ``presets`` table."""
    return {name: Preset(name=name, **body) for name, body in raw["presets"].items()}


SEVERITY_ORDER = {Status.CRITICAL: 0, Status.WARN: 1}
_BREACHES = frozenset(SEVERITY_ORDER)


@dataclass(frozen=True, slots=True)
class Verdict:
    ip: str
    scope: str  # "ip" or a mailbox provider
    metric: str
    status: Status
    value: float | None
    threshold: float | None  # the level crossed (or the warn level when ok)
    preset: str
    source: str
    sent: int
    #: A reason stated by whoever made the verdict; None: worded from the fields on demand
    #: (200k verdicts at 10k IPs, of which only the breaches' reasons are ever read).
    stated_reason: str | None = None
    since: date | None = None  # first day of the current run at this severity
    min_volume: int = 0

    @property
    def reason(self) -> str:
        if self.stated_reason is not None:
            return self.stated_reason
        return _reason(
            self.metric, self.scope, self.status, self.value, self.threshold, self.sent, self.min_volume
        )


class UnknownPresetError(ValueError):
    pass


def resolve_levels(
    presets: Mapping[str, Preset], settings: ThresholdSettings, scope: str
) -> tuple[str, dict[str, MetricThreshold]]:
    """The preset name and per-metric levels for one scope, config overrides applied."""
    name = (
        settings.mailbox_provider_presets.get(scope, settings.preset)
        if scope != IP_SCOPE
        else settings.preset
    )
    if name not in presets:
        raise UnknownPresetError(f"unknown threshold preset {name!r} (known: {', '.join(sorted(presets))})")
    levels = dict(presets[name].metrics)
    for metric, override in settings.overrides.items():
        levels[metric] = _override(levels.get(metric), override)
    return name, levels


def _override(base: MetricThreshold | None, override: MetricThreshold) -> MetricThreshold:
    """An override replaces only the levels it sets: ``warn = 0.03`` keeps the preset's critical level."""
    changed = override.model_dump(include=override.model_fields_set - {"source"})
    if base is None or set(changed) == {"warn", "critical"}:
        return override
    if not changed:
        return base
    source = f"{override.source} sets {' and '.join(sorted(changed))}; {base.source}"
    return base.model_copy(update={**changed, "source": source})


def judge(value: float | None, sent: int, level: MetricThreshold | None, min_volume: int) -> Status:
    if level is None or (level.warn is None and level.critical is None):
        return Status.NOT_JUDGED
    if sent < min_volume:
        return Status.INSUFFICIENT_VOLUME
    if value is None:
        return Status.NO_DATA
    if level.critical is not None and value >= level.critical:
        return Status.CRITICAL
    if level.warn is not None and value >= level.warn:
        return Status.WARN
    return Status.OK


def evaluate_ip(
    metrics: IpMetrics, presets: Mapping[str, Preset], settings: ThresholdSettings
) -> list[Verdict]:
    """Every (scope, metric) verdict for one IP: the IP as a whole, then each mailbox provider."""
    return evaluate_all({metrics.ip: metrics}, presets, settings)[metrics.ip]


def evaluate_all(
    metrics_by_ip: Mapping[str, IpMetrics], presets: Mapping[str, Preset], settings: ThresholdSettings
) -> dict[str, list[Verdict]]:
    """:func:`evaluate_ip` for many IPs, their breaches' onsets found in one pass over the records."""
    verdicts: dict[str, list[Verdict]] = {}
    bars: dict[tuple[str, str, str], float] = {}
    rules_by_scope: dict[str, list[_Rule]] = {}

    def rules_of(scope: str) -> list[_Rule]:
        found = rules_by_scope.get(scope)
        if found is None:
            found = rules_by_scope[scope] = _rules(*resolve_levels(presets, settings, scope))
        return found

    for ip, metrics in metrics_by_ip.items():
        verdicts[ip] = _judge_ip(metrics, rules_of, settings.min_volume, bars)
    return _with_onsets(verdicts, bars, metrics_by_ip, settings.min_volume)


@dataclass(frozen=True, slots=True)
class _Rule:
    """One metric's levels in one scope, resolved once for every IP judged in it."""

    metric: str
    level: MetricThreshold
    preset: str


def _rules(preset: str, levels: Mapping[str, MetricThreshold]) -> list[_Rule]:
    """The judged metrics: those with a warn or a critical level."""
    return [
        _Rule(metric, level, preset)
        for metric in RATE_METRICS
        if (level := levels.get(metric)) is not None
        and (level.warn is not None or level.critical is not None)
    ]


def _judge_ip(
    metrics: IpMetrics,
    rules_of: Callable[[str], list[_Rule]],
    min_volume: int,
    bars: dict[tuple[str, str, str], float],
) -> list[Verdict]:
    """The IP's verdicts; for each breach, ``bars`` gets the rate a day needs to be in the same run."""
    scopes: list[tuple[str, Totals]] = [(IP_SCOPE, metrics.totals)]
    if set(metrics.by_provider) != {ALL_PROVIDERS}:
        scopes += list(metrics.by_provider.items())
    ip = metrics.ip
    verdicts = []
    for scope, totals in scopes:
        for rule in rules_of(scope):
            level = rule.level
            value = totals.rate(rule.metric)
            status = judge(value, totals.sent, level, min_volume)
            if status in _BREACHES:
                bars[(ip, scope, rule.metric)] = _onset_bar(status, level)
            verdicts.append(
                Verdict(
                    ip,
                    scope,
                    rule.metric,
                    status,
                    value,
                    _crossed_level(status, level),
                    rule.preset,
                    level.source,
                    totals.sent,
                    min_volume=min_volume,
                )
            )
    return verdicts


def _with_onsets(
    verdicts: dict[str, list[Verdict]],
    bars: Mapping[tuple[str, str, str], float],
    metrics_by_ip: Mapping[str, IpMetrics],
    min_volume: int,
) -> dict[str, list[Verdict]]:
    """Each breach with its onset: vectorised over the records behind lazy series, else walked in Python."""
    from ipdash.domain.onset import OnsetRequest, breach_onsets
    from ipdash.domain.series import LazySeries, SeriesSource

    by_source: dict[int, tuple[SeriesSource, int, list[OnsetRequest]]] = {}
    onsets: dict[tuple[str, str, str], date | None] = {}
    for key, bar in bars.items():  # one bar per breach
        ip, scope, metric = key
        metrics = metrics_by_ip[ip]
        daily = metrics.daily if scope == IP_SCOPE else metrics.daily_by_provider.get(scope, ())
        if isinstance(daily, LazySeries):
            source = daily.source
            _, days, requests = by_source.setdefault(id(source), (source, metrics.window.days, []))
            requests.append(OnsetRequest(ip, scope, metric, bar))
        else:
            onsets[key] = onset_of(daily, metric, bar, metrics.window.days, min_volume)
    for source, days, requests in by_source.values():
        onsets.update(breach_onsets(source.frame, source.end, days, min_volume, requests))
    for ip in {ip for ip, _, _ in bars}:
        verdicts[ip] = [
            replace(v, since=onsets.get((ip, v.scope, v.metric))) if (ip, v.scope, v.metric) in bars else v
            for v in verdicts[ip]
        ]
    return verdicts


def breaches(verdicts: list[Verdict]) -> list[Verdict]:
    """Warn and critical verdicts, critical first, then newest onset first."""
    found = [v for v in verdicts if v.status in _BREACHES]
    return sorted(found, key=lambda v: (SEVERITY_ORDER[v.status], -(v.since or date.min).toordinal(), v.ip))


def _crossed_level(status: Status, level: MetricThreshold | None) -> float | None:
    if level is None:
        return None
    if status is Status.CRITICAL:
        return level.critical
    return level.warn if level.warn is not None else level.critical


def _reason(
    metric: str,
    scope: str,
    status: Status,
    value: float | None,
    level: float | None,
    sent: int,
    min_volume: int,
) -> str:
    label = METRIC_LABELS[metric]
    where = "" if scope == IP_SCOPE else f" at {scope}"
    if status is Status.INSUFFICIENT_VOLUME:
        return (
            f"{sent:,} sent{where} in the window, below the {min_volume:,} needed to judge the {label} rate"
        )
    if status is Status.NO_DATA:
        return f"the source does not report {label}s{where}"
    shown, limit = format_rate(value), format_rate(level)
    if status is Status.CRITICAL:
        return f"{label} rate{where} {shown} is at or above the critical level {limit}"
    if status is Status.WARN:
        return f"{label} rate{where} {shown} is at or above the warn level {limit}"
    return f"{label} rate{where} {shown} is below {limit}"


def _onset_bar(status: Status, level: MetricThreshold) -> float:
    """The lowest rolling rate judged at this breach's severity or worse."""
    if status is Status.CRITICAL:
        assert level.critical is not None
        return level.critical
    return min(value for value in (level.warn, level.critical) if value is not None)


def onset_of(
    daily: Sequence[tuple[date, Totals]], metric: str, bar: float, window_days: int, min_volume: int
) -> date | None:
    """The window-end day on which the rolling rate first reached ``bar`` (in the current run);
    the one-series form of :func:`ipdash.domain.onset.breach_onsets`."""
    if not daily:
        return None
    onset = daily[-1][0]
    for index in range(len(daily) - 2, window_days - 2, -1):
        rolling = total(t for _, t in daily[max(0, index - window_days + 1) : index + 1])
        value = rolling.rate(metric)
        if rolling.sent < min_volume or value is None or value < bar:
            break
        onset = daily[index][0]
    return onset
