"""DKIM public-key records (RFC 6376 §3.6.1, RFC 8301 key sizes, RFC 8463 ed25519) for each selector."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from ipdash.domain.auth.answers import Answers, is_unanswered, txt_records, unanswered_reason
from ipdash.domain.auth.der import DerError, rsa_key_bits
from ipdash.domain.auth.status import Finding, Status, summarise
from ipdash.domain.auth.tags import TagError, parse_tags, printable

RFC = "RFC 6376 §3.6.1"
MIN_RSA_BITS = 1024  # RFC 8301 §3.2: verifiers must not accept smaller keys
RECOMMENDED_RSA_BITS = 2048  # Gmail's sender guidelines, M3AAWG


@dataclass(frozen=True)
class DkimCheck:
    selector: str
    name: str
    status: Status
    reason: str
    key_type: str | None = None
    key_bits: int | None = None
    testing: bool = False
    record: str | None = None


def dkim_name(selector: str, domain: str) -> str:
    return f"{selector}._domainkey.{domain}"


def judge_dkim(answers: Answers, domain: str, selector: str) -> DkimCheck:
    name = dkim_name(selector, domain)
    outcome = answers.get(name, "TXT")
    if is_unanswered(outcome):
        return DkimCheck(selector, name, Status.UNKNOWN, unanswered_reason(name, "TXT", outcome))
    records = [v for v in txt_records(outcome) if "p=" in v.replace(" ", "")]
    if not records:
        return DkimCheck(selector, name, Status.FAIL, f"no DKIM key at {name}")
    return judge_key(selector, name, records[0], more=len(records) - 1)


def judge_key(selector: str, name: str, text: str, *, more: int = 0) -> DkimCheck:
    shown = printable(text, 4096)
    try:
        tags = parse_tags(text)
    except TagError as error:
        return DkimCheck(selector, name, Status.FAIL, f"the key record cannot be read: {error}", record=shown)
    if tags.get("v", "DKIM1") != "DKIM1":
        return DkimCheck(
            selector, name, Status.FAIL, f"v={printable(tags['v'], 20)}: not DKIM1", record=shown
        )
    key_type = tags.get("k", "rsa").lower()
    flags = {flag.strip().lower() for flag in tags.get("t", "").split(":")}
    testing = "y" in flags
    findings: list[Finding] = []
    bits: int | None = None
    public = "".join(tags.get("p", "").split())
    if "p" not in tags:
        findings.append(Finding(Status.FAIL, "the record has no p= tag", RFC))
    elif not public:
        findings.append(Finding(Status.FAIL, "the key is revoked (empty p=)", f"{RFC} (p=)"))
    else:
        bits, problem = _key_size(key_type, public)
        if problem:
            findings.append(Finding(Status.FAIL, problem, RFC))
        elif key_type == "rsa" and bits is not None:
            findings.append(_rsa_finding(bits))
    hashes = {h.strip().lower() for h in tags.get("h", "sha256").split(":")}
    if "sha256" not in hashes:
        findings.append(Finding(Status.FAIL, "h= allows only SHA-1, which RFC 8301 forbids", "RFC 8301 §3.1"))
    if testing:
        findings.append(Finding(Status.WARN, "t=y: testing mode, receivers may treat mail as unsigned", RFC))
    if more:
        findings.append(Finding(Status.WARN, f"{more + 1} key records at {name}: receivers pick one", RFC))
    status, reason = summarise(findings)
    if status is Status.PASS:
        size = f"{bits}-bit " if bits else ""
        reason = f"{size}{key_type} key published"
    return DkimCheck(selector, name, status, reason, key_type, bits, testing, shown)


def _key_size(key_type: str, public: str) -> tuple[int | None, str]:
    try:
        data = base64.b64decode(public, validate=True)
    except (binascii.Error, ValueError):
        return None, "p= is not valid base64"
    if key_type == "ed25519":
        return (256, "") if len(data) == 32 else (None, f"an ed25519 key is 32 bytes, this one {len(data)}")
    if key_type != "rsa":
        return None, f"unknown key type k={printable(key_type, 20)}"
    try:
        return rsa_key_bits(data), ""
    except DerError as error:
        return None, f"the RSA key cannot be read: {error}"


def _rsa_finding(bits: int) -> Finding:
    if bits < MIN_RSA_BITS:
        return Finding(
            Status.FAIL, f"{bits}-bit RSA key: under {MIN_RSA_BITS}, verifiers reject it", "RFC 8301 §3.2"
        )
    if bits < RECOMMENDED_RSA_BITS:
        return Finding(
            Status.WARN,
            f"{bits}-bit RSA key: {RECOMMENDED_RSA_BITS} bits recommended",
            "RFC 8301 §3.2; M3AAWG",
        )
    return Finding(Status.PASS, f"{bits}-bit RSA key", "RFC 8301 §3.2")
