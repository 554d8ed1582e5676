"""The alerts the TUI shows: the conditions ``ipdash poll`` alerts on, judged by the same rules
(:mod:`ipdash.sources.alerts`: every breach of the analysis, stale or failed sources, the
``[alerts] min_severity`` filter), with when each was first seen and whether it was acknowledged.

No IO here. An acknowledgement belongs to one occurrence: the condition's key and the day it began
(a breach that clears and comes back later is a new alert, not an acknowledged one).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from ipdash.domain.feed import FeedItem
from ipdash.domain.models import SourceInfo
from ipdash.sources.alerts import (
    Condition,
    Severity,
    conditions_from_breaches,
    conditions_from_sources,
    plan_alerts,
)

RULES = {
    "threshold": "threshold",
    "warmup": "warm-up",
    "listing": "blocklist",
    "provider-listing": "listing",
    "rdns": "rDNS",
    "snds": "SNDS",
    "account": "account",
    "domain": "domain",
}


@dataclass(frozen=True, slots=True)
class ScreenAlert:
    key: str  # what an acknowledgement is stored under
    condition: Condition
    rule: str
    ip: str
    what: str
    value: str
    since: str  # the day the breach began, or the source's last good read
    first_seen: datetime
    acknowledged_at: datetime | None = None

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None


def _occurrence(condition: Condition, since: object) -> str:
    return f"{condition.key}@{since}" if since else condition.key


def screen_alerts(
    feed: Iterable[FeedItem],
    sources: Iterable[SourceInfo],
    *,
    acknowledged: Mapping[str, datetime],
    first_seen: Mapping[str, datetime],
    now: datetime,
    min_severity: Severity = "warning",
) -> list[ScreenAlert]:
    """Every current alert, unacknowledged first, then critical first, newest first."""
    items = list(feed)
    infos = list(sources)
    pairs: list[tuple[Condition, str, str, str, str, str]] = []
    for item, condition in zip(items, conditions_from_breaches(items), strict=True):
        since = item.since.isoformat() if item.since else ""
        pairs.append((condition, RULES.get(item.kind, item.kind), item.ip, item.what, item.detail, since))
    for info in infos:
        for condition in conditions_from_sources([info]):
            since = info.fetched_at.isoformat(timespec="minutes") if info.fetched_at else ""
            pairs.append((condition, "source", "", condition.title, condition.reason, since))
    wanted, _ = plan_alerts({}, [pair[0] for pair in pairs], set(), min_severity)
    keep = {condition.key for condition in wanted}
    found: dict[str, ScreenAlert] = {}
    for condition, rule, ip, what, value, since in pairs:
        key = _occurrence(condition, since)
        if condition.key not in keep or key in found:
            continue
        found[key] = ScreenAlert(
            key=key,
            condition=condition,
            rule=rule,
            ip=ip,
            what=what,
            value=value,
            since=since,
            first_seen=first_seen.get(key, now),
            acknowledged_at=acknowledged.get(key),
        )
    return sorted(
        found.values(),
        key=lambda a: (a.acknowledged, a.condition.severity != "critical", _descending(a.since), a.key),
    )


def _descending(text: str) -> tuple[int, ...]:
    return tuple(-ord(ch) for ch in text)


def newly_fired(alerts: Iterable[ScreenAlert], seen_before: Iterable[str]) -> list[ScreenAlert]:
    """Alerts not on screen at the previous update and not acknowledged: what fires now."""
    before = set(seen_before)
    return [a for a in alerts if a.key not in before and not a.acknowledged]
