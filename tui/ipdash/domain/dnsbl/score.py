"""What other parts of ipdash take from check results: the score signal, feed findings, re-check timing,
and the run's outcome for exit codes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from ipdash.domain.dnsbl.judge import Status
from ipdash.domain.dnsbl.rdns import Fcrdns
from ipdash.domain.dnsbl.results import CheckReport, TargetResult, ZoneResult
from ipdash.domain.dnsbl.summary import IMPORTANT, Overall, summarise

if TYPE_CHECKING:
    from ipdash.domain.models import BlocklistSignal


def score_signal(results: Iterable[ZoneResult], checked_at: datetime | None = None) -> BlocklistSignal:
    """Spamhaus block listings, other listings by weight, and important lists left unanswered.

    A Spamhaus policy listing (PBL) is not "spamhaus_listed" (no abuse evidence) but still counts as
    a major listing, since receivers that use ZEN reject it. Collateral listings are minor.
    """
    results = list(results)
    spamhaus = major = minor = unknown = 0
    for result in results:
        if result.status is Status.LISTED:
            if result.operator == "spamhaus" and result.severity == "listing":
                spamhaus += 1
            elif result.severity == "collateral" or result.importance == "minor":
                minor += 1
            else:
                major += 1
        elif result.not_checked and result.importance in IMPORTANT:
            unknown += 1
    if checked_at is None:
        times = [r.checked_at for r in results if r.checked_at is not None]
        checked_at = max(times) if times else None
    from ipdash.domain.models import BlocklistSignal  # the core records: `ipdash check` needs none

    return BlocklistSignal(
        spamhaus_listed=spamhaus > 0,
        major_listings=major,
        minor_listings=minor,
        important_unknown=unknown,
        checked_at=checked_at,
    )


class FindingKind(StrEnum):
    NEW_LISTING = "new listing"
    RDNS_FAILURE = "rdns failure"


@dataclass(frozen=True, slots=True)
class Finding:
    """Something for the breach feed: a listing that was not there last time, or rDNS that broke."""

    kind: FindingKind
    target: str
    subject: str
    reason: str
    at: datetime


def new_findings(previous: TargetResult | None, current: TargetResult) -> tuple[Finding, ...]:
    """Listings not present in ``previous`` (by zone), and an rDNS failure that was not failing before."""
    before = {r.zone_id for r in previous.listed} if previous is not None else set()
    findings = [
        Finding(FindingKind.NEW_LISTING, current.target, r.name, r.reason, current.checked_at)
        for r in current.listed
        if r.zone_id not in before
    ]
    if current.rdns_failed and not (previous is not None and previous.rdns_failed):
        assert current.rdns is not None
        findings.append(
            Finding(
                FindingKind.RDNS_FAILURE,
                current.target,
                "reverse DNS",
                current.rdns.reason,
                current.checked_at,
            )
        )
    return tuple(findings)


def recheck_due(last_checked: datetime | None, now: datetime, interval: timedelta) -> bool:
    return last_checked is None or now - last_checked >= interval


class RunOutcome(StrEnum):
    CLEAN = "clean"
    FINDING = "finding"
    INCOMPLETE = "incomplete"


def run_outcome(report: CheckReport) -> RunOutcome:
    """FINDING on any listing or a failing rDNS (fail/permerror); INCOMPLETE when anything went
    unanswered (error, unknown, rDNS temperror, deadline) or a target had no list that could be asked,
    without a finding; else CLEAN."""
    zones = [zone for target in report.results for zone in target.blocklists]
    if any(z.status is Status.LISTED for z in zones) or any(t.rdns_failed for t in report.results):
        return RunOutcome.FINDING
    rdns_unknown = any(t.rdns is not None and t.rdns.fcrdns is Fcrdns.TEMPERROR for t in report.results)
    nothing_asked = any(summarise(t.blocklists).overall is Overall.NOTHING_CHECKED for t in report.results)
    if report.deadline_reached or rdns_unknown or nothing_asked or any(z.not_checked for z in zones):
        return RunOutcome.INCOMPLETE
    return RunOutcome.CLEAN
