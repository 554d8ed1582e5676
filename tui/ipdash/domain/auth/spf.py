"""The SPF check for one envelope (Return-Path) domain: record, syntax, lookup and void-lookup counts,
the 'all' policy, and whether each sending IP is authorised (evaluated, not just parsed)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ipdash.domain.auth.answers import Answers
from ipdash.domain.auth.spf_eval import check_host
from ipdash.domain.auth.spf_walk import LOOKUP_LIMIT, VOID_LIMIT, WALK_CAP, SpfNode, walk_spf
from ipdash.domain.auth.status import Finding, Status, summarise

RFC = "RFC 7208"
AUTHORISED = {"pass"}


@dataclass(frozen=True)
class SpfCheck:
    domain: str
    status: Status
    reason: str
    lookups: int | None
    void_lookups: int | None
    record: str | None = None
    chain: SpfNode | None = None
    per_ip: dict[str, str] = field(default_factory=dict)
    per_ip_reason: dict[str, str] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()


def judge_spf(answers: Answers, domain: str, ips: tuple[str, ...]) -> SpfCheck:
    walk = walk_spf(answers, domain)
    record = walk.record
    if record is None:
        problem = walk.root.problem
        status = Status.UNKNOWN if walk.unanswered else Status.FAIL
        if status is Status.FAIL and "no SPF record" in problem:
            problem += " (bulk senders must publish one: Gmail, Yahoo, Outlook.com)"
        finding = Finding(status, problem, f"{RFC} §4.5")
        return SpfCheck(domain, status, problem, None, None, chain=walk.root, findings=(finding,))
    findings = _record_findings(
        walk.lookups, walk.void_lookups, walk.capped, record.all_qualifier, record.redirect
    )
    findings += [Finding(Status.FAIL, problem, f"{RFC} §4.6") for problem in walk.permerrors]
    findings += [Finding(Status.UNKNOWN, problem, f"{RFC} §4.4") for problem in walk.unanswered]
    findings += [Finding(Status.WARN, note, RFC) for note in walk.notes]
    per_ip = {ip: check_host(answers, ip, domain) for ip in ips}
    for ip, result in per_ip.items():
        findings.append(_ip_finding(ip, result.result, result.reason))
    if not ips:
        findings.append(
            Finding(
                Status.WARN, "no sending IPs configured for this domain: authorisation not evaluated", RFC
            )
        )
    status, reason = summarise(findings)
    if status is Status.PASS:
        reason = _pass_reason(walk.lookups, ips)
    return SpfCheck(
        domain,
        status,
        reason,
        walk.lookups,
        walk.void_lookups,
        record=walk.root.record,
        chain=walk.root,
        per_ip={ip: result.result for ip, result in per_ip.items()},
        per_ip_reason={ip: result.reason for ip, result in per_ip.items()},
        findings=tuple(findings),
    )


def _record_findings(
    lookups: int, voids: int, capped: bool, all_qualifier: str | None, redirect: str | None
) -> list[Finding]:
    findings: list[Finding] = []
    if lookups > LOOKUP_LIMIT:
        counted = f"over {WALK_CAP}" if capped else str(lookups)
        findings.append(
            Finding(
                Status.FAIL,
                f"{counted} DNS lookups counted through includes: over the limit of {LOOKUP_LIMIT}, "
                "receivers return permerror",
                f"{RFC} §4.6.4",
            )
        )
    if voids > VOID_LIMIT:
        findings.append(
            Finding(
                Status.FAIL,
                f"{voids} void lookups (names that do not exist or have no records): over the limit of {VOID_LIMIT}",
                f"{RFC} §4.6.4",
            )
        )
    if all_qualifier == "pass":
        findings.append(Finding(Status.FAIL, "+all authorises every host on the internet", f"{RFC} §5.1"))
    elif all_qualifier == "neutral":
        findings.append(
            Finding(Status.WARN, "?all: hosts not listed are neutral, not rejected", f"{RFC} §5.1")
        )
    elif all_qualifier is None and redirect is None:
        findings.append(
            Finding(
                Status.WARN, "no 'all' mechanism: unlisted hosts get neutral (default ?all)", f"{RFC} §4.7"
            )
        )
    return findings


def _ip_finding(ip: str, result: str, reason: str) -> Finding:
    if result in AUTHORISED:
        return Finding(Status.PASS, f"{ip} authorised ({reason})", RFC)
    if result == "temperror":
        return Finding(Status.UNKNOWN, f"{ip}: could not be evaluated: {reason}", f"{RFC} §2.6.6")
    return Finding(Status.FAIL, f"{ip} not authorised: SPF {result} ({reason})", f"{RFC} §2.6")


def _pass_reason(lookups: int, ips: tuple[str, ...]) -> str:
    authorised = f", {len(ips)} sending IP(s) authorised" if ips else ""
    return f"one valid record, {lookups} of {LOOKUP_LIMIT} lookups{authorised}"
