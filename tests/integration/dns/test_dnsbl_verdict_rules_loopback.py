"""The verdict rules of issue 17, end to end against the loopback DNS server: the Spamhaus error range from
any zone, every answer from a block list is a listing unless documented otherwise, one row for every
(target, list) asked, dead operators by suffix, documented address families, private addresses."""

from __future__ import annotations

import pytest
from dnsbl_loopback_server import DnsScript, LoopbackDnsServer, ZoneSpec, listed, reversed_labels

from ipdash.domain.dnsbl.catalog import Catalog
from ipdash.domain.dnsbl.judge import Status
from ipdash.domain.dnsbl.plan import select_zones
from ipdash.domain.dnsbl.rdns import RdnsRules
from ipdash.domain.dnsbl.results import CheckReport, ZoneResult
from ipdash.domain.dnsbl.settings import KeyRing, Nameserver
from ipdash.domain.dnsbl.targets import parse_targets
from ipdash.sources.dns.checker import CheckSettings, check_targets

DQS_KEY = "placeholderdqskey0123456789"


async def run(
    catalog: Catalog,
    rules: RdnsRules,
    nameserver: Nameserver,
    targets: list[str],
    zones: list[str],
    *,
    keys: KeyRing | None = None,
    include_private: bool = False,
) -> CheckReport:
    plan = tuple(select_zones(catalog, zones, keys or KeyRing({}, {})))
    settings = CheckSettings(
        catalog=catalog,
        plan=plan,
        rules=rules,
        nameserver=nameserver,
        timeout=5.0,  # every query is answered; a short bound turned answers unknown on a busy machine
        deadline=30.0,
        concurrency=8,
        rdns=False,
        include_private=include_private,
    )
    return await check_targets(parse_targets(targets), settings=settings)


def row(report: CheckReport, target: str, zone_id: str) -> ZoneResult:
    result = next(r for r in report.results if r.target == target)
    matches = [z for z in result.blocklists if z.zone_id == zone_id]
    assert len(matches) == 1, f"{zone_id}: {len(matches)} rows for {target}"
    return matches[0]


@pytest.mark.parametrize(
    ("zone", "code", "meaning_part"),
    [
        ("zne.spamhaus.org", "127.255.255.252", "typing error"),
        ("sbl-xbl.spamhaus.org", "127.255.255.254", "public/open resolver"),
        ("bl.uncatalogued.example", "127.255.255.255", "excessive number of queries"),
        ("bl.uncatalogued.example", "127.255.255.7", "Spamhaus error range"),
        # DQS given raw: the catalogued zone by its key, and a mistyped one (not in the catalog).
        (f"{DQS_KEY}.zen.dq.spamhaus.net", "127.255.255.250", "invalid DQS key"),
        # The key of a zone the catalog does not know was printed in every row, JSON and nagios.
        (f"{DQS_KEY}.zne.dq.spamhaus.net", "127.255.255.252", "typing error"),
        (f"{DQS_KEY}.hbl.dq.spamhaus.net", "127.255.255.251", "DQS: invalid key"),
    ],
)
async def test_the_spamhaus_error_range_is_an_error_from_any_zone(
    script: DnsScript,
    nameserver: Nameserver,
    catalog: Catalog,
    rules: RdnsRules,
    zone: str,
    code: str,
    meaning_part: str,
) -> None:
    script.add_zone(ZoneSpec(zone, entries={reversed_labels("198.51.100.30"): listed(code)}))
    report = await run(catalog, rules, nameserver, ["198.51.100.30"], [zone])
    (result,) = report.results[0].blocklists
    assert result.status is Status.ERROR, result.reason
    assert meaning_part in result.reason and result.remedy
    assert result.lookup_url == ""
    assert DQS_KEY not in result.zone + result.name + result.reason + result.remedy


@pytest.mark.parametrize(
    ("code", "meaning_part"),
    [("127.0.0.1", "class 1: testing"), ("127.0.0.2", "class 2: sample data"), ("127.0.0.3", "IRC spam")],
)
async def test_every_dronebl_class_is_a_listing_with_its_lookup_page(
    script: DnsScript,
    nameserver: Nameserver,
    catalog: Catalog,
    rules: RdnsRules,
    code: str,
    meaning_part: str,
) -> None:
    script.add_zone(ZoneSpec("dnsbl.dronebl.org", entries={reversed_labels("198.51.100.31"): listed(code)}))
    report = await run(catalog, rules, nameserver, ["198.51.100.31"], ["dronebl"])
    result = row(report, "198.51.100.31", "dronebl")
    assert result.status is Status.LISTED and result.severity == "listing"
    assert meaning_part in result.reason
    assert result.lookup_url == "https://dronebl.org/lookup?ip=198.51.100.31"


async def test_zrd_answers_are_reputation_listings_and_dqs_key_codes_are_errors(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    zrd = script.add_zone(ZoneSpec(f"{DQS_KEY}.zrd.dq.spamhaus.net", domain_list=True))
    zrd.entries["fresh.example"] = listed("127.0.2.5")
    zrd.entries["badkey.example"] = listed("127.255.255.250")
    zen = script.add_zone(ZoneSpec(f"{DQS_KEY}.sbl.dq.spamhaus.net"))
    zen.entries[reversed_labels("198.51.100.32")] = listed("127.255.255.251")
    keys = KeyRing({"spamhaus-dqs": DQS_KEY}, {})
    report = await run(
        catalog,
        rules,
        nameserver,
        ["fresh.example", "badkey.example", "198.51.100.32"],
        ["spamhaus-dqs-zrd", "spamhaus-dqs-sbl"],
        keys=keys,
    )
    fresh = row(report, "fresh.example", "spamhaus-dqs-zrd")
    assert fresh.status is Status.LISTED and fresh.list_type == "reputation" and fresh.severity == "listing"
    for target, zone_id, code in (
        ("badkey.example", "spamhaus-dqs-zrd", "127.255.255.250"),
        ("198.51.100.32", "spamhaus-dqs-sbl", "127.255.255.251"),
    ):
        result = row(report, target, zone_id)
        assert result.status is Status.ERROR and code in result.codes
        assert "invalid" in result.reason and "key" in result.reason
        assert DQS_KEY not in result.reason + result.remedy + result.zone
    assert server.asked(f"fresh.example.{DQS_KEY}.zrd.dq.spamhaus.net") == 1


async def test_the_error_range_from_an_abusix_zone_is_worded_as_abusix_not_spamhaus_dqs(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    key = "placeholderabusixkey0123"
    spec = script.add_zone(ZoneSpec(f"{key}.combined.mail.abusix.zone"))
    spec.entries[reversed_labels("198.51.100.33")] = listed("127.255.255.250")
    report = await run(
        catalog, rules, nameserver, ["198.51.100.33"], ["abusix-combined"], keys=KeyRing({"abusix": key}, {})
    )
    result = row(report, "198.51.100.33", "abusix-combined")
    assert result.status is Status.ERROR and "127.255.255.250" in result.codes
    assert "not an Abusix answer code" in result.reason and "IPDASH_ABUSIX_KEY" in result.remedy
    assert "Spamhaus DQS" not in result.reason + result.remedy
    assert key not in result.reason + result.remedy + result.zone


async def test_one_row_for_every_list_asked_with_the_reason_when_not_applicable(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    script.add_zone(ZoneSpec("dbl.spamhaus.org", domain_list=True))
    surbl = script.add_zone(ZoneSpec("multi.surbl.org", domain_list=True))
    surbl.entries[reversed_labels("198.51.100.33")] = listed("127.0.0.64")
    script.add_zone(ZoneSpec("bl.spamcop.net"))
    raw = script.add_zone(ZoneSpec("dblack.uncatalogued.example", domain_list=True))
    raw.entries["spam.example"] = listed("127.0.1.1")
    zones = ["dbl.spamhaus.org", "multi.surbl.org", "bl.spamcop.net", "dblack.uncatalogued.example"]
    report = await run(catalog, rules, nameserver, ["198.51.100.33", "spam.example", "2001:db8::33"], zones)

    for target in ("198.51.100.33", "spam.example", "2001:db8::33"):
        assert len(next(r for r in report.results if r.target == target).blocklists) == len(zones)
    dbl = row(report, "198.51.100.33", "spamhaus-dbl")
    assert dbl.status is Status.SKIPPED and dbl.cause == "not applicable"
    assert "lists domain names only" in dbl.reason and "127.0.1.255" in dbl.reason
    # SURBL takes IPv4 literals as reversed octets (surbl.org guidelines), not IPv6.
    surbl_ip = row(report, "198.51.100.33", "surbl-multi")
    assert surbl_ip.status is Status.LISTED and "ABUSE" in surbl_ip.reason
    assert server.asked("33.100.51.198.multi.surbl.org") == 1
    assert row(report, "2001:db8::33", "surbl-multi").cause == "not applicable"
    spamcop = row(report, "spam.example", "spamcop")
    assert spamcop.status is Status.SKIPPED and "lists IP addresses only" in spamcop.reason
    # An uncatalogued zone is tried for the kind of target given, with the matching probes.
    assert row(report, "spam.example", "custom-dblack-uncatalogued-example").status is Status.LISTED
    assert server.asked("test.dblack.uncatalogued.example") == 1
    # ... and for an IP it is judged by the IP probes, which this domain-only zone fails: unknown, not clean.
    raw_ip = row(report, "198.51.100.33", "custom-dblack-uncatalogued-example")
    assert raw_ip.status is Status.UNKNOWN and "127.0.0.2" in raw_ip.reason
    assert server.asked("spam.example.dbl.spamhaus.org") == 1
    assert not any(name.endswith("dbl.spamhaus.org") and "198" in name for name in server.asked_names())


@pytest.mark.parametrize("zone", ["spam.dnsbl.sorbs.net", "rhsbl.sorbs.net", "dnsbl.sorbs.net", "sorbs"])
async def test_every_sorbs_zone_is_unknown_defunct_and_never_asked(
    script: DnsScript,
    server: LoopbackDnsServer,
    nameserver: Nameserver,
    catalog: Catalog,
    rules: RdnsRules,
    zone: str,
) -> None:
    script.add_zone(ZoneSpec(zone if "." in zone else "dnsbl.sorbs.net", default=listed("127.0.0.2")))
    report = await run(catalog, rules, nameserver, ["198.51.100.34"], [zone])
    (result,) = report.results[0].blocklists
    assert result.status is Status.UNKNOWN and result.cause == "defunct"
    assert "defunct since 2024-06-05" in result.reason
    assert server.total_queries() == 0


async def test_nordspam_is_asked_for_ipv6_as_documented(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    spec = script.add_zone(ZoneSpec("bl.nordspam.com"))
    spec.entries[reversed_labels("2001:db8::35")] = listed("127.0.0.2")
    report = await run(catalog, rules, nameserver, ["2001:db8::35", "2001:db8::36"], ["nordspam"])
    assert row(report, "2001:db8::35", "nordspam").status is Status.LISTED
    assert row(report, "2001:db8::36", "nordspam").status is Status.CLEAN
    assert server.asked(f"{reversed_labels('::ffff:7f00:2')}.bl.nordspam.com") == 1


PRIVATE = ["10.1.2.3", "172.16.9.9", "192.168.1.1", "100.64.1.1", "169.254.1.1", "fe80::1", "fd00::1"]


async def test_private_addresses_are_not_applicable_unless_the_user_insists(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    script.add_zone(ZoneSpec("zen.spamhaus.org"))
    report = await run(catalog, rules, nameserver, PRIVATE, ["spamhaus-zen"])
    for target in PRIVATE:
        result = row(report, target, "spamhaus-zen")
        assert result.status is Status.SKIPPED and result.cause == "not applicable"
        assert "--include-private" in result.reason
    assert "RFC 6598" in row(report, "100.64.1.1", "spamhaus-zen").reason
    assert server.total_queries() == 0
    insisted = await run(catalog, rules, nameserver, PRIVATE, ["spamhaus-zen"], include_private=True)
    assert {row(insisted, t, "spamhaus-zen").status for t in PRIVATE} == {Status.CLEAN}
    assert server.asked(f"{reversed_labels('10.1.2.3')}.zen.spamhaus.org") == 1


NEVER_SENDERS = ["127.0.0.2", "127.1.2.3", "::1", "0.0.0.0", "224.0.0.5", "255.255.255.255", "64:ff9b::a00:1"]


async def test_addresses_no_mail_comes_from_are_not_applicable_unless_the_user_insists(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    """Loopback, "this network", multicast, broadcast, and a NAT64 address carrying a private IPv4: no
    list answers for them but its own RFC 5782 test entry (127.0.0.2: "listed" everywhere, by design),
    so a sweep that asks them says "clean" or "listed" about no sender at all."""
    script.add_zone(ZoneSpec("zen.spamhaus.org"))
    report = await run(catalog, rules, nameserver, NEVER_SENDERS, ["spamhaus-zen"])
    for target in NEVER_SENDERS:
        result = row(report, target, "spamhaus-zen")
        assert result.status is Status.SKIPPED and result.cause == "not applicable", target
        assert "--include-private asks anyway" in result.reason
    assert "RFC 5782 test entry" in row(report, "127.0.0.2", "spamhaus-zen").reason
    assert "10.0.0.1, a private address" in row(report, "64:ff9b::a00:1", "spamhaus-zen").reason
    assert server.total_queries() == 0
    insisted = await run(catalog, rules, nameserver, NEVER_SENDERS, ["spamhaus-zen"], include_private=True)
    assert row(insisted, "127.0.0.2", "spamhaus-zen").status is Status.LISTED
    assert row(insisted, "224.0.0.5", "spamhaus-zen").status is Status.CLEAN
    assert server.asked(f"{reversed_labels('224.0.0.5')}.zen.spamhaus.org") == 1


async def test_a_nameserver_that_answers_nothing_costs_the_probes_not_every_query(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    """A dead resolver: the health probes (and rDNS's resolver proof, asked all at once) wait out their
    timeouts, then no (target, list) pair is sent at all: each row says why, unknown and not clean.
    Before, a /24 ran every query into the same timeouts until the overall deadline."""
    from dnsbl_loopback_server import SILENCE

    script.otherwise = SILENCE
    plan = tuple(select_zones(catalog, ["spamcop", "psbl"], KeyRing({}, {})))
    settings = CheckSettings(
        catalog=catalog, plan=plan, rules=rules, nameserver=nameserver, timeout=0.2, deadline=30.0, rdns=True
    )
    report = await check_targets(parse_targets(["198.51.100.0/28"]), settings=settings)
    rows = [zone for target in report.results for zone in target.blocklists]
    assert len(rows) == 32 and not report.deadline_reached
    assert all(z.status is Status.UNKNOWN and z.cause == "timeout" for z in rows)
    assert all("answered none of this run's" in z.reason and "not clean" in z.reason for z in rows)
    assert all(r.rdns is not None and r.rdns.fcrdns.value == "temperror" for r in report.results)
    targets_asked = [
        n for n in server.asked_names() if n.startswith(tuple(f"{i}.100.51.198." for i in range(16)))
    ]
    assert targets_asked == [], "no target was sent once the probes had all gone unanswered"


async def test_one_answer_during_the_probes_means_the_sweep_runs(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    """The short cut needs total silence: a resolver that answers one list's probes is asked everything."""
    from dnsbl_loopback_server import SILENCE

    script.otherwise = SILENCE
    spamcop = script.add_zone(ZoneSpec("bl.spamcop.net"))
    spamcop.entries[reversed_labels("198.51.100.3")] = listed("127.0.0.2")
    report = await run(catalog, rules, nameserver, ["198.51.100.3"], ["spamcop", "psbl"])
    assert row(report, "198.51.100.3", "spamcop").status is Status.LISTED
    psbl = row(report, "198.51.100.3", "psbl")
    assert psbl.status is Status.UNKNOWN and "answered none" not in psbl.reason
    assert server.asked(f"{reversed_labels('198.51.100.3')}.psbl.surriel.com") >= 1


async def test_uribl_takes_ipv4_literals_as_reversed_octets_too(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    uribl = script.add_zone(ZoneSpec("multi.uribl.com", domain_list=True))
    uribl.entries["2.0.0.127"] = listed("127.0.0.2")  # URIBL's documented test point
    uribl.entries[reversed_labels("198.51.100.36")] = listed("127.0.0.2")
    report = await run(catalog, rules, nameserver, ["198.51.100.36", "198.51.100.37"], ["uribl-multi"])
    assert row(report, "198.51.100.36", "uribl-multi").status is Status.LISTED
    assert row(report, "198.51.100.37", "uribl-multi").status is Status.CLEAN
    assert server.asked("36.100.51.198.multi.uribl.com") == 1
    assert server.asked("2.0.0.127.multi.uribl.com") >= 1, (
        "an IP literal is judged by URIBL's own IP test point"
    )
