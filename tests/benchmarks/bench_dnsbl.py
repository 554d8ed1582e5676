"""Benchmark: ipdash's DNSBL checker vs pydnsbl, 256 IPs × 10 zones, same loopback DNS server, same run.

    python tests/benchmarks/bench_dnsbl.py [--rounds 5] [--concurrency 50]

The server (tests/integration/dns/dnsbl_loopback_server.py) runs in a child process on 127.0.0.1 and
answers the real zone names of ipdash's default set from a script: NXDOMAIN for most names, listing codes
for some, and in the "hostile" scenario the answers that trip checkers up (Spamhaus 127.255.255.254,
127.0.0.1 refusals, parked-domain addresses outside 127/8, SERVFAIL, REFUSED). No live list is asked.

pydnsbl has no nameserver option; its aiodns resolver is replaced by one pointed at the loopback server,
with the port set through c-ares' ``udp_port``/``tcp_port`` channel options (pycares), keeping pydnsbl's
own timeout, tries and query code. Both run at the same concurrency; pydnsbl's default (200) is shown too.
Verdicts are compared with the ground truth the script implies: listed / clean / error / unknown.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import random
import statistics
import sys
import time
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration" / "dns"))

from dnsbl_loopback_server import (
    REFUSED,
    SERVFAIL,
    DnsScript,
    ProcessDnsServer,
    ZoneSpec,
    listed,
    reversed_labels,
)

from ipdash.domain.dnsbl.plan import select_zones
from ipdash.domain.dnsbl.settings import KeyRing, Nameserver
from ipdash.domain.dnsbl.targets import parse_targets
from ipdash.sources.dns.checker import Checker, CheckSettings
from ipdash.sources.dns.client import DnsClient
from ipdash.sources.dns.configure import shipped_catalog

ZONE_IDS = [
    "spamhaus-zen", "spamcop", "barracuda", "psbl", "uceprotect-1",
    "mailspike-bl", "spamrats-all", "s5h", "dronebl", "sem-black",
]  # fmt: skip
LISTING_CODES = {
    "spamhaus-zen": [
        ("127.0.0.2",),
        ("127.0.0.4",),
        ("127.0.0.2", "127.0.0.4", "127.0.0.10"),
        ("127.0.0.3",),
    ],
    "spamrats-all": [("127.0.0.36",), ("127.0.0.37",), ("127.0.0.38",), ("127.0.0.36", "127.0.0.43")],
    "mailspike-bl": [("127.0.0.2",), ("127.0.0.10",), ("127.0.0.12",)],
    "dronebl": [("127.0.0.3",), ("127.0.0.13",), ("127.0.0.17",)],
}
#: Hostile scenario: (zone id, reply, ground truth, label) drawn for 3% of that zone's names.
HOSTILE = [
    (
        "spamhaus-zen",
        listed("127.255.255.254"),
        "error",
        "Spamhaus 127.255.255.254 (public resolver refused)",
    ),
    (
        "spamhaus-zen",
        listed("127.0.0.2", "127.255.255.255"),
        "error",
        "Spamhaus error code mixed into a listing",
    ),
    ("s5h", listed("127.0.0.1"), "error", "127.0.0.1 (query blocked / never-listed address)"),
    ("sem-black", listed("203.0.113.80"), "error", "answer outside 127/8 (parked domain)"),
    ("psbl", SERVFAIL, "unknown", "SERVFAIL"),
    ("uceprotect-1", REFUSED, "unknown", "REFUSED"),
    ("spamcop", listed("127.0.0.77"), "listed", "undocumented 127/8 code"),
]


@dataclass(frozen=True)
class Truth:
    status: str
    label: str


def build_script(
    ips: list[str], zones: dict[str, str], hostile: bool, seed: int = 5782
) -> tuple[DnsScript, dict]:
    rng = random.Random(seed)
    script = DnsScript()
    truth: dict[tuple[str, str], Truth] = {}
    for zone_id, zone in zones.items():
        spec = script.add_zone(ZoneSpec(zone))
        hostile_rows = [row for row in HOSTILE if row[0] == zone_id] if hostile else []
        for ip in ips:
            roll = rng.random()
            truth[(ip, zone_id)] = Truth("clean", "NXDOMAIN")
            if roll < 0.04:
                codes = rng.choice(LISTING_CODES.get(zone_id, [("127.0.0.2",)]))
                spec.entries[reversed_labels(ip)] = listed(*codes, txt=f"listed by {zone}")
                truth[(ip, zone_id)] = Truth("listed", "listing code")
            elif hostile_rows and roll < 0.04 + 0.03 * len(hostile_rows):
                _, reply, status, label = hostile_rows[int((roll - 0.04) / 0.03)]
                spec.entries[reversed_labels(ip)] = reply
                truth[(ip, zone_id)] = Truth(status, label)
    return script, truth


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    verdicts: dict[tuple[str, str], str]
    queries: int


async def run_ipdash(settings: CheckSettings, ips: list[str]) -> Run:
    client = DnsClient(settings.nameserver)
    started, cpu = time.perf_counter(), time.process_time()
    async with Checker(settings, client=client) as checker:
        report = await checker.check(parse_targets(ips))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    verdicts = {(r.target, z.zone_id): z.status.value for r in report.results for z in r.blocklists}
    return Run(wall, cpu, verdicts, client.queries_sent)


def run_pydnsbl(port: int, zones: dict[str, str], ips: list[str], concurrency: int) -> Run:
    import aiodns
    import pydnsbl
    from pydnsbl.providers import Provider

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        providers = {Provider(zone): zone_id for zone_id, zone in zones.items()}
        checker = pydnsbl.DNSBLIpChecker(providers=list(providers), concurrency=concurrency, loop=loop)
        checker._resolver = aiodns.DNSResolver(
            nameservers=["127.0.0.1"], udp_port=port, tcp_port=port, timeout=5, tries=2, loop=loop
        )
        started, cpu = time.perf_counter(), time.process_time()
        results = checker.bulk_check(ips)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    verdicts = {}
    for result in results:
        for provider in result.providers:
            status = "clean"
            if provider in result.failed_providers:
                status = "unknown"
            elif provider.host in result.detected_by:
                status = "listed"
            verdicts[(result.addr, providers[provider])] = status
    return Run(wall, cpu, verdicts, len(ips) * len(zones))


def wrong(verdicts: dict, truth: dict) -> Counter[str]:
    mistakes: Counter[str] = Counter()
    for key, expected in truth.items():
        got = verdicts.get(key, "missing")
        if got != expected.status:
            mistakes[f"{expected.label}: {got} instead of {expected.status}"] += 1
    return mistakes


def scenario(name: str, hostile: bool, rounds: int, concurrency: int) -> None:
    catalog, rules = shipped_catalog()
    ips = [str(ip) for ip in ipaddress.ip_network("198.51.100.0/24")]
    zones = {zone_id: catalog.by_id[zone_id].zone or "" for zone_id in ZONE_IDS}
    script, truth = build_script(ips, zones, hostile)
    plan = tuple(select_zones(catalog, ZONE_IDS, KeyRing({}, {})))
    with ProcessDnsServer(script) as server:
        settings = CheckSettings(
            catalog=catalog, plan=plan, rules=rules, nameserver=Nameserver("127.0.0.1", server.port),
            timeout=2.5, deadline=120, concurrency=concurrency, rdns=False,
        )  # fmt: skip
        # Warm-up: fills the server's reply cache for both clients' query shapes, and imports.
        asyncio.run(run_ipdash(settings, ips))
        run_pydnsbl(server.port, zones, ips, concurrency)
        ours_runs, theirs_runs, default_runs = [], [], []
        for _ in range(rounds):
            ours_runs.append(asyncio.run(run_ipdash(settings, ips)))
            theirs_runs.append(run_pydnsbl(server.port, zones, ips, concurrency))
            default_runs.append(run_pydnsbl(server.port, zones, ips, 200))
    pairs = len(ips) * len(zones)
    print(
        f"\n== {name}: {len(ips)} IPs × {len(zones)} zones = {pairs} verdicts, {rounds} rounds, median (best)"
    )
    print(f"  truth: {dict(Counter(t.status for t in truth.values()))}")
    ours, theirs, default = (
        _line("ipdash", concurrency, ours_runs),
        _line("pydnsbl", concurrency, theirs_runs),
        _line("pydnsbl", 200, default_runs),
    )
    extra = ours_runs[0].queries - pairs
    print(
        f"  (ipdash sent {ours_runs[0].queries} queries: {pairs} lookups + {extra} health-check and TXT queries)"
    )
    print(
        f"  ratio pydnsbl/ipdash, wall: {theirs[0] / ours[0]:.2f}× at c={concurrency}, "
        f"{default[0] / ours[0]:.2f}× vs pydnsbl's default c=200; client CPU: {theirs[1] / ours[1]:.2f}×"
    )
    ours_wrong, theirs_wrong = wrong(ours_runs[0].verdicts, truth), wrong(theirs_runs[0].verdicts, truth)
    print(f"  wrong verdicts: ipdash {sum(ours_wrong.values())}, pydnsbl {sum(theirs_wrong.values())}")
    for label, count in sorted(ours_wrong.items()):
        print(f"    ipdash  ×{count}: {label}")
    for label, count in sorted(theirs_wrong.items()):
        print(f"    pydnsbl ×{count}: {label}")
    differ = sum(1 for key in truth if ours_runs[0].verdicts.get(key) != theirs_runs[0].verdicts.get(key))
    print(f"  verdicts that differ between the two: {differ}")


def _line(tool: str, concurrency: int, runs: list[Run]) -> tuple[float, float]:
    wall = statistics.median(r.wall for r in runs)
    cpu = statistics.median(r.cpu for r in runs)
    print(
        f"  {tool:<8} c={concurrency:<3} wall {wall:.3f} s (best {min(r.wall for r in runs):.3f})  "
        f"{runs[0].queries / wall:>7,.0f} queries/s  client CPU {cpu:.3f} s"
    )
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    warnings.simplefilter("ignore", DeprecationWarning)
    scenario("well-behaved lists", hostile=False, rounds=args.rounds, concurrency=args.concurrency)
    scenario("hostile answers", hostile=True, rounds=args.rounds, concurrency=args.concurrency)


if __name__ == "__main__":
    main()
