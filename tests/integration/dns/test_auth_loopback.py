"""Sending-domain checks end to end over loopback: DNS through dnspython to the project's DNS test server,
MTA-STS policies over HTTPS to a loopback server with a throwaway CA. One compliant domain, broken one way
per test."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from auth_fixtures import DOMAIN, SENDING_IP, compliant_domain, ed25519_key, rsa_key, small_rsa_key
from dnsbl_loopback_server import REFUSED, SERVFAIL, SILENCE, DnsScript, LoopbackDnsServer, Reply
from policy_server import PolicyServer

from ipdash.domain.auth.config import DomainSpec
from ipdash.domain.auth.judge import DomainAuth
from ipdash.domain.auth.status import Status
from ipdash.domain.dnsbl.settings import Nameserver
from ipdash.sources.auth import Lookups, check_domains
from ipdash.sources.dns.client import DnsClient

ENFORCE = "version: STSv1\nmode: enforce\nmx: *.example.com\nmax_age: 604800\n"
SPEC = DomainSpec(DOMAIN, ("s1",), (SENDING_IP,))


@pytest.fixture
def policy() -> Iterator[PolicyServer]:
    with PolicyServer(("mta-sts.example.com",)) as server:
        server.serve("mta-sts.example.com", ENFORCE)
        yield server


def run(
    nameserver: Nameserver, policy: PolicyServer, spec: DomainSpec = SPEC, timeout: float = 10.0
) -> DomainAuth:
    """The checks against the loopback server; the timeout is generous (a busy machine answers
    late, and a 0.3 s bound turned answered lookups unknown under load); the timeout tests pass
    their own short one to a server that does not answer."""
    lookups = Lookups(
        DnsClient(nameserver, retries=0),
        timeout=timeout,
        https_port=policy.port,
        verify=policy.client_context(),
    )
    (result,) = asyncio.run(check_domains([spec], lookups))
    return result


def test_a_compliant_domain_passes_every_check(
    script: DnsScript, nameserver: Nameserver, policy: PolicyServer
) -> None:
    compliant_domain(script)
    result = run(nameserver, policy)
    assert result.spf.status is Status.PASS, result.spf.reason
    assert result.spf.lookups == 1 and result.spf.void_lookups == 0
    assert result.spf.per_ip == {SENDING_IP: "pass"}
    assert [(d.status, d.key_bits) for d in result.dkim] == [(Status.PASS, 2048)]
    assert (result.dmarc.status, result.dmarc.policy, result.dmarc.pct) == (Status.PASS, "reject", 100)
    assert result.bimi.status is Status.PASS
    assert result.mta_sts.status is Status.PASS and result.mta_sts.details["mode"] == "enforce"
    assert result.tls_rpt.status is Status.PASS
    assert policy.requests == [("mta-sts.example.com", "/.well-known/mta-sts.txt")]


def test_spf_over_the_lookup_limit_through_nested_includes(
    script: DnsScript, nameserver: Nameserver, policy: PolicyServer
) -> None:
    compliant_domain(script)
    script.add_txt(DOMAIN, "v=spf1 ip4:192.0.2.0/28 include:a.esp.example include:b.esp.example -all")
    script.add_txt(
        "a.esp.example", "v=spf1 " + " ".join(f"include:a{i}.esp.example" for i in range(5)) + " ~all"
    )
    script.add_txt(
        "b.esp.example", "v=spf1 " + " ".join(f"include:b{i}.esp.example" for i in range(5)) + " ~all"
    )
    for prefix in "ab":
        for i in range(5):
            script.add_txt(f"{prefix}{i}.esp.example", f"v=spf1 ip4:198.51.100.{i}/32 ~all")
    result = run(nameserver, policy)
    assert result.spf.status is Status.FAIL
    assert result.spf.lookups == 12
    assert "over the limit of 10" in result.spf.reason
    assert result.spf.chain is not None and len(result.spf.chain.children) == 2


def test_spf_void_lookups_over_two(script: DnsScript, nameserver: Nameserver, policy: PolicyServer) -> None:
    compliant_domain(script)
    script.add_txt(
        DOMAIN,
        "v=spf1 ip4:192.0.2.0/28 a:gone1.example.com mx:gone2.example.com exists:gone3.example.com -all",
    )
    result = run(nameserver, policy)
    assert result.spf.void_lookups == 3
    assert result.spf.status is Status.FAIL and "void lookups" in result.spf.reason


def test_spf_ip_not_authorised(script: DnsScript, nameserver: Nameserver, policy: PolicyServer) -> None:
    compliant_domain(script)
    spec = DomainSpec(DOMAIN, ("s1",), (SENDING_IP, "203.0.113.99"))
    result = run(nameserver, policy, spec)
    assert result.spf.per_ip == {SENDING_IP: "pass", "203.0.113.99": "fail"}
    assert result.spf.status is Status.FAIL and "203.0.113.99 not authorised" in result.spf.reason


def test_spf_plus_all_fails(script: DnsScript, nameserver: Nameserver, policy: PolicyServer) -> None:
    compliant_domain(script)
    script.add_txt(DOMAIN, "v=spf1 ip4:192.0.2.0/28 +all")
    result = run(nameserver, policy)
    assert result.spf.status is Status.FAIL and "+all" in result.spf.reason


@pytest.mark.parametrize(
    ("record", "status", "bits", "words"),
    [
        (None, Status.FAIL, None, "no DKIM key"),
        ("v=DKIM1; k=rsa; p=", Status.FAIL, None, "revoked"),
        ("v=DKIM1; k=rsa; p={1024}", Status.WARN, 1024, "2048 bits recommended"),
        ("v=DKIM1; k=rsa; t=y; p={2048}", Status.WARN, 2048, "testing"),
        ("v=DKIM1; k=rsa; p={512}", Status.FAIL, 512, "under 1024"),
        ("v=DKIM1; k=ed25519; p={ed}", Status.PASS, 256, "ed25519"),
    ],
)
def test_dkim_key_states(
    script: DnsScript,
    nameserver: Nameserver,
    policy: PolicyServer,
    record: str | None,
    status: Status,
    bits: int | None,
    words: str,
) -> None:
    compliant_domain(script)
    name = f"s1._domainkey.{DOMAIN}"
    if record is None:
        script.records.pop((name, "TXT"))
    else:
        keys = {"1024": rsa_key, "2048": rsa_key, "512": small_rsa_key, "ed": lambda _: ed25519_key()}
        text = record
        for placeholder, make in keys.items():
            if "{" + placeholder + "}" in text:
                text = text.replace(
                    "{" + placeholder + "}", make(int(placeholder) if placeholder.isdigit() else 0)
                )
        script.add_txt(name, text)
    (dkim,) = run(nameserver, policy).dkim
    assert (dkim.status, dkim.key_bits) == (status, bits)
    assert words in dkim.reason


@pytest.mark.parametrize(
    ("record", "status", "words"),
    [
        (None, Status.FAIL, "no DMARC record"),
        ("v=DMARC1; p=none; rua=mailto:dmarc@example.com", Status.WARN, "p=none"),
        ("v=DMARC1; p=quarantine; pct=25; rua=mailto:dmarc@example.com", Status.WARN, "pct=25"),
        ("v=DMARC1; p=reject; rua=mailto:agg@vendor.example", Status.WARN, "not authorised"),
    ],
)
def test_dmarc_states(
    script: DnsScript,
    nameserver: Nameserver,
    policy: PolicyServer,
    record: str | None,
    status: Status,
    words: str,
) -> None:
    compliant_domain(script)
    if record is None:
        script.records.pop((f"_dmarc.{DOMAIN}", "TXT"))
    else:
        script.add_txt(f"_dmarc.{DOMAIN}", record)
    result = run(nameserver, policy)
    assert result.dmarc.status is status
    assert words in result.dmarc.reason


def test_external_rua_with_authorisation_passes(
    script: DnsScript, nameserver: Nameserver, policy: PolicyServer
) -> None:
    compliant_domain(script)
    script.add_txt(f"_dmarc.{DOMAIN}", "v=DMARC1; p=reject; rua=mailto:agg@vendor.example")
    script.add_txt(f"{DOMAIN}._report._dmarc.vendor.example", "v=DMARC1")
    assert run(nameserver, policy).dmarc.status is Status.PASS


def test_mta_sts_testing_mode_warns(script: DnsScript, nameserver: Nameserver, policy: PolicyServer) -> None:
    compliant_domain(script)
    policy.serve("mta-sts.example.com", ENFORCE.replace("enforce", "testing"))
    result = run(nameserver, policy)
    assert result.mta_sts.status is Status.WARN and result.mta_sts.details["mode"] == "testing"


def test_mta_sts_enforce_not_covering_an_mx_fails(
    script: DnsScript, nameserver: Nameserver, policy: PolicyServer
) -> None:
    compliant_domain(script)
    script.add(DOMAIN, "MX", Reply(mx=("10 mx1.example.com", "20 backup.other.example")))
    result = run(nameserver, policy)
    assert result.mta_sts.status is Status.FAIL and "backup.other.example" in result.mta_sts.reason


@pytest.mark.parametrize(
    ("status", "expected"), [(404, Status.FAIL), (302, Status.FAIL), (503, Status.UNKNOWN)]
)
def test_mta_sts_policy_http_answers(
    script: DnsScript, nameserver: Nameserver, policy: PolicyServer, status: int, expected: Status
) -> None:
    compliant_domain(script)
    policy.serve("mta-sts.example.com", "", status=status)
    assert run(nameserver, policy).mta_sts.status is expected


def test_mta_sts_certificate_for_another_name_fails(script: DnsScript, nameserver: Nameserver) -> None:
    compliant_domain(script)
    with PolicyServer(("mta-sts.other.example",)) as wrong:
        wrong.serve("mta-sts.example.com", ENFORCE)
        result = run(nameserver, wrong)
    assert result.mta_sts.status is Status.FAIL and "certificate" in result.mta_sts.reason


@pytest.mark.parametrize("broken", [SILENCE, SERVFAIL, REFUSED])
@pytest.mark.parametrize(
    ("name", "check"),
    [
        (DOMAIN, "spf"),
        ("_spf.esp.example", "spf"),
        (f"_dmarc.{DOMAIN}", "dmarc"),
        (f"_mta-sts.{DOMAIN}", "mta_sts"),
        (f"_smtp._tls.{DOMAIN}", "tls_rpt"),
        (f"default._bimi.{DOMAIN}", "bimi"),
    ],
)
def test_unanswered_lookups_are_unknown_never_no_record(
    script: DnsScript, nameserver: Nameserver, policy: PolicyServer, broken: Reply, name: str, check: str
) -> None:
    compliant_domain(script)
    script.add(name, "TXT", broken)
    result = run(nameserver, policy, timeout=0.1)
    assert getattr(result, check).status is Status.UNKNOWN
    assert result.status is Status.UNKNOWN


def test_dkim_timeout_is_unknown(script: DnsScript, nameserver: Nameserver, policy: PolicyServer) -> None:
    compliant_domain(script)
    script.add(f"s1._domainkey.{DOMAIN}", "TXT", SILENCE)
    (dkim,) = run(nameserver, policy, timeout=0.1).dkim
    assert dkim.status is Status.UNKNOWN and "timeout" in dkim.reason


def test_policy_host_that_times_out_is_unknown(
    script: DnsScript, nameserver: Nameserver, policy: PolicyServer
) -> None:
    compliant_domain(script)
    script.add(f"mta-sts.{DOMAIN}", "A", SILENCE)
    assert run(nameserver, policy, timeout=0.1).mta_sts.status is Status.UNKNOWN


def test_a_long_dkim_key_spans_several_txt_strings(
    script: DnsScript, nameserver: Nameserver, policy: PolicyServer, server: LoopbackDnsServer
) -> None:
    compliant_domain(script)
    script.add_txt(f"s1._domainkey.{DOMAIN}", f"v=DKIM1; k=rsa; p={rsa_key(4096)}")
    (dkim,) = run(nameserver, policy).dkim
    assert (dkim.status, dkim.key_bits) == (Status.PASS, 4096)
    assert server.transport_count("tcp") >= 1  # a 4096-bit key does not fit a 512-byte UDP reply
