"""MTA-STS (RFC 8461): the _mta-sts TXT record, the HTTPS policy file, its mode, max_age and whether it
covers the domain's MX hosts."""

from __future__ import annotations

import re

from ipdash.domain.auth.answers import POLICY, Answers, is_unanswered, txt_records, unanswered_reason
from ipdash.domain.auth.simple_check import RecordCheck
from ipdash.domain.auth.spf_eval import mx_host
from ipdash.domain.auth.status import Finding, Status, summarise
from ipdash.domain.auth.tags import TagError, parse_tags, printable
from ipdash.domain.dnsbl.lookups import Rcode

RFC = "RFC 8461"
MAX_AGE_LIMIT = 31557600  # RFC 8461 §3.2: about a year
SHORT_MAX_AGE = 86400  # §3.2 suggests weeks; under a day gives little protection
MAX_POLICY_CHARS = 65536
_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")


def policy_url(domain: str) -> str:
    return f"https://mta-sts.{domain}/.well-known/mta-sts.txt"


def parse_policy(text: str) -> dict[str, list[str]]:
    """RFC 8461 §3.2 key: value lines (LF or CRLF); keys may repeat (mx)."""
    if len(text) > MAX_POLICY_CHARS:
        raise ValueError(f"the policy is {len(text)} characters: over {MAX_POLICY_CHARS}")
    fields: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        key, colon, value = line.partition(":")
        if not colon:
            raise ValueError(f"line {printable(line, 60)!r} is not 'key: value'")
        fields.setdefault(key.strip().lower(), []).append(value.strip())
    return fields


def judge_mta_sts(answers: Answers, domain: str) -> RecordCheck:
    name = f"_mta-sts.{domain}"
    outcome = answers.get(name, "TXT")
    if is_unanswered(outcome):
        return RecordCheck(name, Status.UNKNOWN, unanswered_reason(name, "TXT", outcome))
    records = txt_records(outcome, "STSv1")
    if not records:
        return RecordCheck(name, Status.WARN, f"no MTA-STS record at {name}: inbound TLS is not enforced")
    shown = printable(records[0], 512)
    if len(records) > 1:
        return RecordCheck(
            name, Status.FAIL, f"{len(records)} MTA-STS records: senders ignore the policy", shown
        )
    try:
        policy_id = parse_tags(records[0]).get("id", "")
    except TagError as error:
        return RecordCheck(name, Status.FAIL, f"the record cannot be read: {error}", shown)
    if not _ID.match(policy_id):
        return RecordCheck(
            name, Status.FAIL, f"id={printable(policy_id, 40)!r} is not 1-32 letters or digits", shown
        )
    return _judge_policy(answers, domain, name, shown)


def _judge_policy(answers: Answers, domain: str, name: str, shown: str) -> RecordCheck:
    url = policy_url(domain)
    fetched = answers.get(url, POLICY)
    if is_unanswered(fetched):
        return RecordCheck(
            name,
            Status.UNKNOWN,
            f"the policy at {url} could not be fetched: {fetched.detail or fetched.rcode.value}",
            shown,
        )
    if fetched.rcode is not Rcode.NOERROR or not fetched.values:
        return RecordCheck(
            name,
            Status.FAIL,
            f"the TXT record is published but {url} {fetched.detail or 'does not exist'}",
            shown,
        )
    body = fetched.values[0]
    try:
        fields = parse_policy(body)
    except ValueError as error:
        return RecordCheck(name, Status.FAIL, f"the policy cannot be read: {error}", shown)
    details: dict[str, str | int | None] = {"policy": printable(body, 2048)}
    findings = _policy_findings(fields, details)
    if details.get("mode") == "enforce":
        findings += _coverage(answers, domain, fields.get("mx", []))
    status, reason = summarise(findings)
    if status is Status.PASS:
        reason = f"mode enforce, max_age {details['max_age']} s, covers every MX"
    return RecordCheck(name, status, reason, shown, details, tuple(findings))


def _policy_findings(fields: dict[str, list[str]], details: dict[str, str | int | None]) -> list[Finding]:
    findings: list[Finding] = []
    if fields.get("version") != ["STSv1"]:
        findings.append(Finding(Status.FAIL, "version is not STSv1", f"{RFC} §3.2"))
    mode = (fields.get("mode") or [""])[0]
    details["mode"] = mode or None
    if mode == "testing":
        findings.append(
            Finding(Status.WARN, "mode testing: failures are reported, not enforced", f"{RFC} §5")
        )
    elif mode == "none":
        findings.append(Finding(Status.WARN, "mode none: the policy is withdrawn", f"{RFC} §5"))
    elif mode != "enforce":
        findings.append(
            Finding(
                Status.FAIL, f"mode {printable(mode, 20)!r} is not enforce, testing or none", f"{RFC} §3.2"
            )
        )
    age_text = (fields.get("max_age") or [""])[0]
    if not age_text.isdigit() or int(age_text) > MAX_AGE_LIMIT:
        findings.append(
            Finding(
                Status.FAIL, f"max_age {printable(age_text, 20)!r} is not 0..{MAX_AGE_LIMIT}", f"{RFC} §3.2"
            )
        )
    else:
        details["max_age"] = int(age_text)
        if int(age_text) < SHORT_MAX_AGE:
            findings.append(
                Finding(Status.WARN, f"max_age {age_text} s: under a day, little protection", f"{RFC} §3.2")
            )
    if mode in ("enforce", "testing") and not fields.get("mx"):
        findings.append(Finding(Status.FAIL, "no mx: lines: no MX host can match", f"{RFC} §3.2"))
    return findings


def _coverage(answers: Answers, domain: str, patterns: list[str]) -> list[Finding]:
    outcome = answers.get(domain, "MX")
    if is_unanswered(outcome):
        return [Finding(Status.UNKNOWN, unanswered_reason(domain, "MX", outcome), f"{RFC} §4.1")]
    hosts = [mx_host(v) for v in outcome.values] if outcome.has_records else []
    uncovered = [h for h in hosts if not any(mx_matches(p, h) for p in patterns)]
    if uncovered:
        return [
            Finding(
                Status.FAIL,
                f"MX {', '.join(uncovered)} not in the policy: enforcing senders will not deliver",
                f"{RFC} §4.1",
            )
        ]
    return []


def mx_matches(pattern: str, host: str) -> bool:
    """RFC 8461 §4.1: exact, or '*.' matching exactly one leftmost label."""
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if pattern.startswith("*."):
        head, _, rest = host.partition(".")
        return bool(head) and rest == pattern[2:]
    return pattern == host
