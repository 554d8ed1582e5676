"""RFC 5782 §5 health checks: a zone must list its positive test point and must not list its negative one.

A zone that fails is not used: its NXDOMAIN is not "clean" (Google Public DNS got NXDOMAIN for every
Spamhaus query), and where it lists the never-listed point its listings mean nothing (AHBL in 2015,
expired SpamCop and spamcannibal domains).
"""

from __future__ import annotations

from collections.abc import Mapping

from ipdash.domain.dnsbl.catalog import ZoneEntry
from ipdash.domain.dnsbl.judge import HEALTH_DISABLED, HealthState, Status, ZoneHealth, judge_addresses
from ipdash.domain.dnsbl.lookups import LookupOutcome, Rcode


def judge_health(
    entry: ZoneEntry,
    positives: Mapping[str, LookupOutcome],
    negatives: Mapping[str, LookupOutcome],
) -> ZoneHealth:
    """Health from the probe outcomes, keyed by the probe (``127.0.0.2``, ``test``…).

    Failure beats unknown: one definite failure condemns the zone even if another probe timed out.
    """
    if not entry.health_check:
        return HEALTH_DISABLED
    if not positives and not negatives:
        return ZoneHealth(HealthState.UNKNOWN, "no test points known for this zone")
    unanswered: list[str] = []
    for point, outcome in negatives.items():
        failure = _negative_failure(entry, point, outcome)
        if isinstance(failure, ZoneHealth):
            return failure
        if failure:
            unanswered.append(failure)
    for point, outcome in positives.items():
        failure = _positive_failure(entry, point, outcome)
        if isinstance(failure, ZoneHealth):
            return failure
        if failure:
            unanswered.append(failure)
    if unanswered:
        return ZoneHealth(HealthState.UNKNOWN, "; ".join(unanswered), remedy=entry.failure_remedy)
    return ZoneHealth(HealthState.PASSED, "test points answered as RFC 5782 requires")


def _negative_failure(entry: ZoneEntry, point: str, outcome: LookupOutcome) -> ZoneHealth | str:
    if outcome.rcode in (Rcode.NXDOMAIN, Rcode.NOERROR) and not outcome.values:
        return ""
    failed = _answer_failure(entry, point, outcome)
    if failed is not None:
        return failed
    return ZoneHealth(
        HealthState.FAILED,
        f"zone lists everything: test point {point}, which must never be listed, is listed",
        remedy="the list is dead or wildcarded; stop using it",
        lists_everything=True,
    )


def _positive_failure(entry: ZoneEntry, point: str, outcome: LookupOutcome) -> ZoneHealth | str:
    if outcome.rcode in (Rcode.NXDOMAIN, Rcode.NOERROR) and not outcome.values:
        blocked = " (the list refuses this resolver)" if entry.refuses_public_resolvers else ""
        return ZoneHealth(
            HealthState.FAILED,
            f"test point {point}, which must be listed, is not{blocked}: the resolver is blocked or the "
            "zone is dead",
            remedy=entry.blocked_resolver_remedy or entry.failure_remedy or "use your own recursive resolver",
        )
    failed = _answer_failure(entry, point, outcome)
    return "" if failed is None else failed


def _answer_failure(entry: ZoneEntry, point: str, outcome: LookupOutcome) -> ZoneHealth | str | None:
    """What an unanswered or error-coded reply to a test point means; None for a plain answer."""
    if not outcome.answered:
        return f"test point {point} got {outcome.rcode.value}"
    verdict = judge_addresses(entry, outcome.values)
    if verdict.status is Status.ERROR:
        return ZoneHealth(
            HealthState.FAILED,
            f"test point {point} answered {verdict.reason}",
            remedy=verdict.remedy or entry.blocked_resolver_remedy,
        )
    return None
