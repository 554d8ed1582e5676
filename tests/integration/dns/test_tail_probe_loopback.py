"""The tail loss probe against the loopback server: once a sweep has sent every first attempt, a lost
reply is asked again at once instead of after the retransmit timer; while the sweep is still sending, the
timer alone decides; an answer that arrives after its resend is used once.

The retransmit timer's floor is raised to 30 s here (and the timeout with it), so that a lost reply the
probe did not recover would show as a retransmit (or a 30 s test), never as a quick pass: each test reads
the client's counters, not the clock."""

from __future__ import annotations

import pytest
from dnsbl_loopback_server import DnsScript, LoopbackDnsServer, Reply, ZoneSpec, reversed_labels
from test_dnsbl_outcomes_loopback import only, settings_for

from ipdash.domain.dnsbl.catalog import Catalog
from ipdash.domain.dnsbl.judge import Status
from ipdash.domain.dnsbl.rdns import RdnsRules
from ipdash.domain.dnsbl.results import TargetResult
from ipdash.domain.dnsbl.settings import Nameserver
from ipdash.domain.dnsbl.targets import parse_targets
from ipdash.sources.dns.checker import Checker
from ipdash.sources.dns.client import DnsClient

pytestmark = pytest.mark.tail_probe

ZONES = ["spamhaus-zen", "spamcop", "psbl"]
LONG = 30.0


@pytest.fixture(autouse=True)
def slow_retransmit_timer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ipdash.sources.dns.window.MIN_RETRANSMIT", LONG)


def zones_with(script: DnsScript, ip: str, reply: Reply) -> str:
    """Three healthy zones; ``ip``'s spamcop name answers ``reply`` for A and a plain TXT."""
    for zone in ("zen.spamhaus.org", "bl.spamcop.net", "psbl.surriel.com"):
        script.add_zone(ZoneSpec(zone))
    name = f"{reversed_labels(ip)}.bl.spamcop.net"
    script.add(name, "A", reply)
    script.add_txt(name, "listed for the test")
    return name


def assert_exact(report_results: tuple[TargetResult, ...], listed_ip: str) -> None:
    assert len(report_results) == 8
    for result in report_results:
        assert [zone.zone_id for zone in result.blocklists] == ZONES
        for zone in result.blocklists:
            expected = (
                Status.LISTED if (result.target, zone.zone_id) == (listed_ip, "spamcop") else Status.CLEAN
            )
            assert zone.status is expected, (result.target, zone.zone_id, zone.reason)


async def test_a_reply_lost_at_the_tail_is_probed_at_once_and_the_verdict_is_exact(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    """The last target's listing is lost once: the probe asks it again when the sweep has sent its last
    first attempt, long before the 30 s timer, and the listing is reported with its code."""
    last = "198.51.100.7"
    name = zones_with(script, last, Reply(addresses=("127.0.0.2",), drop_first=1))
    settings = settings_for(catalog, rules, nameserver, ZONES, timeout=LONG, deadline=4 * LONG)
    client = DnsClient(nameserver, max_in_flight=settings.concurrency)
    async with Checker(settings, client=client) as checker:
        report = await checker.check(parse_targets(["198.51.100.0/29"]))
    assert_exact(report.results, last)
    assert only(report, last, "spamcop").codes == ("127.0.0.2",)
    assert only(report, last, "spamcop").txt == "listed for the test"
    assert client.tail_probes >= 1 and client.retransmits == 0
    assert server.asked(name) >= 2  # the lost query and the probe (UDP, and TCP unless UDP won first)
    assert not report.deadline_reached


async def test_the_probe_never_fires_while_the_sweep_is_still_sending(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    """One query at a time: while the first target's lost reply is awaited, 23 jobs are still to be sent,
    so no probe may fire; the regular retransmit (its floor set to 0.25 s here) recovers it."""
    first = "198.51.100.0"
    zones_with(script, first, Reply(addresses=("127.0.0.2",), drop_first=1))
    settings = settings_for(catalog, rules, nameserver, ZONES, timeout=5.0, deadline=60.0, concurrency=1)
    client = DnsClient(nameserver, max_in_flight=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("ipdash.sources.dns.window.MIN_RETRANSMIT", 0.25)
        async with Checker(settings, client=client) as checker:
            report = await checker.check(parse_targets(["198.51.100.0/29"]))
    assert_exact(report.results, first)
    assert client.tail_probes == 0
    assert client.retransmits == 1


async def test_an_answer_that_arrives_after_its_probe_is_used_once(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    """The server holds the last listing's first reply until the probe's copy arrives, then sends both
    (TCP stays silent for that name): the first reply answers, the second is not counted again — one
    verdict per (target, list), one progress step per job, one result per target."""
    last = "198.51.100.7"
    name = zones_with(script, last, Reply(addresses=("127.0.0.2",), hold_first=True, tcp_drop=True))
    settings = settings_for(catalog, rules, nameserver, ZONES, timeout=LONG, deadline=4 * LONG)
    client = DnsClient(nameserver, max_in_flight=settings.concurrency)
    arrived: list[TargetResult] = []
    progress: list[tuple[int, int]] = []
    async with Checker(settings, client=client) as checker:
        report = await checker.check(
            parse_targets(["198.51.100.0/29"]),
            on_result=arrived.append,
            on_progress=lambda done, total: progress.append((done, total)),
        )
        assert client._mux is not None
        # The listing's TXT query follows its A answer on the same socket: by the time it is answered,
        # the A query's second reply has been read, and dropped as answering nothing.
        assert client._mux.unmatched >= 1
    assert_exact(report.results, last)
    assert sorted(result.target for result in arrived) == [f"198.51.100.{i}" for i in range(8)]
    assert progress == [(step, 24) for step in range(1, 25)]
    assert only(report, last, "spamcop").txt == "listed for the test"
    assert client.tail_probes >= 1 and client.retransmits == 0
    assert server.asked(name, "A") >= 2


async def test_a_second_answer_to_a_resent_query_answers_nothing(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver
) -> None:
    script.add("held.bl.example", "A", Reply(addresses=("127.0.0.2",), hold_first=True, tcp_drop=True))
    script.add("next.bl.example", "A", Reply(addresses=("127.0.0.3",)))
    script.add("rtt.bl.example", "A", Reply(addresses=("127.0.0.4",)))
    async with DnsClient(nameserver) as client:
        sweep = client.sweep()
        await client.lookup("rtt.bl.example", wait=LONG)  # an RTT sample: the probe needs one
        sweep.all_sent()
        held = await client.lookup("held.bl.example", wait=LONG)
        sweep.close()
        after = await client.lookup("next.bl.example", wait=LONG)  # read after the held name's 2nd reply
        assert client._mux is not None
        unmatched = client._mux.unmatched
        again = await client.lookup("held.bl.example", wait=LONG)
    assert held.values == ("127.0.0.2",) and after.values == ("127.0.0.3",)
    assert again.values == ("127.0.0.2",)  # from the cache: the answer was kept once
    assert client.tail_probes == 1 and client.retransmits == 0
    assert server.transport_count("udp") == 4  # rtt, held twice (sent once, probed once), next
    # The late reply and the probe's reply share the query's ID: one answered, the other matched nothing.
    assert unmatched == 1


async def test_no_probe_without_a_sweep_or_after_it_closed(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver
) -> None:
    """A plain lookup (no sweep open) waits for the retransmit timer, here 0.25 s."""
    script.add("rtt.bl.example", "A", Reply(addresses=("127.0.0.4",)))
    script.add("lossy.bl.example", "A", Reply(addresses=("127.0.0.2",), drop_first=1))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("ipdash.sources.dns.window.MIN_RETRANSMIT", 0.25)
        async with DnsClient(nameserver) as client:
            sweep = client.sweep()
            await client.lookup("rtt.bl.example", wait=5.0)
            sweep.all_sent()
            sweep.close()
            outcome = await client.lookup("lossy.bl.example", wait=5.0)
    assert outcome.values == ("127.0.0.2",)
    assert client.tail_probes == 0 and client.retransmits == 1


async def test_a_lost_reply_gives_its_place_back_and_the_sweep_goes_on(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    """One place in the window (the checker's own client) and a reply lost in the middle of the sweep:
    presumed lost a few RTTs after its send, the lookup gives its place back (it would otherwise hold the
    sweep until its 30 s timer), the jobs after it are asked, and at the tail the lost one is probed:
    exact verdicts, no retransmit, every place given back."""
    middle = "198.51.100.3"
    name = zones_with(script, middle, Reply(addresses=("127.0.0.2",), drop_first=1))
    settings = settings_for(catalog, rules, nameserver, ZONES, timeout=LONG, deadline=4 * LONG, concurrency=1)
    async with Checker(settings) as checker:
        report = await checker.check(parse_targets(["198.51.100.0/29"]))
        client = checker.client
        assert_exact(report.results, middle)
        assert client.tail_probes >= 1 and client.retransmits == 0
        assert client.window.in_flight == 0 and not client.window.waiting
    assert server.asked(name) >= 2


async def test_a_sweep_without_loss_waits_for_a_place_only_beside_the_health_probes(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    """One worker per place in the window, more only for places given back by lookups presumed lost:
    with no loss, each worker takes its next job in the place its last lookup left. Spare workers from
    the start waited for a place at nearly every query (here ~100); now only while the health probes
    hold places at the start (two per zone)."""
    zones_with(script, "198.51.100.3", Reply(addresses=("127.0.0.2",)))
    settings = settings_for(catalog, rules, nameserver, ZONES, timeout=LONG, deadline=4 * LONG, concurrency=2)
    async with Checker(settings) as checker:
        report = await checker.check(parse_targets(["198.51.100.0/27"]))
        client = checker.client
        assert len(report.results) == 32
        statuses = [(r.target, z.zone_id, z.status) for r in report.results for z in r.blocklists]
        assert [s for s in statuses if s[2] is not Status.CLEAN] == [
            ("198.51.100.3", "spamcop", Status.LISTED)
        ]
        assert client.retransmits == 0 and client.tail_probes == 0
        assert client.window.waits <= 2 * len(ZONES)
        assert client.window.in_flight == 0 and not client.window.waiting
