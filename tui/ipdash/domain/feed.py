"""One breach, whatever raised it: a threshold, a warm-up state, a listing, rDNS, SNDS, a provider.

Every surface counts and shows the same breaches: the table's count, the feed, ``report``'s JSON and
exit code, and ``poll``'s alerts all read ``IpAnalysis.breaches`` (built in ``domain.analysis``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from ipdash.domain.verdicts import IP_SCOPE, METRIC_LABELS, Status, format_rate

if TYPE_CHECKING:  # thresholds pulls in pydantic; the feed's readers need not
    from ipdash.domain.thresholds import Verdict

SEVERITY_RANK = {"critical": 0, "warn": 1}


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One breach as the feed shows it (severity, since, ip, what, detail, source) and as scripts read it
    (kind, metric, scope, value, threshold, preset, reason)."""

    severity: str  # "critical" | "warn"
    since: date | None
    ip: str
    what: str
    detail: str
    source: str
    kind: str = "threshold"  # threshold | warmup | listing | rdns | snds | provider-listing | account
    metric: str = ""
    scope: str = IP_SCOPE
    value: float | None = None
    threshold: float | None = None
    preset: str = ""
    reason: str = ""

    @property
    def status(self) -> Status:
        return Status.CRITICAL if self.severity == "critical" else Status.WARN


#: The feed's lines are the breaches.
Breach = FeedItem


def verdict_item(verdict: Verdict) -> FeedItem:
    """The breach for a rate over its threshold."""
    scope = "all" if verdict.scope == IP_SCOPE else verdict.scope
    return FeedItem(
        severity="critical" if verdict.status is Status.CRITICAL else "warn",
        since=verdict.since,
        ip=verdict.ip,
        what=f"{METRIC_LABELS[verdict.metric]} · {scope}",
        detail=f"{format_rate(verdict.value)} ≥ {format_rate(verdict.threshold)}",
        source=f"{verdict.preset}: {verdict.source}",
        kind="threshold",
        metric=verdict.metric,
        scope=verdict.scope,
        value=verdict.value,
        threshold=verdict.threshold,
        preset=verdict.preset,
        reason=verdict.reason,
    )


def ordered(items: list[FeedItem]) -> list[FeedItem]:
    """Critical first, newest first, then by IP and what."""
    return sorted(
        items, key=lambda i: (SEVERITY_RANK[i.severity], -(i.since or date.min).toordinal(), i.ip, i.what)
    )


def worst_severity(items: tuple[FeedItem, ...] | list[FeedItem]) -> str | None:
    if any(i.severity == "critical" for i in items):
        return "critical"
    return "warn" if items else None
