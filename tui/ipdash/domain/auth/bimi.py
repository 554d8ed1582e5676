"""BIMI (draft-brand-indicators-for-message-identification): the default._bimi record, its SVG location,
the VMC/CMC certificate, and the DMARC enforcement BIMI requires."""

from __future__ import annotations

from ipdash.domain.auth.answers import Answers, is_unanswered, txt_records, unanswered_reason
from ipdash.domain.auth.simple_check import RecordCheck
from ipdash.domain.auth.status import Finding, Status, summarise
from ipdash.domain.auth.tags import TagError, parse_tags, printable

SOURCE = "BIMI draft §4; Gmail BIMI requirements"


def judge_bimi(answers: Answers, domain: str, dmarc_policy: str | None, dmarc_pct: int | None) -> RecordCheck:
    """``dmarc_policy`` None means DMARC could not be checked; "" that there is no usable record."""
    name = f"default._bimi.{domain}"
    outcome = answers.get(name, "TXT")
    if is_unanswered(outcome):
        return RecordCheck(name, Status.UNKNOWN, unanswered_reason(name, "TXT", outcome))
    records = txt_records(outcome, "BIMI1")
    if not records:
        return RecordCheck(name, Status.WARN, f"no BIMI record at {name} (optional: no logo in the inbox)")
    shown = printable(records[0], 1024)
    try:
        tags = parse_tags(records[0])
    except TagError as error:
        return RecordCheck(name, Status.FAIL, f"the record cannot be read: {error}", shown)
    logo, certificate = tags.get("l", ""), tags.get("a", "")
    details: dict[str, str | int | None] = {"logo": logo or None, "certificate": certificate or None}
    if not logo and not certificate:
        return RecordCheck(
            name, Status.PASS, "declination record: the domain publishes no logo", shown, details
        )
    findings: list[Finding] = []
    if not logo.lower().startswith("https://") or not logo.lower().endswith(".svg"):
        findings.append(
            Finding(Status.FAIL, f"l={printable(logo, 80)} is not an https:// SVG location", SOURCE)
        )
    if not certificate:
        findings.append(
            Finding(
                Status.WARN,
                "no a= certificate (VMC/CMC): Gmail and Apple Mail show no logo without one",
                SOURCE,
            )
        )
    elif not certificate.lower().startswith("https://"):
        findings.append(
            Finding(Status.FAIL, f"a={printable(certificate, 80)} is not an https:// location", SOURCE)
        )
    if dmarc_policy is None:
        findings.append(
            Finding(Status.UNKNOWN, "DMARC enforcement unknown: BIMI needs quarantine or reject", SOURCE)
        )
    elif dmarc_policy not in ("quarantine", "reject") or (dmarc_pct or 0) < 100:
        findings.append(
            Finding(Status.FAIL, "BIMI needs DMARC at enforcement (quarantine or reject, pct=100)", SOURCE)
        )
    status, reason = summarise(findings)
    if status is Status.PASS:
        reason = "logo and certificate published, DMARC at enforcement"
    return RecordCheck(name, status, reason, shown, details, tuple(findings))
