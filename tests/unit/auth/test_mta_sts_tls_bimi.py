"""MTA-STS policies (RFC 8461), TLS-RPT (RFC 8460) and BIMI records, over answers given as data."""

from __future__ import annotations

import pytest
from auth_helpers import answers_for, settle
from hypothesis import given
from hypothesis import strategies as st

from ipdash.domain.auth.answers import POLICY
from ipdash.domain.auth.bimi import judge_bimi
from ipdash.domain.auth.mta_sts import judge_mta_sts, mx_matches, parse_policy, policy_url
from ipdash.domain.auth.status import Status
from ipdash.domain.auth.tls_rpt import judge_tls_rpt
from ipdash.domain.dnsbl.lookups import LookupOutcome, Rcode, nxdomain

URL = policy_url("example.com")
GOOD = "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmx: *.backup.example.com\r\nmax_age: 604800\r\n"


def sts(
    policy: object,
    txt: object = "v=STSv1; id=20260101",
    mx: object = ("10 mx1.example.com.", "20 a.backup.example.com."),
):  # type: ignore[no-untyped-def]
    answers = answers_for(
        {("_mta-sts.example.com", "TXT"): txt, (URL, POLICY): policy, ("example.com", "MX"): mx}
    )  # type: ignore[dict-item]
    return settle(answers, lambda: judge_mta_sts(answers, "example.com"))


def test_an_enforced_policy_covering_every_mx_passes() -> None:
    check = sts(GOOD)
    assert (
        check.status is Status.PASS
        and check.details["mode"] == "enforce"
        and check.details["max_age"] == 604800
    )


@pytest.mark.parametrize(
    ("policy", "status", "words"),
    [
        (GOOD.replace("enforce", "testing"), Status.WARN, "testing"),
        (GOOD.replace("enforce", "none"), Status.WARN, "withdrawn"),
        (GOOD.replace("enforce", "strict"), Status.FAIL, "is not enforce"),
        (GOOD.replace("604800", "3600"), Status.WARN, "under a day"),
        (GOOD.replace("604800", "99999999"), Status.FAIL, "max_age"),
        (GOOD.replace("604800", "-5"), Status.FAIL, "max_age"),
        (GOOD.replace("STSv1", "STSv2"), Status.FAIL, "version"),
        ("version: STSv1\nmode: enforce\nmax_age: 86400\n", Status.FAIL, "no mx"),
        (GOOD.replace("mx: *.backup.example.com\r\n", ""), Status.FAIL, "a.backup.example.com"),
        ("this is not a policy", Status.FAIL, "cannot be read"),
        ("x: " + "y" * 70000, Status.FAIL, "cannot be read"),
        (nxdomain(), Status.FAIL, "does not exist"),
        (LookupOutcome(Rcode.NXDOMAIN, detail="answers 404 Not Found"), Status.FAIL, "404"),
        (LookupOutcome(Rcode.TIMEOUT, detail="no answer"), Status.UNKNOWN, "could not be fetched"),
        (LookupOutcome(Rcode.FAILURE, detail="HTTP 503"), Status.UNKNOWN, "503"),
    ],
)
def test_policy_outcomes(policy: object, status: Status, words: str) -> None:
    check = sts(policy)
    assert check.status is status and words in check.reason


def test_an_mx_lookup_that_times_out_is_unknown() -> None:
    assert sts(GOOD, mx=LookupOutcome(Rcode.TIMEOUT)).status is Status.UNKNOWN


@pytest.mark.parametrize(
    ("txt", "status"),
    [
        (nxdomain(), Status.WARN),
        (LookupOutcome(Rcode.REFUSED), Status.UNKNOWN),
        (("v=STSv1; id=1", "v=STSv1; id=2"), Status.FAIL),
        ("v=STSv1; id=bad-id!", Status.FAIL),
        ("v=STSv1; id=" + "a" * 33, Status.FAIL),
        ("v=STSv1", Status.FAIL),
    ],
)
def test_txt_record_outcomes(txt: object, status: Status) -> None:
    assert sts(GOOD, txt=txt).status is status


@pytest.mark.parametrize(
    ("pattern", "host", "matches"),
    [
        ("mx1.example.com", "MX1.example.com.", True),
        ("*.example.com", "mx1.example.com", True),
        ("*.example.com", "a.b.example.com", False),
        ("*.example.com", "example.com", False),
        ("mx1.example.com", "mx2.example.com", False),
    ],
)
def test_mx_patterns(pattern: str, host: str, matches: bool) -> None:
    assert mx_matches(pattern, host) is matches


def test_policy_keys_repeat_and_lines_may_end_in_crlf() -> None:
    assert parse_policy(GOOD)["mx"] == ["mx1.example.com", "*.backup.example.com"]


@given(st.text(max_size=400))
def test_any_policy_text_gets_a_verdict(text: str) -> None:
    assert sts(text).status in set(Status)


@pytest.mark.parametrize(
    ("txt", "status", "words"),
    [
        ("v=TLSRPTv1; rua=mailto:tls@example.com", Status.PASS, "mailto:tls@example.com"),
        ("v=TLSRPTv1; rua=https://reports.example.com/v1", Status.PASS, "https"),
        ("v=TLSRPTv1; rua=ftp://x", Status.FAIL, "not mailto"),
        ("v=TLSRPTv1", Status.FAIL, "no rua"),
        (("v=TLSRPTv1; rua=mailto:a@x", "v=TLSRPTv1; rua=mailto:b@x"), Status.FAIL, "2 TLS-RPT"),
        (nxdomain(), Status.WARN, "no TLS-RPT"),
        (LookupOutcome(Rcode.TIMEOUT), Status.UNKNOWN, "timeout"),
    ],
)
def test_tls_rpt(txt: object, status: Status, words: str) -> None:
    check = judge_tls_rpt(answers_for({("_smtp._tls.example.com", "TXT"): txt}), "example.com")  # type: ignore[dict-item]
    assert check.status is status and words in check.reason


BIMI = "v=BIMI1; l=https://example.com/logo.svg; a=https://example.com/vmc.pem"


@pytest.mark.parametrize(
    ("txt", "policy", "pct", "status", "words"),
    [
        (BIMI, "reject", 100, Status.PASS, "logo and certificate"),
        (BIMI, "none", 100, Status.FAIL, "enforcement"),
        (BIMI, "quarantine", 50, Status.FAIL, "enforcement"),
        (BIMI, None, None, Status.UNKNOWN, "DMARC enforcement unknown"),
        ("v=BIMI1; l=https://example.com/logo.svg", "reject", 100, Status.WARN, "VMC/CMC"),
        ("v=BIMI1; l=http://example.com/logo.png", "reject", 100, Status.FAIL, "https:// SVG"),
        ("v=BIMI1; l=; a=", "reject", 100, Status.PASS, "declination"),
        (nxdomain(), "reject", 100, Status.WARN, "optional"),
        (LookupOutcome(Rcode.SERVFAIL), "reject", 100, Status.UNKNOWN, "servfail"),
    ],
)
def test_bimi(txt: object, policy: str | None, pct: int | None, status: Status, words: str) -> None:
    answers = answers_for({("default._bimi.example.com", "TXT"): txt})  # type: ignore[dict-item]
    check = judge_bimi(answers, "example.com", policy, pct)
    assert check.status is status and words in check.reason
