"""Every row of the outcome table (reference dnsbl.md §2) and the §7 rules, end to end: the checker asks a
DNS server on 127.0.0.1 that answers like the real lists do (and like broken ones). No live list is asked:
the zones carry real names only so the catalog's codes apply."""

from __future__ import annotations

import json

import pytest
from dnsbl_loopback_server import (
    REFUSED,
    SERVFAIL,
    SILENCE,
    DnsScript,
    LoopbackDnsServer,
    Reply,
    ZoneSpec,
    listed,
    reversed_labels,
)

from ipdash.domain.dnsbl.catalog import Catalog
from ipdash.domain.dnsbl.judge import Status
from ipdash.domain.dnsbl.plan import select_zones
from ipdash.domain.dnsbl.rdns import RdnsRules
from ipdash.domain.dnsbl.results import CheckReport, ZoneResult
from ipdash.domain.dnsbl.serialise import report_to_json
from ipdash.domain.dnsbl.settings import KeyRing, Nameserver
from ipdash.domain.dnsbl.targets import parse_targets
from ipdash.sources.dns.checker import CheckSettings, check_targets

NO_KEYS = KeyRing({}, {})


def settings_for(
    catalog: Catalog, rules: RdnsRules, nameserver: Nameserver, zones: list[str], **changes: object
) -> CheckSettings:
    plan = tuple(select_zones(catalog, zones, NO_KEYS))
    values: dict[str, object] = {"timeout": 0.25, "deadline": 10.0, "concurrency": 8, "rdns": False}
    values.update(changes)
    return CheckSettings(catalog=catalog, plan=plan, rules=rules, nameserver=nameserver, **values)  # type: ignore[arg-type]


async def run(
    catalog: Catalog,
    rules: RdnsRules,
    nameserver: Nameserver,
    targets: list[str],
    zones: list[str],
    **changes: object,
) -> CheckReport:
    settings = settings_for(catalog, rules, nameserver, zones, **changes)
    return await check_targets(parse_targets(targets), settings=settings)


def only(report: CheckReport, target: str, zone_id: str) -> ZoneResult:
    result = next(r for r in report.results if r.target == target)
    return next(z for z in result.blocklists if z.zone_id == zone_id)


@pytest.fixture
def zen(script: DnsScript) -> ZoneSpec:
    return script.add_zone(ZoneSpec("zen.spamhaus.org"))


# -- §2 rows: listed ---------------------------------------------------------------------------------


async def test_listed_reports_every_code_and_sanitised_txt(
    zen: ZoneSpec, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    zen.entries[reversed_labels("198.51.100.2")] = listed(
        "127.0.0.2",
        "127.0.0.4",
        "127.0.0.10",
        txt="[bold red]Listed[/] by SBL\x1b[31m https://check.spamhaus.org/",
    )
    report = await run(catalog, rules, nameserver, ["198.51.100.2"], ["spamhaus-zen"])
    result = only(report, "198.51.100.2", "spamhaus-zen")
    assert result.status is Status.LISTED and result.severity == "listing"
    assert sorted(result.codes) == ["127.0.0.10", "127.0.0.2", "127.0.0.4"]
    assert len(result.meanings) == 3
    assert result.txt == "Listed by SBL https://check.spamhaus.org/"
    assert server.asked("2.100.51.198.zen.spamhaus.org", "TXT") == 1


async def test_unrecognised_loopback_code_is_a_listing_flagged_for_review(
    zen: ZoneSpec, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    zen.entries[reversed_labels("198.51.100.3")] = listed("127.0.0.77")
    result = only(
        await run(catalog, rules, nameserver, ["198.51.100.3"], ["spamhaus-zen"]),
        "198.51.100.3",
        "spamhaus-zen",
    )
    assert result.status is Status.LISTED
    assert "unrecognised code 127.0.0.77" in result.meanings[0]


async def test_no_txt_is_asked_for_clean_results(
    zen: ZoneSpec, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    await run(catalog, rules, nameserver, ["198.51.100.4"], ["spamhaus-zen"])
    assert server.asked("4.100.51.198.zen.spamhaus.org", "TXT") == 0
    assert server.asked("4.100.51.198.zen.spamhaus.org", "AAAA") == 0
    assert server.asked("4.100.51.198.zen.spamhaus.org", "ANY") == 0


# -- §2 rows: error ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "reason_part", "remedy_part"),
    [
        (("127.255.255.254",), "public/open resolver", "use a local recursive resolver or a DQS key"),
        (("127.255.255.255",), "excessive number of queries", "volume"),
        (("127.0.0.2", "127.255.255.254"), "public/open resolver", "DQS"),
        (("203.0.113.9",), "outside 127.0.0.0/8", "lapsed"),
        (("127.0.0.1",), "never-listed test address", "resolver"),
    ],
)
async def test_error_answers(
    zen: ZoneSpec,
    server: LoopbackDnsServer,
    nameserver: Nameserver,
    catalog: Catalog,
    rules: RdnsRules,
    answer: tuple[str, ...],
    reason_part: str,
    remedy_part: str,
) -> None:
    zen.entries[reversed_labels("198.51.100.5")] = listed(*answer)
    result = only(
        await run(catalog, rules, nameserver, ["198.51.100.5"], ["spamhaus-zen"]),
        "198.51.100.5",
        "spamhaus-zen",
    )
    assert result.status is Status.ERROR
    assert reason_part in result.reason
    assert remedy_part in result.remedy
    assert server.asked("5.100.51.198.zen.spamhaus.org", "TXT") == 0


async def test_documented_127_0_0_1_is_not_an_error(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    script.add_zone(
        ZoneSpec("dnsbl.dronebl.org", entries={reversed_labels("198.51.100.6"): listed("127.0.0.1")})
    )
    script.add_zone(
        ZoneSpec("bl.spamcop.net", entries={reversed_labels("198.51.100.6"): listed("127.0.0.1")})
    )
    report = await run(catalog, rules, nameserver, ["198.51.100.6"], ["dronebl", "spamcop"])
    dronebl = only(report, "198.51.100.6", "dronebl")
    assert dronebl.status is Status.LISTED and "class 1: testing" in dronebl.reason
    assert only(report, "198.51.100.6", "spamcop").status is Status.ERROR


# -- §2 rows: clean / unknown ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "status", "cause"),
    [
        (None, Status.CLEAN, ""),
        (Reply(), Status.CLEAN, ""),
        (SERVFAIL, Status.UNKNOWN, "SERVFAIL"),
        (REFUSED, Status.UNKNOWN, "REFUSED"),
        (SILENCE, Status.UNKNOWN, "timeout"),
    ],
)
async def test_absent_and_unanswered(
    zen: ZoneSpec,
    server: LoopbackDnsServer,
    nameserver: Nameserver,
    catalog: Catalog,
    rules: RdnsRules,
    reply: Reply | None,
    status: Status,
    cause: str,
) -> None:
    if reply is not None:
        zen.entries[reversed_labels("198.51.100.7")] = reply
    result = only(
        await run(catalog, rules, nameserver, ["198.51.100.7"], ["spamhaus-zen"]),
        "198.51.100.7",
        "spamhaus-zen",
    )
    assert result.status is status
    assert result.cause == cause
    if status is Status.UNKNOWN:
        assert result.reason.endswith("unknown, not clean")


async def test_timeout_is_asked_a_bounded_number_of_times(
    zen: ZoneSpec, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    zen.entries[reversed_labels("198.51.100.8")] = SILENCE
    result = only(
        await run(catalog, rules, nameserver, ["198.51.100.8"], ["spamhaus-zen"], timeout=1.0),
        "198.51.100.8",
        "spamhaus-zen",
    )
    assert result.status is Status.UNKNOWN
    # A 2 s budget: sent, resent on the doubling timer (0.25, 0.75, 1.75 s: at most three times; a
    # busy machine may fit fewer, never none), and asked once over TCP after the first silence (the
    # zone's health probes are answered over UDP).
    assert 3 <= server.asked("8.100.51.198.zen.spamhaus.org") <= 5
    assert server.transport_count("tcp") == 1
    assert server.asked("9.100.51.198.zen.spamhaus.org") == 0


async def test_nxdomain_from_a_blocked_resolver_is_unknown_with_the_remedy(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    script.add_zone(ZoneSpec("zen.spamhaus.org", health=False))
    result = only(
        await run(catalog, rules, nameserver, ["198.51.100.9"], ["spamhaus-zen"]),
        "198.51.100.9",
        "spamhaus-zen",
    )
    assert result.status is Status.UNKNOWN
    assert "127.0.0.2, which must be listed, is not" in result.reason
    assert "DQS" in result.remedy


async def test_zone_that_lists_everything_is_not_believed(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    script.add_zone(ZoneSpec("bl.spamcop.net", default=listed("127.0.0.2")))
    result = only(
        await run(catalog, rules, nameserver, ["198.51.100.10"], ["spamcop"]), "198.51.100.10", "spamcop"
    )
    assert result.status is Status.UNKNOWN
    assert "lists everything" in result.reason


async def test_parked_domain_wildcard_is_an_error_not_a_listing(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    script.add_zone(ZoneSpec("bl.spamcop.net", default=listed("198.51.100.250"), health=False))
    result = only(
        await run(catalog, rules, nameserver, ["198.51.100.11"], ["spamcop"]), "198.51.100.11", "spamcop"
    )
    assert result.status is Status.ERROR and "outside 127.0.0.0/8" in result.reason


async def test_spamhaus_refusing_everything(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    script.add_zone(ZoneSpec("zen.spamhaus.org", default=listed("127.255.255.254"), health=False))
    report = await run(catalog, rules, nameserver, ["198.51.100.12", "198.51.100.13"], ["spamhaus-zen"])
    for result in report.results:
        (zone,) = result.blocklists
        assert zone.status is Status.ERROR and "DQS" in zone.remedy


# -- §7: IPv6, unmapping, capabilities, lifecycle, overlaps, keys -------------------------------------


async def test_ipv6_is_asked_with_32_nibbles(
    zen: ZoneSpec, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    zen.entries[reversed_labels("2001:db8::2")] = listed("127.0.0.2")
    report = await run(catalog, rules, nameserver, ["2001:DB8:0::2"], ["spamhaus-zen"])
    assert only(report, "2001:db8::2", "spamhaus-zen").status is Status.LISTED
    nibbles = "2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.zen.spamhaus.org"
    assert server.asked(nibbles) == 1
    ipv6_probe = reversed_labels("::ffff:7f00:2") + ".zen.spamhaus.org"
    assert server.asked(ipv6_probe) == 1


async def test_ipv6_health_is_checked_with_ipv6_points(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    spec = script.add_zone(ZoneSpec("zen.spamhaus.org", health=False))
    spec.entries[reversed_labels("127.0.0.2")] = listed("127.0.0.2")  # IPv4 point only: no IPv6 support
    report = await run(catalog, rules, nameserver, ["198.51.100.14", "2001:db8::14"], ["spamhaus-zen"])
    assert only(report, "198.51.100.14", "spamhaus-zen").status is Status.CLEAN
    v6 = only(report, "2001:db8::14", "spamhaus-zen")
    assert v6.status is Status.UNKNOWN and "::ffff:7f00:2" in v6.reason


async def test_ipv4_mapped_ipv6_is_checked_as_ipv4(
    zen: ZoneSpec, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    zen.entries[reversed_labels("198.51.100.15")] = listed("127.0.0.4")
    report = await run(catalog, rules, nameserver, ["::ffff:198.51.100.15"], ["spamhaus-zen"])
    assert report.results[0].target == "198.51.100.15"
    assert only(report, "198.51.100.15", "spamhaus-zen").status is Status.LISTED


async def test_ipv4_only_lists_are_skipped_for_ipv6_and_not_asked(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    script.add_zone(ZoneSpec("bl.spamcop.net"))
    report = await run(catalog, rules, nameserver, ["2001:db8::16"], ["spamcop"])
    result = only(report, "2001:db8::16", "spamcop")
    assert result.status is Status.SKIPPED and result.cause == "not applicable"
    assert "does not cover IPv6" in result.reason
    assert server.total_queries() == 0


async def test_defunct_and_overlapping_zones_are_never_asked(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    script.add_zone(ZoneSpec("zen.spamhaus.org"))
    for zone in ("dnsbl.sorbs.net", "sbl.spamhaus.org", "cbl.abuseat.org"):
        script.add_zone(ZoneSpec(zone, default=listed("127.0.0.2")))
    zones = ["sorbs", "spamhaus-sbl", "spamhaus-zen", "abuseat-cbl"]
    report = await run(catalog, rules, nameserver, ["198.51.100.17"], zones)
    statuses = {z.zone_id: (z.status, z.cause) for z in report.results[0].blocklists}
    assert statuses == {
        "sorbs": (Status.UNKNOWN, "defunct"),
        "spamhaus-sbl": (Status.SKIPPED, "overlap"),
        "spamhaus-zen": (Status.CLEAN, ""),
        "abuseat-cbl": (Status.SKIPPED, "overlap"),
    }
    assert server.asked_names() == {n for n in server.asked_names() if n.endswith(".zen.spamhaus.org")}
    assert server.asked("17.100.51.198.zen.spamhaus.org") == 1


async def test_keyed_zone_given_raw_is_decoded_and_the_key_never_printed(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    key = "SeCrEtDqsKey0123456789abcd"
    spec = script.add_zone(ZoneSpec(f"{key}.zen.dq.spamhaus.net".lower()))
    spec.entries[reversed_labels("198.51.100.18")] = listed(
        "127.0.0.3", txt=f"see https://dqs.example/{key}/lookup"
    )
    spec.entries[reversed_labels("198.51.100.19")] = listed("127.255.255.251")
    report = await run(
        catalog, rules, nameserver, ["198.51.100.18", "198.51.100.19"], [f"{key}.zen.dq.spamhaus.net"]
    )
    listed_result = only(report, "198.51.100.18", "spamhaus-dqs-zen")
    assert listed_result.status is Status.LISTED and "CSS" in listed_result.meanings[0]
    assert listed_result.zone == "<key>.zen.dq.spamhaus.net"
    bad_key = only(report, "198.51.100.19", "spamhaus-dqs-zen")
    assert bad_key.status is Status.ERROR and "invalid DQS key" in bad_key.reason
    dumped = json.dumps(report_to_json(report))
    assert key not in dumped and key.lower() not in dumped.lower()
    assert "<key>" in dumped


# -- domains ----------------------------------------------------------------------------------------


async def test_domain_lists_with_codes_bitmasks_and_errors(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    dbl = script.add_zone(ZoneSpec("dbl.spamhaus.org", domain_list=True))
    dbl.entries["dbltest.com"] = listed("127.0.1.2")
    dbl.entries["spam.example"] = listed("127.0.1.2")
    dbl.entries["ipquery.example"] = listed("127.0.1.255")
    surbl = script.add_zone(ZoneSpec("multi.surbl.org", domain_list=True))
    surbl.entries["spam.example"] = listed("127.0.0.80")
    uribl = script.add_zone(ZoneSpec("multi.uribl.com", domain_list=True))
    uribl.entries["2.0.0.127"] = listed("127.0.0.2")
    uribl.entries["spam.example"] = listed("127.0.0.1")
    report = await run(
        catalog,
        rules,
        nameserver,
        ["spam.example", "ipquery.example", "clean.example"],
        ["spamhaus-dbl", "surbl-multi", "uribl-multi", "spamcop"],
    )
    ids = [z.zone_id for z in report.results[0].blocklists]
    assert ids == ["spamhaus-dbl", "surbl-multi", "uribl-multi", "spamcop"]
    spamcop = only(report, "spam.example", "spamcop")
    assert spamcop.status is Status.SKIPPED and "lists IP addresses only" in spamcop.reason
    assert only(report, "spam.example", "spamhaus-dbl").status is Status.LISTED
    surbl_result = only(report, "spam.example", "surbl-multi")
    assert surbl_result.status is Status.LISTED and len(surbl_result.meanings) == 2
    assert only(report, "spam.example", "uribl-multi").status is Status.ERROR
    assert only(report, "ipquery.example", "spamhaus-dbl").status is Status.ERROR
    assert {z.status for z in report.results[2].blocklists} == {Status.CLEAN, Status.SKIPPED}
    assert server.asked("spam.example.dbl.spamhaus.org") == 1
