"""Benchmark: sending-domain checks for many domains vs the same DNS queries sent flat, same loopback server.

    python tests/benchmarks/bench_auth.py [--domains 200] [--rounds 3]

Each domain has an SPF tree three includes deep (8 lookups, 1 void), a DKIM key, DMARC with an external
rua and its authorisation, and TLS-RPT; no MTA-STS (no HTTPS). ipdash's runner judges, finds what is
missing, fetches it and judges again, round by round; the baseline sends exactly the queries that run
made, all at once at the same concurrency, through the same DnsClient. The ratio is the cost of the
round trips the record trees force plus the judging. Target: ratio ≤ 4×.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration" / "dns"))

from dnsbl_loopback_server import DnsScript, ProcessDnsServer, Reply

from ipdash.domain.auth.config import DomainSpec
from ipdash.domain.auth.status import Status
from ipdash.domain.dnsbl.settings import Nameserver
from ipdash.sources.auth import Lookups
from ipdash.sources.auth.runner import AuthRunner
from ipdash.sources.dns.client import DnsClient

KEY = (
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu0rmgdE0iOuKLm0QuXMnkcRx2q6kInLdE6CLu9xl+DD5tkaj9OtJfvaWSU0EKNbYIsr"
    "5Gs6pTjNuDB5DZjPImkEB97N7jHh6zNdtBXhHs1rw7JE4SYsfJtVtSWNc+WPshJAlUgfIJxxwdoA+dOCRbS+xFMGbUDDqwNM2ZvzP7LhWMYvcrL"
    "9QACgNlo8BsLvAN6EHN+tCAxUDMafhAvXTc0LNlGBqHFdHqJfmZdD8Hb7hH3WOvl40TRn9rEKQpQIw2Si4gAwCP0kFdqQF5Dvzvm/6G4V6Aec"
    "/UqnBK8JVs4dpT0qxgZfd9Fs9e6SHu7eFCnUhkcTzsM+g8OPYJlDB8wIDAQAB"
)


def script(domains: int) -> DnsScript:
    zone = DnsScript()
    for n in range(domains):
        d = f"d{n}.example"
        zone.add_txt(d, f"v=spf1 include:a.{d} include:b.{d} mx -all")
        zone.add_txt(f"a.{d}", f"v=spf1 include:a1.{d} include:a2.{d} ~all")
        zone.add_txt(f"a1.{d}", f"v=spf1 a:gone.{d} ip4:192.0.2.{n % 250}/32 ~all")
        zone.add_txt(f"a2.{d}", "v=spf1 ip4:198.51.100.0/24 ~all")
        zone.add_txt(f"b.{d}", f"v=spf1 include:b1.{d} ~all")
        zone.add_txt(f"b1.{d}", "v=spf1 ip4:203.0.113.0/24 ~all")
        zone.add(d, "MX", Reply(mx=(f"10 mx.{d}",)))
        zone.add(f"mx.{d}", "A", Reply(addresses=("192.0.2.250",)))
        zone.add_txt(f"s1._domainkey.{d}", f"v=DKIM1; k=rsa; p={KEY}")
        zone.add_txt(f"_dmarc.{d}", "v=DMARC1; p=reject; rua=mailto:agg@vendor.example")
        zone.add_txt(f"{d}._report._dmarc.vendor.example", "v=DMARC1")
        zone.add_txt(f"_smtp._tls.{d}", f"v=TLSRPTv1; rua=mailto:tls@{d}")
    return zone


async def ipdash_run(port: int, specs: list[DomainSpec]) -> tuple[float, list[tuple[str, str]], int]:
    lookups = Lookups(DnsClient(Nameserver("127.0.0.1", port)), timeout=2.0)
    started = time.perf_counter()
    async with AuthRunner(lookups, concurrency=20) as runner:
        results = await runner.check_all(specs)
        elapsed = time.perf_counter() - started
        wrong = sum(r.spf.status is not Status.PASS or r.dmarc.status is not Status.PASS for r in results)
        return elapsed, sorted(runner.answers.known), wrong


async def flat_run(port: int, queries: list[tuple[str, str]]) -> float:
    limit = asyncio.Semaphore(20)
    async with DnsClient(Nameserver("127.0.0.1", port)) as client:

        async def one(name: str, rdtype: str) -> None:
            async with limit:
                await client.lookup(name, rdtype, wait=2.0)

        started = time.perf_counter()
        await asyncio.gather(*(one(*q) for q in queries))
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--domains", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    specs = [DomainSpec(f"d{n}.example", ("s1",), (f"192.0.2.{n % 250}",)) for n in range(args.domains)]
    ours, flat = [], []
    with ProcessDnsServer(script(args.domains)) as server:
        for _ in range(args.rounds):
            elapsed, queries, wrong = asyncio.run(ipdash_run(server.port, specs))
            ours.append(elapsed)
            flat.append(asyncio.run(flat_run(server.port, queries)))
    best, base = min(ours), min(flat)
    print(f"{args.domains} domains, {len(queries)} queries per run, best of {args.rounds}")
    print(f"ipdash auth checks : {best * 1000:8.1f} ms  ({args.domains / best:,.0f} domains/s)")
    print(f"same queries, flat : {base * 1000:8.1f} ms  (median {statistics.median(flat) * 1000:.1f} ms)")
    print(f"ratio              : {best / base:8.2f}x  (target ≤ 4x)   wrong verdicts: {wrong}")


if __name__ == "__main__":
    main()
