"""rDNS: FCrDNS in the right family (iprev words), generic-looking names, provider requirements."""

from __future__ import annotations

import ipaddress

import pytest

from ipdash.domain.dnsbl.lookups import LookupOutcome, Rcode, nxdomain, records, timeout
from ipdash.domain.dnsbl.rdns import Fcrdns, RdnsRules, generic_ptr_reason, judge_rdns, ptr_names


@pytest.mark.parametrize(
    ("ip", "ptr", "forward", "expected", "reason_part"),
    [
        (
            "198.51.100.7",
            records("mail.example.com."),
            {"mail.example.com": records("198.51.100.7")},
            Fcrdns.PASS,
            "resolves (A) back",
        ),
        (
            "198.51.100.7",
            records("mail.example.com"),
            {"mail.example.com": records("198.51.100.8")},
            Fcrdns.FAIL,
            "does not forward-confirm",
        ),
        (
            "198.51.100.7",
            records("mail.example.com"),
            {"mail.example.com": nxdomain()},
            Fcrdns.FAIL,
            "does not forward-confirm",
        ),
        (
            "198.51.100.7",
            records("a.example.com", "b.example.com"),
            {"a.example.com": records("203.0.113.1"), "b.example.com": records("198.51.100.7")},
            Fcrdns.PASS,
            "b.example.com",
        ),
        (
            "198.51.100.7",
            records("a.example.com", "b.example.com"),
            {"a.example.com": timeout(), "b.example.com": records("198.51.100.7")},
            Fcrdns.PASS,
            "b.example.com",
        ),
        (
            "198.51.100.7",
            records("a.example.com"),
            {"a.example.com": timeout()},
            Fcrdns.TEMPERROR,
            "try again",
        ),
        ("198.51.100.7", records("a.example.com"), {}, Fcrdns.TEMPERROR, "failed"),
        ("198.51.100.7", nxdomain(), {}, Fcrdns.PERMERROR, "no PTR"),
        ("198.51.100.7", LookupOutcome(Rcode.NOERROR), {}, Fcrdns.PERMERROR, "no PTR"),
        ("198.51.100.7", LookupOutcome(Rcode.SERVFAIL), {}, Fcrdns.TEMPERROR, "servfail"),
        ("198.51.100.7", timeout("2.0 s"), {}, Fcrdns.TEMPERROR, "timeout"),
        (
            "2001:db8::25",
            records("mx.example.com"),
            {"mx.example.com": records("2001:db8:0:0::25")},
            Fcrdns.PASS,
            "(AAAA)",
        ),
        (
            "2001:db8::25",
            records("mx.example.com"),
            {"mx.example.com": records("2001:db8::26")},
            Fcrdns.FAIL,
            "(AAAA)",
        ),
    ],
)
def test_fcrdns(
    rules: RdnsRules, ip: str, ptr: LookupOutcome, forward: dict, expected: Fcrdns, reason_part: str
) -> None:
    result = judge_rdns(ip, ptr, forward, rules)
    assert result.fcrdns is expected
    assert reason_part in result.reason


def test_ptr_names_are_capped_sanitised_and_deduplicated(rules: RdnsRules) -> None:
    many = records(*[f"h{i}.example.com." for i in range(15)], "H0.Example.com")
    names, more = ptr_names(many, rules.ptr_limit)
    assert len(names) == rules.ptr_limit == 10
    assert more == 5
    hostile, _ = ptr_names(records("[bold red]evil\x1b[0m.example.com\u202e"), 10)
    assert hostile == ("evil.example.com",)


@pytest.mark.parametrize(
    ("name", "ip", "generic_part"),
    [
        ("dhcp024-210-034-053.example.net", "24.210.34.53", "dhcp"),
        ("pool-71-1-2-3.nycmny.fios.example.net", "71.1.2.3", "pool"),
        ("118.red-80-35-201.staticip.example.es", "80.35.201.118", "contains the IP"),
        ("host-203-0-113-45.example.net", "203.0.113.45", "contains the IP"),
        ("45.113.0.203.example.net", "203.0.113.45", "contains the IP"),
        ("203000113045.example.net", "203.0.113.45", "contains the IP"),
        ("0xcb00712d.example.net", "203.0.113.45", "contains the IP"),
        ("pcb00712d.dip0.example.net", "203.0.113.45", "contains the IP"),
        ("ec2-203-0-113-45.compute-1.amazonaws.com", "203.0.113.45", "Amazon EC2"),
        ("45.113.0.203.bc.googleusercontent.com", "203.0.113.45", "Google Cloud"),
        ("static.45.113.0.203.clients.your-server.de", "203.0.113.45", "Hetzner"),
        ("cpe-1-2-3-4.example.com", "198.51.100.1", "cpe"),
        ("adsl.example.com", "198.51.100.1", "adsl"),
        ("customer-12-34.example.net", "198.51.100.1", "customer"),
        ("unused-addr.example.net", "198.51.100.1", "unused-addr"),
    ],
)
def test_generic_names(rules: RdnsRules, name: str, ip: str, generic_part: str) -> None:
    assert generic_part in generic_ptr_reason(name, ipaddress.ip_address(ip), rules.generic)


@pytest.mark.parametrize(
    ("name", "ip"),
    [
        ("mail.example.com", "203.0.113.45"),
        ("outbound3.example.com", "203.0.113.45"),
        ("o1.ptr1234.sendgrid.example", "203.0.113.45"),
        ("mail-203-0-113-45.static.example.net", "203.0.113.45"),
        ("poolside.example.com", "203.0.113.45"),
        ("mta45.mail.example.com", "203.0.113.45"),
    ],
)
def test_non_generic_names(rules: RdnsRules, name: str, ip: str) -> None:
    assert generic_ptr_reason(name, ipaddress.ip_address(ip), rules.generic) == ""


def test_ipv6_embedded_address_is_generic(rules: RdnsRules) -> None:
    address = ipaddress.ip_address("2001:db8::1234:5678:9abc:def0")
    assert generic_ptr_reason("1234-5678-9abc-def0.dyn6.example.net", address, rules.generic)
    assert (
        generic_ptr_reason("1234-5678-9abc-def0.v6.example.net", address, rules.generic)
        == "contains the IP address"
    )


def test_requirements_follow_the_result(rules: RdnsRules) -> None:
    good = judge_rdns(
        "198.51.100.7", records("mail.example.com"), {"mail.example.com": records("198.51.100.7")}, rules
    )
    assert {c.provider: c.status for c in good.requirements} == {
        "Gmail": "met",
        "Yahoo": "met",
        "Microsoft": "met",
    }
    assert good.ok and not good.generic
    none = judge_rdns("198.51.100.7", nxdomain(), {}, rules)
    assert {c.status for c in none.requirements} == {"not met"}
    assert "5.7.25" in next(c.reason for c in none.requirements if c.provider == "Gmail")
    generic = judge_rdns(
        "24.210.34.53",
        records("dhcp024-210-034-053.example.net"),
        {"dhcp024-210-034-053.example.net": records("24.210.34.53")},
        rules,
    )
    assert generic.fcrdns is Fcrdns.PASS and generic.generic and not generic.ok
    statuses = {c.provider: c.status for c in generic.requirements}
    assert statuses == {"Gmail": "met", "Yahoo": "at risk", "Microsoft": "at risk"}
    unknown = judge_rdns("198.51.100.7", timeout(), {}, rules)
    assert {c.status for c in unknown.requirements} == {"unknown"}


def test_shared_ip_note(rules: RdnsRules) -> None:
    result = judge_rdns(
        "203.0.113.45",
        records("ec2-203-0-113-45.compute-1.amazonaws.com"),
        {"ec2-203-0-113-45.compute-1.amazonaws.com": records("203.0.113.45")},
        rules,
        shared_ip=True,
    )
    assert "shared ESP IP" in result.reason
