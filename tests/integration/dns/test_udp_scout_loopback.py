"""Back to UDP once a rate limiter lets go: while TCP is preferred after truncated replies, a scout now
and then is asked over UDP, and the first whole UDP answer ends the preference (NSD's RRL counts per
second; a run that met a limiter still hot from the previous run asked over TCP, slower at the server,
for the rest of its sweep). Counted, never timed: the scouts' interval is set to 0 here, so every query
asked while TCP is preferred is a scout."""

from __future__ import annotations

import asyncio

import pytest
from dnsbl_loopback_server import NXDOMAIN, DnsScript, LoopbackDnsServer, Reply, ZoneSpec

from ipdash.domain.dnsbl.lookups import Rcode
from ipdash.domain.dnsbl.settings import Nameserver
from ipdash.sources.dns.client import DnsClient

pytestmark = pytest.mark.udp_scout
WAIT = 2.0


@pytest.fixture(autouse=True)
def every_query_a_scout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ipdash.sources.dns.client.SCOUT_INTERVAL", 0.0)
    monkeypatch.setattr("ipdash.sources.dns.client.SCOUT_ON_THE_SECOND", False)


async def test_a_whole_udp_answer_to_a_scout_sends_queries_back_to_udp(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver
) -> None:
    script.add_zone(ZoneSpec("bl.example"))
    script.truncate_udp = True  # the limiter's second: every UDP reply truncated
    async with DnsClient(nameserver) as client:
        limited = [await client.lookup(f"{i}.1.0.10.bl.example", wait=WAIT) for i in range(5)]
        # The first truncated reply made TCP the first choice; each later query was also scouted over
        # UDP, found truncated, and answered over TCP.
        assert client.udp_scouts == 4 and client.udp_resumed == 0
        assert (server.transport_count("udp"), server.transport_count("tcp")) == (5, 5)
        script.truncate_udp = False  # the limiter's second has turned
        later = [await client.lookup(f"{i}.2.0.10.bl.example", wait=WAIT) for i in range(10)]
        # One scout found UDP whole again: it and every query after it were answered over UDP alone.
        assert client.udp_scouts == 5 and client.udp_resumed == 1
        assert (server.transport_count("udp"), server.transport_count("tcp")) == (15, 5)
    assert all(outcome.rcode is Rcode.NXDOMAIN for outcome in (*limited, *later))


async def test_a_scout_answered_over_tcp_does_not_end_the_preference(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver
) -> None:
    """A limiter that drops (RRL's other half): the scout's UDP send goes unanswered and its TCP race
    answers it, which says nothing about UDP: TCP stays the first choice."""
    script.add_zone(ZoneSpec("bl.example"))
    script.truncate_udp = True
    script.add("dropped.bl.example", "A", Reply(rcode="NXDOMAIN", udp_drop=True))
    async with DnsClient(nameserver) as client:
        first = await client.lookup("1.1.0.10.bl.example", wait=WAIT)
        script.truncate_udp = False
        dropped = await client.lookup("dropped.bl.example", wait=0.3)  # a scout: UDP silent, TCP answers
        assert client.udp_scouts == 1 and client.udp_resumed == 0
        tcp = server.transport_count("tcp")
        script.add("next.bl.example", "A", NXDOMAIN)
        await client.lookup("next.bl.example", wait=WAIT)  # a scout again, answered whole over UDP
        assert client.udp_scouts == 2 and client.udp_resumed == 1
        assert server.transport_count("tcp") == tcp
    assert first.rcode is Rcode.NXDOMAIN and dropped.rcode is Rcode.NXDOMAIN


async def test_queries_waiting_on_udp_when_rate_limiting_is_first_seen_are_asked_over_tcp_at_once(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A limiter drops half of what it limits and truncates the rest: when the first truncated reply
    comes, the sweep's queries still waiting for a UDP reply are asked over TCP at once. The retransmit
    timer's floor is 30 s here (and the tail probe off): only that can answer the dropped ones quickly."""
    monkeypatch.setattr("ipdash.sources.dns.window.MIN_RETRANSMIT", 30.0)
    monkeypatch.setattr("ipdash.sources.dns.client.SCOUT_INTERVAL", 3600.0)
    dropped = [f"{i}.dropped.example" for i in range(5)]
    for name in dropped:
        script.add(name, "A", Reply(rcode="NXDOMAIN", udp_drop=True))
    many = tuple(f"127.0.0.{i}" for i in range(2, 60))
    script.add("big.tc.example", "A", Reply(addresses=many, udp_truncate=True))
    async with DnsClient(nameserver) as client:
        sweep = client.sweep()  # still sending: no tail probe
        try:
            outcomes = await asyncio.gather(
                *(client.lookup(name, wait=30.0) for name in [*dropped, "big.tc.example"])
            )
        finally:
            sweep.close()
        assert client.limited_races == 5 and client.retransmits == 0
    assert all(outcome.rcode is Rcode.NXDOMAIN for outcome in outcomes[:5])
    assert sorted(outcomes[5].values) == sorted(many)
    assert all(server.asked(name) == 2 for name in dropped)  # once over UDP (dropped), once over TCP
