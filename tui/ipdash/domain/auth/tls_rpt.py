"""SMTP TLS Reporting (RFC 8460 §3): the _smtp._tls TXT record and its report destinations."""

from __future__ import annotations

from ipdash.domain.auth.answers import Answers, is_unanswered, txt_records, unanswered_reason
from ipdash.domain.auth.simple_check import RecordCheck
from ipdash.domain.auth.status import Status
from ipdash.domain.auth.tags import TagError, parse_tags, printable

RFC = "RFC 8460 §3"


def judge_tls_rpt(answers: Answers, domain: str) -> RecordCheck:
    name = f"_smtp._tls.{domain}"
    outcome = answers.get(name, "TXT")
    if is_unanswered(outcome):
        return RecordCheck(name, Status.UNKNOWN, unanswered_reason(name, "TXT", outcome))
    records = txt_records(outcome, "TLSRPTv1")
    if not records:
        return RecordCheck(name, Status.WARN, f"no TLS-RPT record at {name}: TLS failures go unreported")
    if len(records) > 1:
        return RecordCheck(name, Status.FAIL, f"{len(records)} TLS-RPT records at {name}: senders use none")
    shown = printable(records[0], 1024)
    try:
        rua = parse_tags(records[0]).get("rua", "")
    except TagError as error:
        return RecordCheck(name, Status.FAIL, f"the record cannot be read: {error}", shown)
    destinations = [d.strip() for d in rua.split(",") if d.strip()]
    bad = [d for d in destinations if not d.lower().startswith(("mailto:", "https://"))]
    if not destinations or bad:
        reason = (
            "no rua= destination"
            if not destinations
            else f"rua {printable(bad[0], 80)} is not mailto: or https:"
        )
        return RecordCheck(name, Status.FAIL, reason, shown)
    return RecordCheck(name, Status.PASS, f"reports go to {', '.join(destinations)}", shown, {"rua": rua})
