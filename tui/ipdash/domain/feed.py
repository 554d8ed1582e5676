"""One line of the breaches feed, whatever raised it: a threshold, a warm-up state, a listing."""

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
    severity: str  # "critical" | "warn"
    since: date | None
    ip: str
    what: str
    detail: str
    source: str


def verdict_item(verdict: Verdict) -> FeedItem:
    """The feed line for a threshold breach."""
    scope = "all" if verdict.scope == IP_SCOPE else verdict.scope
    return FeedItem(
        severity="critical" if verdict.status is Status.CRITICAL else "warn",
        since=verdict.since,
        ip=verdict.ip,
        what=f"{METRIC_LABELS[verdict.metric]} · {scope}",
        detail=f"{format_rate(verdict.value)} ≥ {format_rate(verdict.threshold)}",
        source=f"{verdict.preset}: {verdict.source}",
    )
