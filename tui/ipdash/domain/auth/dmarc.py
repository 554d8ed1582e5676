"""The DMARC check for one From domain: the record (own or inherited through the DMARCbis tree walk), the
policy and pct, report destinations and their external authorisation (RFC 7489 §7.1), and alignment of
the configured SPF (Return-Path) and DKIM (d=) domains."""

from __future__ import annotations

from dataclasses import dataclass, field

from ipdash.domain.auth.answers import Answers, Pending, is_unanswered, txt_records, unanswered_reason
from ipdash.domain.auth.dmarc_record import (
    DmarcRecord,
    DmarcSyntaxError,
    is_dmarc,
    mailto_domain,
    parse_dmarc,
)
from ipdash.domain.auth.status import Finding, Status, summarise

RFC = "RFC 7489"
MAX_WALK_LABELS = 8


@dataclass(frozen=True)
class DmarcCheck:
    domain: str
    status: Status
    reason: str
    policy: str | None = None
    pct: int | None = None
    record: str | None = None
    found_at: str | None = None
    org_domain: str | None = None
    rua: tuple[str, ...] = ()
    ruf: tuple[str, ...] = ()
    aligned: dict[str, bool | None] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()


def _ancestors(domain: str) -> list[str]:
    labels = domain.lower().rstrip(".").split(".")[-MAX_WALK_LABELS:]
    return [".".join(labels[cut:]) for cut in range(len(labels) - 1)]


def _lookup(answers: Answers, name: str) -> tuple[DmarcRecord | None, str, bool]:
    """(record, problem, unanswered) for _dmarc.<name>."""
    query = f"_dmarc.{name}"
    outcome = answers.get(query, "TXT")
    if is_unanswered(outcome):
        return None, unanswered_reason(query, "TXT", outcome), True
    records = [v for v in txt_records(outcome) if is_dmarc(v)]
    if not records:
        return None, "", False
    if len(records) > 1:
        return None, f"{query} publishes {len(records)} DMARC records: receivers ignore all of them", False
    try:
        return parse_dmarc(records[0]), "", False
    except DmarcSyntaxError as error:
        return None, f"{query}: {error}", False


def organisational_domain(answers: Answers, domain: str) -> tuple[str, bool]:
    """(org domain, certain): the highest ancestor with a DMARC record that is not a public suffix
    domain (psd=y), else the last two labels; ``certain`` is False when a lookup went unanswered."""
    org, certain = ".".join(domain.lower().split(".")[-2:]), True
    pending = False
    for name in reversed(_ancestors(domain)):
        try:
            record, _, unanswered = _lookup(answers, name)
        except Pending:
            pending = True
            continue
        certain = certain and not unanswered
        if record is not None and record.psd != "y":
            org = name
            break
    if pending:
        raise Pending((f"_dmarc.{domain}", "TXT"))
    return org, certain


def judge_dmarc(answers: Answers, domain: str, spf_domain: str, dkim_domains: tuple[str, ...]) -> DmarcCheck:
    domain = domain.lower().rstrip(".")
    found: DmarcRecord | None = None
    found_at = None
    for name in _ancestors(domain):
        record, problem, unanswered = _lookup(answers, name)
        if unanswered:
            return DmarcCheck(domain, Status.UNKNOWN, problem)
        if problem:
            return DmarcCheck(
                domain, Status.FAIL, problem, findings=(Finding(Status.FAIL, problem, f"{RFC} §6.6.3"),)
            )
        if record is not None:
            found, found_at = record, name
            break
    org, certain = organisational_domain(answers, domain)
    if found is None or found_at is None:
        reason = f"no DMARC record at _dmarc.{domain} or above (Gmail, Yahoo and Outlook.com require one)"
        return DmarcCheck(
            domain, Status.FAIL, reason, org_domain=org, findings=(Finding(Status.FAIL, reason, RFC),)
        )
    inherited = found_at != domain
    policy = found.subdomain_policy or found.policy if inherited else found.policy
    findings = _policy_findings(policy, found, inherited, found_at)
    findings += _report_findings(answers, found, found_at, org)
    aligned = {
        "spf": _aligned(spf_domain, domain, org, found.aspf) if spf_domain else None,
        "dkim": any(_aligned(d, domain, org, found.adkim) for d in dkim_domains) if dkim_domains else None,
    }
    findings.append(_alignment_finding(aligned, spf_domain, dkim_domains))
    if not certain:
        findings.append(
            Finding(Status.WARN, "a lookup above the domain went unanswered: org domain guessed", RFC)
        )
    status, reason = summarise(findings)
    if status is Status.PASS:
        where = f" (inherited from {found_at})" if inherited else ""
        reason = f"p={policy}{where}, aligned"
    return DmarcCheck(
        domain,
        status,
        reason,
        policy,
        found.pct,
        found.text,
        found_at,
        org,
        found.rua,
        found.ruf,
        aligned,
        tuple(findings),
    )


def _policy_findings(policy: str, record: DmarcRecord, inherited: bool, found_at: str) -> list[Finding]:
    findings: list[Finding] = []
    via = f" (inherited from {found_at})" if inherited else ""
    if policy == "none":
        findings.append(
            Finding(Status.WARN, f"p=none{via}: monitoring only, spoofed mail is delivered", f"{RFC} §6.3")
        )
    if record.pct < 100 and policy != "none":
        findings.append(
            Finding(
                Status.WARN,
                f"pct={record.pct}: the policy applies to only {record.pct}% of failing mail",
                f"{RFC} §6.3",
            )
        )
    if record.testing:
        findings.append(Finding(Status.WARN, "t=y: the policy is in testing mode", "DMARCbis (t=)"))
    return findings


def _report_findings(answers: Answers, record: DmarcRecord, found_at: str, org: str) -> list[Finding]:
    findings: list[Finding] = []
    if not record.rua:
        findings.append(Finding(Status.WARN, "no rua=: no aggregate reports are requested", f"{RFC} §6.3"))
    for uri in (*record.rua, *record.ruf):
        destination = mailto_domain(uri)
        if destination is None:
            findings.append(Finding(Status.WARN, f"{uri} is not a mailto: address", f"{RFC} §6.2"))
            continue
        if destination == org or destination.endswith("." + org):
            continue
        name = f"{found_at}._report._dmarc.{destination}"
        outcome = answers.get(name, "TXT")
        if is_unanswered(outcome):
            findings.append(Finding(Status.UNKNOWN, unanswered_reason(name, "TXT", outcome), f"{RFC} §7.1"))
        elif not txt_records(outcome, "DMARC1"):
            findings.append(
                Finding(
                    Status.WARN,
                    f"reports to {destination} are not authorised ({name} has no v=DMARC1 record): "
                    "receivers will not send them",
                    f"{RFC} §7.1",
                )
            )
    return findings


def _aligned(other: str, domain: str, org: str, mode: str) -> bool:
    other = other.lower().rstrip(".")
    if mode == "s":
        return other == domain
    return other == org or other.endswith("." + org)


def _alignment_finding(
    aligned: dict[str, bool | None], spf_domain: str, dkim_domains: tuple[str, ...]
) -> Finding:
    if aligned["spf"] or aligned["dkim"]:
        which = " and ".join(k.upper() for k, v in aligned.items() if v)
        return Finding(Status.PASS, f"{which} aligned", f"{RFC} §3.1")
    if aligned["dkim"] is None:
        return Finding(
            Status.UNKNOWN,
            f"Return-Path {spf_domain} is not aligned, and DKIM alignment is unknown (no selectors configured)",
            f"{RFC} §3.1",
        )
    return Finding(
        Status.FAIL,
        f"neither SPF ({spf_domain}) nor DKIM ({', '.join(dkim_domains)}) is aligned: DMARC fails",
        f"{RFC} §3.1",
    )
