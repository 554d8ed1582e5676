"""Feed lines (breaches) from domain checks, for the analysis pipeline: failures of SPF, DKIM and DMARC are
critical (mailbox providers reject or junk the mail), of BIMI, MTA-STS and TLS-RPT warnings; a DMARC record
that was there on the previous run and is gone now is critical. Unknown raises no line: it is not a finding."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ipdash.domain.auth.judge import DomainAuth
from ipdash.domain.auth.status import Status
from ipdash.domain.feed import FeedItem

CRITICAL_CHECKS = ("SPF", "DKIM", "DMARC")


def domain_findings(
    results: Sequence[DomainAuth], previous: Mapping[str, DomainAuth] | None = None
) -> list[FeedItem]:
    """One feed line per failing check (``ip`` holds the domain name), plus DMARC disappearances."""
    items: list[FeedItem] = []
    for result in results:
        since = result.checked_at.date() if result.checked_at else None
        before = (previous or {}).get(result.name)
        vanished = before is not None and bool(before.dmarc.record) and not result.dmarc.record
        if vanished and result.dmarc.status is not Status.UNKNOWN:
            items.append(
                FeedItem(
                    "critical",
                    since,
                    result.name,
                    "DMARC record disappeared",
                    result.dmarc.reason,
                    "RFC 7489",
                    kind="domain",
                    metric="dmarc",
                    scope=result.name,
                    reason=result.dmarc.reason,
                )
            )
        for what, status, reason, source in _checks(result):
            if status is Status.FAIL:
                severity = "critical" if what.split()[0] in CRITICAL_CHECKS else "warn"
                items.append(
                    FeedItem(
                        severity,
                        since,
                        result.name,
                        what,
                        reason,
                        source,
                        kind="domain",
                        metric=what.split()[0].lower(),
                        scope=result.name,
                        reason=reason,
                    )
                )
    return items


def _checks(result: DomainAuth) -> list[tuple[str, Status, str, str]]:
    checks = [("SPF", result.spf.status, result.spf.reason, "RFC 7208")]
    checks += [(f"DKIM {d.selector}", d.status, d.reason, "RFC 6376") for d in result.dkim]
    checks += [("DMARC", result.dmarc.status, result.dmarc.reason, "RFC 7489")]
    checks += [
        ("BIMI", result.bimi.status, result.bimi.reason, "BIMI"),
        ("MTA-STS", result.mta_sts.status, result.mta_sts.reason, "RFC 8461"),
        ("TLS-RPT", result.tls_rpt.status, result.tls_rpt.reason, "RFC 8460"),
    ]
    return checks
