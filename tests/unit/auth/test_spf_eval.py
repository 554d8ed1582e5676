"""SPF lookup counting through includes and redirects, void lookups, loops, and check_host() per IP,
over answers given as data."""

from __future__ import annotations

import pytest
from auth_helpers import answers_for, settle

from ipdash.domain.auth.answers import Answers, Pending
from ipdash.domain.auth.spf import judge_spf
from ipdash.domain.auth.spf_eval import check_host
from ipdash.domain.auth.spf_walk import WALK_CAP, chain_lines, walk_spf
from ipdash.domain.auth.status import Status
from ipdash.domain.dnsbl.lookups import LookupOutcome, Rcode, nxdomain, records, timeout


def spf(domain: str, ips: tuple[str, ...], zone: dict) -> object:  # type: ignore[type-arg]
    answers = answers_for(zone)
    return settle(answers, lambda: judge_spf(answers, domain, ips))


def host(ip: str, zone: dict, domain: str = "example.com") -> str:  # type: ignore[type-arg]
    answers = answers_for(zone)
    return settle(answers, lambda: check_host(answers, ip, domain)).result


@pytest.mark.parametrize(
    ("record", "ip", "result"),
    [
        ("v=spf1 ip4:192.0.2.0/24 -all", "192.0.2.9", "pass"),
        ("v=spf1 ip4:192.0.2.0/24 -all", "198.51.100.1", "fail"),
        ("v=spf1 ip4:192.0.2.0/24 ~all", "198.51.100.1", "softfail"),
        ("v=spf1 ip4:192.0.2.0/24", "198.51.100.1", "neutral"),
        ("v=spf1 -ip4:192.0.2.9 +all", "192.0.2.9", "fail"),
        ("v=spf1 ip6:2001:db8::/32 -all", "2001:db8::25", "pass"),
        ("v=spf1 ip4:192.0.2.0/24 -all", "2001:db8::25", "fail"),
        ("v=spf1 a -all", "192.0.2.1", "pass"),
        ("v=spf1 a:mail.example.com/24 -all", "192.0.2.200", "pass"),
        ("v=spf1 mx -all", "192.0.2.7", "pass"),
        ("v=spf1 mx -all", "2001:db8::7", "pass"),
        ("v=spf1 exists:%{i}.allow.example.com -all", "192.0.2.50", "pass"),
        ("v=spf1 exists:%{i}.allow.example.com -all", "192.0.2.51", "fail"),
        ("v=spf1 include:_spf.esp.example -all", "198.51.100.5", "pass"),
        ("v=spf1 include:_spf.esp.example -all", "198.51.100.99", "fail"),
        ("v=spf1 redirect=_spf.esp.example", "198.51.100.99", "softfail"),
        ("v=spf1 include:gone.example -all", "192.0.2.1", "permerror"),
        ("v=spf1 redirect=gone.example", "192.0.2.1", "permerror"),
        ("v=spf1 ptr:example.com -all", "192.0.2.1", "pass"),
        ("v=spf1 ptr:other.example -all", "192.0.2.1", "fail"),
    ],
)
def test_check_host(record: str, ip: str, result: str) -> None:
    zone = {
        ("example.com", "TXT"): record,
        ("example.com", "A"): "192.0.2.1",
        ("mail.example.com", "A"): "192.0.2.100",
        ("example.com", "MX"): ("10 mx1.example.com.", "20 mx2.example.com."),
        ("mx1.example.com", "A"): "192.0.2.7",
        ("mx2.example.com", "AAAA"): "2001:db8::7",
        ("192.0.2.50.allow.example.com", "A"): "127.0.0.2",
        ("_spf.esp.example", "TXT"): "v=spf1 ip4:198.51.100.0/28 ~all",
        ("1.2.0.192.in-addr.arpa", "PTR"): "mta1.example.com",
        ("mta1.example.com", "A"): "192.0.2.1",
    }
    assert host(ip, zone) == result


def test_a_timeout_inside_an_include_is_temperror_and_unknown() -> None:
    zone = {
        ("example.com", "TXT"): "v=spf1 include:_spf.esp.example -all",
        ("_spf.esp.example", "TXT"): timeout(),
    }
    assert host("192.0.2.1", zone) == "temperror"
    check = spf("example.com", ("192.0.2.1",), zone)
    assert check.status is Status.UNKNOWN  # type: ignore[attr-defined]


@pytest.mark.parametrize("rcode", [Rcode.TIMEOUT, Rcode.SERVFAIL, Rcode.REFUSED, Rcode.FAILURE])
def test_an_unanswered_record_lookup_is_unknown_never_missing(rcode: Rcode) -> None:
    check = spf("example.com", (), {("example.com", "TXT"): LookupOutcome(rcode, detail="x")})
    assert check.status is Status.UNKNOWN and "no SPF record" not in check.reason  # type: ignore[attr-defined]


def test_missing_and_duplicate_records_fail() -> None:
    assert spf("example.com", (), {("example.com", "TXT"): nxdomain()}).status is Status.FAIL  # type: ignore[attr-defined]
    both = records("v=spf1 -all", "v=spf1 ~all")
    check = spf("example.com", (), {("example.com", "TXT"): both})
    assert check.status is Status.FAIL and "2 SPF records" in check.reason  # type: ignore[attr-defined]


def nested(depth_two: int) -> dict:  # type: ignore[type-arg]
    zone = {("example.com", "TXT"): "v=spf1 include:a.example include:b.example -all"}
    for branch in "ab":
        children = " ".join(f"include:{branch}{i}.example" for i in range(depth_two))
        zone[(f"{branch}.example", "TXT")] = f"v=spf1 {children} ~all"
        for i in range(depth_two):
            zone[(f"{branch}{i}.example", "TXT")] = f"v=spf1 ip4:192.0.2.{i} ~all"
    return zone


@pytest.mark.parametrize(("children", "lookups", "status"), [(4, 10, Status.WARN), (5, 12, Status.FAIL)])
def test_lookups_are_counted_through_nested_includes(children: int, lookups: int, status: Status) -> None:
    check = spf("example.com", (), nested(children))
    assert check.lookups == lookups  # type: ignore[attr-defined]
    assert check.status is status  # WARN: no sending IPs configured  # type: ignore[attr-defined]


def test_void_lookups_are_counted() -> None:
    zone = {("example.com", "TXT"): "v=spf1 a:x.example mx:y.example exists:z.example include:w.example -all"}
    check = spf("example.com", (), zone)
    assert check.void_lookups == 4 and check.status is Status.FAIL  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("all_term", "status", "words"),
    [
        ("+all", Status.FAIL, "+all"),
        ("?all", Status.WARN, "?all"),
        ("", Status.WARN, "no 'all'"),
        ("-all", Status.PASS, ""),
    ],
)
def test_the_all_policy(all_term: str, status: Status, words: str) -> None:
    zone = {("example.com", "TXT"): f"v=spf1 ip4:192.0.2.1 {all_term}".strip()}
    check = spf("example.com", ("192.0.2.1",), zone)
    assert check.status is status and words in check.reason  # type: ignore[attr-defined]


def test_an_unauthorised_ip_fails_and_is_named() -> None:
    check = spf(
        "example.com", ("192.0.2.1", "203.0.113.5"), {("example.com", "TXT"): "v=spf1 ip4:192.0.2.1 -all"}
    )
    assert check.per_ip == {"192.0.2.1": "pass", "203.0.113.5": "fail"}  # type: ignore[attr-defined]
    assert "203.0.113.5 not authorised" in check.reason  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "zone",
    [
        {("example.com", "TXT"): "v=spf1 include:example.com -all"},
        {
            ("example.com", "TXT"): "v=spf1 include:a.example -all",
            ("a.example", "TXT"): "v=spf1 include:example.com",
        },
        {("example.com", "TXT"): "v=spf1 redirect=example.com"},
    ],
    ids=["self", "two-step", "redirect-self"],
)
def test_loops_are_permerrors_and_terminate(zone: dict) -> None:  # type: ignore[type-arg]
    check = spf("example.com", ("192.0.2.1",), zone)
    assert check.status is Status.FAIL  # type: ignore[attr-defined]
    assert host("192.0.2.1", zone) == "permerror"


def test_a_hostile_tree_stops_counting_at_the_cap() -> None:
    zone = {
        ("example.com", "TXT"): "v=spf1 " + " ".join(f"include:i{n}.example" for n in range(150)) + " -all"
    }
    for n in range(150):
        zone[(f"i{n}.example", "TXT")] = (
            "v=spf1 " + " ".join(f"a:h{n}-{k}.example" for k in range(50)) + " ~all"
        )
    answers = answers_for(zone)
    walk = settle(answers, lambda: walk_spf(answers, "example.com"))
    assert walk.capped and walk.lookups == WALK_CAP
    assert len(answers.known) < 200  # the walk did not ask for everything


def test_the_walk_asks_for_sibling_includes_in_one_round() -> None:
    answers = Answers({("example.com", "TXT"): records("v=spf1 include:a.example include:b.example -all")})
    with pytest.raises(Pending):
        walk_spf(answers, "example.com")
    assert answers.missing == {("a.example", "TXT"), ("b.example", "TXT")}


def test_chain_lines_show_the_tree() -> None:
    answers = answers_for(nested(1))
    walk = settle(answers, lambda: walk_spf(answers, "example.com"))
    lines = chain_lines(walk.root)
    assert lines[0].startswith("example.com (2 lookups)")
    assert lines[1].startswith("  include:a.example (1 lookup)")
    assert lines[2].startswith("    include:a0.example (0 lookups)")


def test_records_with_control_characters_are_shown_safely() -> None:
    check = spf("example.com", (), {("example.com", "TXT"): "v=spf1 ip4:192.0.2.1 -all exp=\x1b[2Jx.example"})
    assert "\x1b" not in (check.record or "")  # type: ignore[attr-defined]
