"""Blocklist and rDNS results as the analysis takes them: per IP, with their age, and as breaches.

Only IPs in the data being analysed get a result (results stored for another dataset never leak in);
a result older than the re-check interval is marked stale; an rDNS that could not be judged (the lookup
failed, or the resolver never showed it can answer) produces no finding.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ipdash.domain.auth.judge import DomainAuth
from ipdash.domain.dnsbl.rdns import Fcrdns
from ipdash.domain.dnsbl.results import TargetResult
from ipdash.domain.dnsbl.score import score_signal
from ipdash.domain.feed import FeedItem
from ipdash.domain.models import BlocklistSignal

RDNS_SOURCE = "rDNS: Gmail, Yahoo and Microsoft require forward-confirmed rDNS"


@dataclass(frozen=True, slots=True)
class CheckResults:
    """Every stored or fresh blocklist/rDNS result, by canonical IP, and how to judge their age; and the
    sending domains' authentication checks, when they have run."""

    by_ip: Mapping[str, TargetResult] = field(default_factory=dict)
    now: datetime | None = None
    stale_after: timedelta | None = None
    domains: tuple[DomainAuth, ...] = ()


@dataclass(frozen=True, slots=True)
class IpChecks:
    """One IP's latest result, its age, and what the score takes from it."""

    result: TargetResult
    signal: BlocklistSignal
    age: timedelta | None
    stale: bool

    @property
    def resolver(self) -> str:
        return self.result.resolver

    @property
    def rdns_judged(self) -> bool:
        rdns = self.result.rdns
        return rdns is not None and rdns.fcrdns is not Fcrdns.TEMPERROR


def ip_checks(results: CheckResults, ip: str) -> IpChecks | None:
    result = results.by_ip.get(ip)
    if result is None:
        return None
    age = results.now - result.checked_at if results.now is not None else None
    stale = age is not None and results.stale_after is not None and age >= results.stale_after
    return IpChecks(result, score_signal(result.blocklists, result.checked_at), age, stale)


def check_breaches(checks: IpChecks) -> list[FeedItem]:
    """Current listings (Spamhaus and major lists critical, the rest warn) and a failing rDNS (warn)."""
    result = checks.result
    since = result.checked_at.date()
    stale = " (stale result)" if checks.stale else ""
    items = []
    for zone in result.listed:
        codes = ", ".join(zone.codes)
        items.append(
            FeedItem(
                severity="critical" if zone.importance in ("critical", "major") else "warn",
                since=since,
                ip=result.target,
                what=f"listed · {zone.name}",
                detail=(codes or zone.reason) + stale,
                source=f"{zone.zone}: {zone.reason}",
                kind="listing",
                metric="blocklist",
                scope=zone.zone,
                reason=zone.reason,
            )
        )
    if result.rdns_failed and result.rdns is not None:
        items.append(
            FeedItem(
                severity="warn",
                since=since,
                ip=result.target,
                what=f"rDNS · {result.rdns.fcrdns.value}",
                detail=result.rdns.reason + stale,
                source=RDNS_SOURCE,
                kind="rdns",
                metric="rdns",
                scope="ptr",
                reason=result.rdns.reason,
            )
        )
    return items
