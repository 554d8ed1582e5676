"""Run blocklist and rDNS checks for many targets: health checks first, then every (target, zone) pair and
each IP's rDNS on a bounded pool of workers, with a per-query timeout and an overall deadline.

Results arrive per target through ``on_result`` as soon as that target is complete, so a UI can show
them live. Nothing here blocks the event loop; nothing raises for DNS trouble (it becomes a verdict).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from ipdash.domain.dnsbl.catalog import Catalog, Family
from ipdash.domain.dnsbl.judge import HealthState, Status, Verdict, ZoneHealth, judge_lookup
from ipdash.domain.dnsbl.lookups import LookupOutcome, Rcode
from ipdash.domain.dnsbl.plan import PlannedZone, health_family, zones_for
from ipdash.domain.dnsbl.rdns import RdnsResult, RdnsRules, judge_rdns, ptr_names, unjudged_rdns
from ipdash.domain.dnsbl.results import CheckReport, TargetResult, ZoneResult
from ipdash.domain.dnsbl.settings import Nameserver
from ipdash.domain.dnsbl.targets import Target, TargetError, query_name
from ipdash.domain.dnsbl.text import sanitise_text
from ipdash.sources.dns.client import DnsClient
from ipdash.sources.dns.health import HealthCache, check_health

ResultCallback = Callable[[TargetResult], None]
UNPROVEN_RESOLVER = (
    "not judged: the resolver answered no name that must exist (the blocklists' RFC 5782 test points), "
    "so its NXDOMAIN for the PTR cannot be trusted"
)
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class CheckSettings:
    """Everything one run needs. ``resolver_label`` is what reports show ("127.0.0.53:53 (system)")."""

    catalog: Catalog
    plan: Sequence[PlannedZone]
    rules: RdnsRules
    nameserver: Nameserver
    resolver_label: str = ""
    timeout: float = 2.5
    deadline: float = 60.0
    concurrency: int = 20
    rdns: bool = True
    health_ttl: float = 900.0
    shared_ips: frozenset[str] = field(default_factory=frozenset)
    #: Ask public lists about private, CGNAT, link-local and unique-local addresses too.
    include_private: bool = False


@dataclass
class _Pending:
    target: Target
    zones: list[PlannedZone]
    results: dict[int, ZoneResult] = field(default_factory=dict)
    rdns: RdnsResult | None = None
    remaining: int = 0
    prefix: str = field(init=False)

    def __post_init__(self) -> None:
        self.prefix = self.target.query_prefix  # computed once, asked for every zone


class Checker:
    """Keeps the DNS client, answer cache and zone-health cache between runs (the TUI's re-checks)."""

    def __init__(
        self,
        settings: CheckSettings,
        *,
        client: DnsClient | None = None,
        health_cache: HealthCache | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.client = client or DnsClient(settings.nameserver, max_in_flight=settings.concurrency)
        self.health_cache = health_cache or HealthCache(settings.health_ttl)
        self._now = now
        # Shared by every run of this checker: overlapping runs together stay within the bound.
        self._limit = asyncio.Semaphore(max(1, settings.concurrency))
        self._resolver_answers = True
        #: Lookups made through this checker, and those that got any answer (not a timeout).
        self._asked = 0
        self._answered = 0

    async def __aenter__(self) -> Checker:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()

    async def check(
        self,
        targets: Sequence[Target],
        on_result: ResultCallback | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> CheckReport:
        loop = asyncio.get_running_loop()
        started = self._now()
        deadline_at = loop.time() + self.settings.deadline
        plan, private = self.settings.plan, self.settings.include_private
        pending = [_Pending(t, zones_for(t, plan, include_private=private)) for t in targets]
        asked, answered = self._asked, self._answered
        health = await self._health(pending, deadline_at)
        self._resolver_answers = await self._resolver_proven(pending, health, deadline_at)
        silent = _silent_nameserver(health, self._asked - asked, self._answered - answered)
        jobs = list(self._jobs(pending))
        for item, _ in jobs:
            item.remaining += 1
        finished: list[TargetResult | None] = [None] * len(pending)
        index_of = {id(item): i for i, item in enumerate(pending)}
        done_jobs = 0
        deadline_hit = False

        def complete(item: _Pending) -> None:
            nonlocal done_jobs
            done_jobs += 1
            item.remaining -= 1
            if on_progress is not None:
                on_progress(done_jobs, len(jobs))
            if item.remaining == 0:
                result = self._target_result(item)
                finished[index_of[id(item)]] = result
                if on_result is not None:
                    on_result(result)

        queue: Iterator[tuple[_Pending, int | None]] = iter(jobs)

        async def worker() -> None:
            nonlocal deadline_hit
            for item, zone_index in queue:
                remaining = deadline_at - loop.time()
                if remaining <= 0:
                    deadline_hit = True
                    self._give_up(item, zone_index)
                elif silent is not None and zone_index is not None:
                    entry = item.zones[zone_index].entry
                    item.results[zone_index] = ZoneResult.of(entry, silent, checked_at=self._now())
                elif zone_index is None and not self._resolver_answers:
                    item.rdns = unjudged_rdns(item.target.text, UNPROVEN_RESOLVER, self.settings.rules)
                elif zone_index is None:
                    item.rdns = await self._rdns(item.target, deadline_at)
                else:
                    zone = item.zones[zone_index]
                    item.results[zone_index] = await self._zone(item, zone, health, deadline_at)
                complete(item)

        for index, item in enumerate(pending):
            if item.remaining == 0:
                result = self._target_result(item)
                finished[index] = result
                if on_result is not None:
                    on_result(result)
        await asyncio.gather(*(worker() for _ in range(max(1, min(self.settings.concurrency, len(jobs))))))
        results = tuple(r for r in finished if r is not None)
        return CheckReport(
            self._resolver_label(), results, started, self._now(), deadline_reached=deadline_hit
        )

    async def _resolver_proven(
        self, pending: list[_Pending], health: dict[tuple[str, str], ZoneHealth], deadline_at: float
    ) -> bool:
        """Has the resolver answered a name that must exist? rDNS is judged only then: a resolver that
        says NXDOMAIN to everything (offline, captive) must not turn every IP into "no PTR record".

        Any zone whose RFC 5782 listed test point answered proves it; when the run asked none, the
        catalog's default IP lists' test points are asked, all at once (a silent resolver costs one
        timeout, not one per list), and cached like any health check."""
        if not (self.settings.rdns and any(item.target.kind == "ip" for item in pending)):
            return True
        if any(h.state is HealthState.PASSED for h in health.values()):
            return True
        asked = {key[0] for key in health}
        candidates = [
            entry
            for entry in self.settings.catalog.zones
            if entry.default
            and entry.kind == "ip"
            and entry.health_check
            and entry.key is None
            and entry.id not in asked
            and entry.zone is not None
            and entry.status == "active"
        ]
        probes = await asyncio.gather(
            *(
                check_health(
                    lambda name: self._lookup(name, "A", deadline_at),
                    self.settings.catalog,
                    PlannedZone(entry, query_zone=entry.zone),
                    "ipv4",
                    self.health_cache,
                    str(self.settings.nameserver),
                )
                for entry in candidates
                if entry.zone is not None
            )
        )
        return any(probe.state is HealthState.PASSED for probe in probes)

    def _resolver_label(self) -> str:
        return self.settings.resolver_label or str(self.settings.nameserver)

    def _jobs(self, pending: list[_Pending]) -> Iterator[tuple[_Pending, int | None]]:
        for item in pending:
            for index, zone in enumerate(item.zones):
                if zone.skip is None:
                    yield item, index
            if self.settings.rdns and item.target.kind == "ip":
                yield item, None

    async def _health(self, pending: list[_Pending], deadline_at: float) -> dict[tuple[str, str], ZoneHealth]:
        wanted: dict[tuple[str, str], PlannedZone] = {}
        for item in pending:
            for zone in item.zones:
                if zone.skip is None:
                    wanted.setdefault((zone.entry.id, health_family(zone.entry, item.target)), zone)

        async def one(key: tuple[str, str], zone: PlannedZone) -> tuple[tuple[str, str], ZoneHealth]:
            family: Family | None = "ipv4" if key[1] == "ipv4" else "ipv6" if key[1] == "ipv6" else None
            health = await check_health(
                lambda name: self._lookup(name, "A", deadline_at),
                self.settings.catalog,
                zone,
                family,
                self.health_cache,
                str(self.settings.nameserver),
            )
            return key, health

        return dict(await asyncio.gather(*(one(key, zone) for key, zone in wanted.items())))

    async def _lookup(self, name: str, rdtype: str, deadline_at: float) -> LookupOutcome:
        """Every query of a run passes here: at most ``concurrency`` in flight."""
        async with self._limit:
            outcome = await self.client.lookup(name, rdtype, wait=self._wait(deadline_at))
        self._asked += 1
        self._answered += outcome.rcode is not Rcode.TIMEOUT
        return outcome

    def _wait(self, deadline_at: float) -> float:
        return max(0.0, min(self.settings.timeout, deadline_at - asyncio.get_running_loop().time()))

    async def _zone(
        self, item: _Pending, zone: PlannedZone, health: dict[tuple[str, str], ZoneHealth], deadline_at: float
    ) -> ZoneResult:
        assert zone.query_zone is not None
        target = item.target
        try:
            name = query_name(item.prefix, zone.query_zone)
        except TargetError:
            verdict = Verdict(
                Status.SKIPPED, "the query name would be too long for this zone", cause="name too long"
            )
            return ZoneResult.of(zone.entry, verdict, checked_at=self._now())
        outcome = await self._lookup(name, "A", deadline_at)
        verdict = judge_lookup(
            zone.entry, outcome, health[(zone.entry.id, health_family(zone.entry, target))]
        )
        txt = None
        if verdict.status is Status.LISTED:
            txt = await self._txt(name, zone, deadline_at)
        if zone.secret:
            verdict = replace(verdict, reason=zone.mask(verdict.reason), remedy=zone.mask(verdict.remedy))
        return ZoneResult.of(zone.entry, verdict, checked_at=self._now(), txt=txt, target=target.text)

    async def _txt(self, name: str, zone: PlannedZone, deadline_at: float) -> str | None:
        outcome = await self._lookup(name, "TXT", deadline_at)
        if not outcome.has_records:
            return None
        return zone.mask(sanitise_text(" | ".join(outcome.values)))

    async def _rdns(self, target: Target, deadline_at: float) -> RdnsResult:
        import dns.reversename  # here, not at module level: `ipdash check --no-rdns` starts faster

        reverse = dns.reversename.from_address(target.text).to_text(omit_final_dot=True)
        ptr = await self._lookup(reverse, "PTR", deadline_at)
        forward: dict[str, LookupOutcome] = {}
        if ptr.has_records:
            names, _ = ptr_names(ptr, self.settings.rules.ptr_limit)
            names = tuple(name for name in names if _resolvable(name))
            record = "A" if target.family == "ipv4" else "AAAA"
            outcomes = await asyncio.gather(*(self._lookup(name, record, deadline_at) for name in names))
            forward = dict(zip(names, outcomes, strict=True))
        return judge_rdns(
            target.text, ptr, forward, self.settings.rules, shared_ip=target.text in self.settings.shared_ips
        )

    def _give_up(self, item: _Pending, zone_index: int | None) -> None:
        reason = f"overall deadline of {self.settings.deadline:g} s reached before this was asked: unknown, not clean"
        if zone_index is None:
            outcome = LookupOutcome(Rcode.TIMEOUT, detail="overall deadline reached")
            item.rdns = judge_rdns(item.target.text, outcome, {}, self.settings.rules)
            return
        verdict = Verdict(Status.UNKNOWN, reason, cause="deadline")
        item.results[zone_index] = ZoneResult.of(
            item.zones[zone_index].entry, verdict, checked_at=self._now()
        )

    def _target_result(self, item: _Pending) -> TargetResult:
        now = self._now()
        zones = []
        for index, zone in enumerate(item.zones):
            if zone.skip is not None:
                zones.append(ZoneResult.of(zone.entry, zone.skip, checked_at=now))
            else:
                zones.append(item.results[index])
        return TargetResult(
            item.target.text, item.target.kind, tuple(zones), item.rdns, now, self._resolver_label()
        )


def _silent_nameserver(
    health: dict[tuple[str, str], ZoneHealth], asked: int, answered: int
) -> Verdict | None:
    """When the nameserver answered none of this run's health probes (each given the full budget), the
    verdict for every query not yet asked: sending them would only wait out the same timeouts (a /24
    against a dead resolver ran into the overall deadline), and without a healthy zone no NXDOMAIN could
    be trusted anyway. None when anything answered, or nothing was asked."""
    if asked == 0 or answered > 0 or not health:
        return None
    if any(h.state is not HealthState.UNKNOWN for h in health.values()):
        return None
    reason = (
        f"not asked: the nameserver answered none of this run's {asked} health probes, "
        "each given the full timeout: unknown, not clean"
    )
    remedy = "check that the resolver (--nameserver or the system's) is reachable and answers DNS queries"
    return Verdict(Status.UNKNOWN, reason, remedy=remedy, cause="timeout")


def _resolvable(name: str) -> bool:
    labels = name.split(".")
    return len(name) <= 253 and all(0 < len(label) <= 63 and label.isascii() for label in labels)


async def check_targets(
    targets: Sequence[Target],
    *,
    settings: CheckSettings,
    on_result: ResultCallback | None = None,
    on_progress: ProgressCallback | None = None,
) -> CheckReport:
    """One run with a fresh client (the CLI); the TUI keeps a ``Checker`` for its caches."""
    async with Checker(settings) as checker:
        return await checker.check(targets, on_result, on_progress)
