"""The run itself, against the loopback server: live per-target results, bounded concurrency, the overall
deadline, caches across runs, rDNS end to end, and the results store."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from dnsbl_loopback_server import (
    NXDOMAIN,
    SERVFAIL,
    SILENCE,
    DnsScript,
    LoopbackDnsServer,
    Reply,
    ZoneSpec,
    listed,
    reversed_labels,
)
from test_dnsbl_outcomes_loopback import only, settings_for

from ipdash.domain.dnsbl.catalog import Catalog
from ipdash.domain.dnsbl.judge import Status
from ipdash.domain.dnsbl.lookups import LookupOutcome
from ipdash.domain.dnsbl.rdns import Fcrdns, RdnsRules
from ipdash.domain.dnsbl.results import TargetResult
from ipdash.domain.dnsbl.score import RunOutcome, run_outcome
from ipdash.domain.dnsbl.settings import Nameserver
from ipdash.domain.dnsbl.targets import parse_targets
from ipdash.sources.dns.checker import Checker, check_targets
from ipdash.sources.dns.client import DnsClient
from ipdash.sources.dns.store import ResultsStore

ZONES = ["spamhaus-zen", "spamcop", "psbl"]


def three_zones(script: DnsScript) -> None:
    for zone in ("zen.spamhaus.org", "bl.spamcop.net", "psbl.surriel.com"):
        script.add_zone(ZoneSpec(zone))


async def test_results_arrive_per_target_as_they_complete(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    three_zones(script)
    arrived: list[TargetResult] = []
    progress: list[tuple[int, int]] = []
    settings = settings_for(catalog, rules, nameserver, ZONES)
    report = await check_targets(
        parse_targets(["198.51.100.0/29"]),
        settings=settings,
        on_result=arrived.append,
        on_progress=lambda done, total: progress.append((done, total)),
    )
    assert sorted(r.target for r in arrived) == [f"198.51.100.{i}" for i in range(8)]
    assert all(len(r.blocklists) == 3 for r in arrived)
    assert [r.target for r in report.results] == [f"198.51.100.{i}" for i in range(8)]
    assert progress[-1] == (24, 24) and len(progress) == 24


class CountingClient(DnsClient):
    def __init__(self, nameserver: Nameserver) -> None:
        super().__init__(nameserver)
        self.in_flight = 0
        self.most = 0

    async def lookup(
        self, name: str, rdtype: str = "A", *, wait: float, question: bytes | None = None
    ) -> LookupOutcome:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        try:
            await asyncio.sleep(0.002)
            return await super().lookup(name, rdtype, wait=wait, question=question)
        finally:
            self.in_flight -= 1


async def test_concurrency_is_bounded(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    three_zones(script)
    client = CountingClient(nameserver)
    settings = settings_for(catalog, rules, nameserver, ZONES, concurrency=4)
    async with Checker(settings, client=client) as checker:
        await checker.check(parse_targets(["198.51.100.0/28"]))
    assert client.most <= 4
    assert client.most >= 2


async def test_overall_deadline_turns_the_rest_into_unknown(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    spec = script.add_zone(ZoneSpec("bl.spamcop.net"))
    for i in range(16):
        spec.entries[reversed_labels(f"198.51.100.{i}")] = SILENCE
    settings = settings_for(catalog, rules, nameserver, ["spamcop"], timeout=0.2, deadline=0.5, concurrency=2)
    started = asyncio.get_running_loop().time()
    report = await check_targets(parse_targets(["198.51.100.0/28"]), settings=settings)
    elapsed = asyncio.get_running_loop().time() - started
    assert elapsed < 1.5
    assert report.deadline_reached
    causes = {r.blocklists[0].cause for r in report.results}
    assert causes <= {"timeout", "deadline"} and "deadline" in causes
    assert all(r.blocklists[0].status is Status.UNKNOWN for r in report.results)


async def test_second_run_reuses_answers_and_zone_health(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    three_zones(script)
    settings = settings_for(catalog, rules, nameserver, ZONES)
    async with Checker(settings) as checker:
        await checker.check(parse_targets(["198.51.100.1"]))
        first = server.total_queries()
        await checker.check(parse_targets(["198.51.100.1"]))
        assert server.total_queries() == first
        await checker.check(parse_targets(["198.51.100.2"]))
    assert server.total_queries() == first + 3  # only the new target's three names; health was cached
    assert server.asked("2.0.0.127.bl.spamcop.net") == 1


async def test_unknown_health_is_asked_again_next_run(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    spec = script.add_zone(ZoneSpec("bl.spamcop.net"))
    spec.entries["2.0.0.127"] = SERVFAIL
    settings = settings_for(catalog, rules, nameserver, ["spamcop"])
    async with Checker(settings) as checker:
        report = await checker.check(parse_targets(["198.51.100.1"]))
        assert only(report, "198.51.100.1", "spamcop").cause == "health unknown"
        await checker.check(parse_targets(["198.51.100.1"]))
    assert server.asked("2.0.0.127.bl.spamcop.net") == 2


# -- rDNS -------------------------------------------------------------------------------------------


async def test_rdns_end_to_end(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    script.answer_test_points()
    script.add_ptr("198.51.100.20", "mail.example.com")
    script.add_ptr("198.51.100.21", "mail.example.net", forward=False)
    script.add("mail.example.net", "A", Reply(addresses=("203.0.113.1",)))
    script.add_ptr("198.51.100.23", "dhcp-198-51-100-23.pool.example.net")
    script.add_ptr("2001:db8::20", "mx6.example.com")
    script.add("mx6.example.com", "A", Reply(addresses=("198.51.100.99",)))
    script.add("0.2.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", "PTR", SERVFAIL)
    targets = [
        "198.51.100.20",
        "198.51.100.21",
        "198.51.100.22",
        "198.51.100.23",
        "2001:db8::20",
        "2001:db8::120",
    ]
    settings = settings_for(catalog, rules, nameserver, [], rdns=True)
    report = await check_targets(parse_targets(targets), settings=settings)
    rdns = {r.target: r.rdns for r in report.results}
    assert rdns["198.51.100.20"] is not None and rdns["198.51.100.20"].fcrdns is Fcrdns.PASS
    assert rdns["198.51.100.21"] is not None and rdns["198.51.100.21"].fcrdns is Fcrdns.FAIL
    assert rdns["198.51.100.22"] is not None and rdns["198.51.100.22"].fcrdns is Fcrdns.PERMERROR
    generic = rdns["198.51.100.23"]
    assert generic is not None and generic.fcrdns is Fcrdns.PASS and generic.generic
    v6 = rdns["2001:db8::20"]
    assert v6 is not None and v6.fcrdns is Fcrdns.PASS and "(AAAA)" in v6.reason
    assert server.asked("mx6.example.com", "AAAA") == 1 and server.asked("mx6.example.com", "A") == 0
    broken = rdns["2001:db8::120"]
    assert broken is not None and broken.fcrdns is Fcrdns.TEMPERROR


async def test_ptr_names_are_capped_and_hostile_names_sanitised(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    script.answer_test_points()
    names = [f"h{i}.example.com" for i in range(14)]
    script.add_ptr("198.51.100.30", *names, forward=False)
    report = await check_targets(
        parse_targets(["198.51.100.30"]), settings=settings_for(catalog, rules, nameserver, [], rdns=True)
    )
    rdns = report.results[0].rdns
    assert rdns is not None and len(rdns.ptr) == 10 and rdns.more_names == 4
    forward_asked = sum(server.asked(name, "A") for name in names)
    assert forward_asked == 10


@pytest.mark.parametrize("everything", [NXDOMAIN, SERVFAIL])
async def test_rdns_is_not_judged_when_the_resolver_answers_no_name_that_must_exist(
    script: DnsScript,
    server: LoopbackDnsServer,
    nameserver: Nameserver,
    catalog: Catalog,
    rules: RdnsRules,
    everything: Reply,
) -> None:
    """Offline machines and captive networks answer NXDOMAIN for everything: that is not "no PTR"."""
    script.add_ptr("198.51.100.20", "mail.example.com")  # even a real PTR is not trusted from such a resolver
    script.add_zone(ZoneSpec("zen.spamhaus.org", default=everything, health=False))
    report = await check_targets(
        parse_targets(["198.51.100.20", "198.51.100.22"]),
        settings=settings_for(catalog, rules, nameserver, [], rdns=True),
    )
    for result in report.results:
        assert result.rdns is not None and result.rdns.fcrdns is Fcrdns.TEMPERROR
        assert "answered no name that must exist" in result.rdns.reason
        assert {check.status for check in result.rdns.requirements} == {"unknown"}
        assert not result.rdns_failed
    assert run_outcome(report) is RunOutcome.INCOMPLETE
    assert server.asked("2.0.0.127.zen.spamhaus.org") >= 1


async def test_no_rdns_for_domains_or_when_switched_off(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver, catalog: Catalog, rules: RdnsRules
) -> None:
    report = await check_targets(
        parse_targets(["198.51.100.40", "example.com"]),
        settings=settings_for(catalog, rules, nameserver, [], rdns=False),
    )
    assert [r.rdns for r in report.results] == [None, None]
    assert server.total_queries() == 0


# -- store ------------------------------------------------------------------------------------------


async def test_results_survive_a_restart(
    script: DnsScript,
    server: LoopbackDnsServer,
    nameserver: Nameserver,
    catalog: Catalog,
    rules: RdnsRules,
    tmp_path: Path,
) -> None:
    spec = script.add_zone(ZoneSpec("bl.spamcop.net"))
    spec.entries[reversed_labels("198.51.100.50")] = listed("127.0.0.2", txt="listed")
    report = await check_targets(
        parse_targets(["198.51.100.50", "198.51.100.51"]),
        settings=settings_for(catalog, rules, nameserver, ["spamcop"]),
    )
    store = ResultsStore(tmp_path / "state" / "checks.json")
    store.save(report.results)
    loaded = ResultsStore(tmp_path / "state" / "checks.json").load()
    assert loaded.problems == []
    assert loaded.results["198.51.100.50"] == report.results[0]
    assert loaded.results["198.51.100.50"].checked_at.tzinfo is not None


def test_store_merges_keeps_the_newest_and_survives_damage(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    path = tmp_path / "checks.json"
    old = TargetResult("198.51.100.1", "ip", (), None, datetime(2025, 1, 1, tzinfo=UTC))
    new = TargetResult("198.51.100.1", "ip", (), None, datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=6))
    other = TargetResult("198.51.100.2", "ip", (), None, datetime(2025, 1, 1, tzinfo=UTC))
    store = ResultsStore(path)
    store.save([new, other])
    store.save([old])
    assert store.load().results["198.51.100.1"] == new
    data = json.loads(path.read_text())
    data["results"].append({"target": "broken"})
    path.write_text(json.dumps(data))
    loaded = store.load()
    assert set(loaded.results) == {"198.51.100.1", "198.51.100.2"}
    assert loaded.problems == [f"{path}: 1 damaged record(s) skipped"]
    path.write_text("{not json")
    damaged = store.load()
    assert damaged.results == {} and "set aside" in damaged.problems[0]
    assert (tmp_path / "checks.json.damaged").exists()
    store.save([other])
    assert set(store.load().results) == {"198.51.100.2"}


class RecordingClient(DnsClient):
    """Notes when each lookup starts and ends, in order."""

    def __init__(self, nameserver: Nameserver) -> None:
        super().__init__(nameserver)
        self.events: list[tuple[str, str]] = []

    async def lookup(
        self, name: str, rdtype: str = "A", *, wait: float, question: bytes | None = None
    ) -> LookupOutcome:
        self.events.append(("start", name))
        try:
            return await super().lookup(name, rdtype, wait=wait, question=question)
        finally:
            self.events.append(("end", name))


async def test_the_sweep_does_not_wait_for_a_slow_health_probe(
    script: DnsScript, nameserver: Nameserver, server: LoopbackDnsServer, catalog: Catalog, rules: RdnsRules
) -> None:
    """One zone's listed test point answers only its third query (UDP, TCP and the first resend go
    unanswered): the other lists' answers show the nameserver is alive, so the sweep starts then, and
    the slow zone's verdicts wait only for its own health, judged exactly as if asked in order."""
    probe = f"{reversed_labels('127.0.0.2')}.bl.spamcop.net"
    script.add_zone(
        ZoneSpec("zen.spamhaus.org", entries={reversed_labels("198.51.100.3"): listed("127.0.0.2")})
    )
    slow = Reply(addresses=("127.0.0.2",), drop_first=2)
    script.add_zone(
        ZoneSpec(
            "bl.spamcop.net",
            entries={
                reversed_labels("127.0.0.2"): slow,
                reversed_labels("198.51.100.5"): listed("127.0.0.2"),
            },
        )
    )
    script.add_zone(ZoneSpec("psbl.surriel.com"))
    settings = settings_for(catalog, rules, nameserver, ZONES, timeout=2.0)
    client = RecordingClient(nameserver)
    async with Checker(settings, client=client) as checker:
        report = await checker.check(parse_targets(["198.51.100.0/29"]))
    probe_answered = client.events.index(("end", probe))
    first_sweep_query = next(
        i
        for i, (kind, name) in enumerate(client.events)
        if kind == "start" and name.startswith("0.100.51.198.")
    )
    assert first_sweep_query < probe_answered
    assert server.asked(probe) >= 3
    assert only(report, "198.51.100.5", "spamcop").status is Status.LISTED
    assert only(report, "198.51.100.3", "spamhaus-zen").status is Status.LISTED
    for ip in range(8):
        for zone in ZONES:
            expected = Status.LISTED if (ip, zone) in ((5, "spamcop"), (3, "spamhaus-zen")) else Status.CLEAN
            assert only(report, f"198.51.100.{ip}", zone).status is expected


async def test_a_failed_health_check_still_turns_a_zone_unknown_when_the_sweep_starts_first(
    script: DnsScript, nameserver: Nameserver, server: LoopbackDnsServer, catalog: Catalog, rules: RdnsRules
) -> None:
    """The slow zone's listed test point finally answers NXDOMAIN: the zone fails its health check, and
    its NXDOMAINs, already in, are unknown rather than clean."""
    script.add_zone(ZoneSpec("zen.spamhaus.org"))
    script.add_zone(
        ZoneSpec(
            "bl.spamcop.net", entries={reversed_labels("127.0.0.2"): Reply(rcode="NXDOMAIN", drop_first=2)}
        )
    )
    script.add_zone(ZoneSpec("psbl.surriel.com"))
    report = await check_targets(
        parse_targets(["198.51.100.0/30"]),
        settings=settings_for(catalog, rules, nameserver, ZONES, timeout=2.0),
    )
    for ip in range(4):
        assert only(report, f"198.51.100.{ip}", "spamcop").status is Status.UNKNOWN
        assert only(report, f"198.51.100.{ip}", "psbl").status is Status.CLEAN
