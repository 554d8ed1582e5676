"""DMARC: parsing, the tree walk to the organisational domain, inherited policies, report authorisation,
alignment; unanswered lookups are unknown."""

from __future__ import annotations

import pytest
from auth_helpers import answers_for, settle
from hypothesis import given
from hypothesis import strategies as st

from ipdash.domain.auth.dmarc import judge_dmarc, organisational_domain
from ipdash.domain.auth.dmarc_record import DmarcSyntaxError, mailto_domain, parse_dmarc
from ipdash.domain.auth.status import Status
from ipdash.domain.dnsbl.lookups import LookupOutcome, Rcode, records


def dmarc(
    zone: dict,
    domain: str = "example.com",
    spf: str = "example.com",
    dkim: tuple[str, ...] = ("example.com",),
):  # type: ignore[no-untyped-def,type-arg]
    answers = answers_for(zone)
    return settle(answers, lambda: judge_dmarc(answers, domain, spf, dkim))


def test_parse_a_full_record() -> None:
    record = parse_dmarc(
        "v=DMARC1; p=Quarantine; sp=reject; pct=50; rua=mailto:a@x.example,mailto:b@y.example!10m; ruf=mailto:f@x.example; adkim=s; aspf=r; t=y"
    )
    assert (record.policy, record.subdomain_policy, record.pct) == ("quarantine", "reject", 50)
    assert (
        record.rua == ("mailto:a@x.example", "mailto:b@y.example!10m")
        and record.adkim == "s"
        and record.testing
    )


@pytest.mark.parametrize(
    "text",
    [
        "v=DMARC1",
        "v=DMARC1; p=monitor",
        "v=DMARC1; p=none; pct=101",
        "v=DMARC1; p=none; pct=-1",
        "v=DMARC1; p=none; pct=abc",
        "v=DMARC1; p=none; adkim=x",
        "v=DMARC1; p=none; sp=maybe",
        "p=none",
        "v=DMARC1; p=none; p=reject",
        "v=DMARC1; p=none; rua=" + ",".join(["mailto:a@b.example"] * 30),
    ],
)
def test_unusable_records(text: str) -> None:
    with pytest.raises(DmarcSyntaxError):
        parse_dmarc(text)


@pytest.mark.parametrize(
    ("uri", "domain"),
    [
        ("mailto:d@Example.COM", "example.com"),
        ("mailto:d@x.example!10m", "x.example"),
        ("https://x.example", None),
        ("mailto:nobody", None),
    ],
)
def test_mailto_domains(uri: str, domain: str | None) -> None:
    assert mailto_domain(uri) == domain


def test_policy_pass_and_alignment() -> None:
    check = dmarc({("_dmarc.example.com", "TXT"): "v=DMARC1; p=reject; rua=mailto:d@example.com"})
    assert (check.status, check.policy, check.pct, check.found_at) == (
        Status.PASS,
        "reject",
        100,
        "example.com",
    )
    assert check.aligned == {"spf": True, "dkim": True}


def test_a_subdomain_inherits_sp_from_the_organisational_domain() -> None:
    zone = {("_dmarc.example.com", "TXT"): "v=DMARC1; p=reject; sp=none; rua=mailto:d@example.com"}
    check = dmarc(zone, domain="news.example.com", spf="bounce.example.com", dkim=("news.example.com",))
    assert (check.policy, check.found_at, check.org_domain) == ("none", "example.com", "example.com")
    assert check.status is Status.WARN and "inherited from example.com" in check.reason


def test_the_organisational_domain_is_the_highest_record_below_a_psd() -> None:
    zone = {
        ("_dmarc.a.b.example.com", "TXT"): "v=DMARC1; p=reject",
        ("_dmarc.example.com", "TXT"): "v=DMARC1; p=reject",
        ("_dmarc.com", "TXT"): "v=DMARC1; p=none; psd=y",
    }
    answers = answers_for(zone)
    assert settle(answers, lambda: organisational_domain(answers, "a.b.example.com")) == ("example.com", True)
    answers = answers_for({})
    assert settle(answers, lambda: organisational_domain(answers, "a.b.example.co.uk"))[0] == "co.uk"


@pytest.mark.parametrize(
    ("zone", "status", "words"),
    [
        ({}, Status.FAIL, "no DMARC record"),
        (
            {("_dmarc.example.com", "TXT"): "v=DMARC1; p=none; rua=mailto:d@example.com"},
            Status.WARN,
            "p=none",
        ),
        (
            {("_dmarc.example.com", "TXT"): "v=DMARC1; p=reject; pct=10; rua=mailto:d@example.com"},
            Status.WARN,
            "pct=10",
        ),
        ({("_dmarc.example.com", "TXT"): "v=DMARC1; p=reject"}, Status.WARN, "no rua"),
        (
            {("_dmarc.example.com", "TXT"): "v=DMARC1; p=reject; rua=mailto:x@vendor.example"},
            Status.WARN,
            "not authorised",
        ),
        (
            {("_dmarc.example.com", "TXT"): ("v=DMARC1; p=reject", "v=DMARC1; p=none")},
            Status.FAIL,
            "2 DMARC records",
        ),
        ({("_dmarc.example.com", "TXT"): "v=DMARC1; p=bogus"}, Status.FAIL, "policy must be"),
        ({("_dmarc.example.com", "TXT"): LookupOutcome(Rcode.TIMEOUT)}, Status.UNKNOWN, "timeout"),
        ({("_dmarc.example.com", "TXT"): LookupOutcome(Rcode.SERVFAIL)}, Status.UNKNOWN, "servfail"),
        (
            {
                ("_dmarc.example.com", "TXT"): "v=DMARC1; p=reject; rua=mailto:x@vendor.example",
                ("example.com._report._dmarc.vendor.example", "TXT"): LookupOutcome(Rcode.TIMEOUT),
            },
            Status.UNKNOWN,
            "timeout",
        ),
    ],
)
def test_outcomes(zone: dict, status: Status, words: str) -> None:  # type: ignore[type-arg]
    check = dmarc(zone)
    assert check.status is status and words in check.reason


def test_an_authorised_external_destination_passes() -> None:
    zone = {
        ("_dmarc.example.com", "TXT"): "v=DMARC1; p=reject; rua=mailto:x@vendor.example",
        ("example.com._report._dmarc.vendor.example", "TXT"): "v=DMARC1",
    }
    assert dmarc(zone).status is Status.PASS


@pytest.mark.parametrize(
    ("spf", "dkim", "mode", "status"),
    [
        ("bounce.example.com", (), "r", Status.PASS),
        ("bounce.example.com", (), "s", Status.UNKNOWN),
        ("amazonses.example", ("example.com",), "s", Status.PASS),
        ("amazonses.example", ("esp.example",), "r", Status.FAIL),
    ],
)
def test_alignment_modes(spf: str, dkim: tuple[str, ...], mode: str, status: Status) -> None:
    zone = {
        (
            "_dmarc.example.com",
            "TXT",
        ): f"v=DMARC1; p=reject; adkim={mode}; aspf={mode}; rua=mailto:d@example.com"
    }
    assert dmarc(zone, spf=spf, dkim=dkim).status is status


def test_a_long_name_walks_at_most_eight_levels() -> None:
    answers = answers_for({})
    name = ".".join(f"l{i}" for i in range(20)) + ".example.com"
    settle(answers, lambda: judge_dmarc(answers, name, name, ()))
    assert len([q for q in answers.known if q[0].startswith("_dmarc.")]) <= 8


@given(st.text(max_size=300))
def test_any_record_text_gets_a_verdict(text: str) -> None:
    check = dmarc({("_dmarc.example.com", "TXT"): records("v=DMARC1; " + text)})
    assert check.status in set(Status)
