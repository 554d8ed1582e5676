"""Run blocklist and rDNS checks for many targets: health checks first, then every (target, zone) pair and
each IP's rDNS on a bounded pool of workers, with a per-query timeout and an overall deadline.

Results arrive per target through ``on_result`` as soon as that target is complete, so a UI can show
them live. Nothing here blocks the event loop; nothing raises for DNS trouble (it becomes a verdict).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from ipdash.domain.dnsbl.catalog import Catalog, Family
from ipdash.domain.dnsbl.judge import HealthState, Status, Verdict, ZoneHealth, judge_lookup
from ipdash.domain.dnsbl.lookups import LookupOutcome, Rcode
from ipdash.domain.dnsbl.plan import PlannedZone, health_family, zones_for
from ipdash.domain.dnsbl.rdns import RdnsResult, RdnsRules, judge_rdns, ptr_names, unjudged_rdns
from ipdash.domain.dnsbl.results import CheckReport, TargetResult, ZoneResult
from ipdash.domain.dnsbl.settings import Nameserver
from ipdash.domain.dnsbl.targets import Target, TargetError, query_name
from ipdash.domain.dnsbl.text import sanitise_text
from ipdash.sources.dns.client import DnsClient, Sweep
from ipdash.sources.dns.health import HealthCache, check_health
from ipdash.sources.dns.window import InFlightWindow
from ipdash.sources.dns.wire import TYPE_A, WireError, encode_name, question_bytes

ResultCallback = Callable[[TargetResult], None]
UNPROVEN_RESOLVER = (
    "not judged: the resolver answered no name that must exist (the blocklists' RFC 5782 test points), "
    "so its NXDOMAIN for the PTR cannot be trusted"
)
ProgressCallback = Callable[[int, int], None]
#: Lookups per place in the window at most, when lookups presumed lost leave it to wait for their resend.
PARKED_FACTOR = 2
#: (zone id, address family or "domain"): what one health check covers.
HealthKey = tuple[str, str]


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

    #: The prefix's wire labels (no root), or None when it must be encoded with each name.
    prefix_wire: bytes | None = field(init=False)

    def __post_init__(self) -> None:
        self.prefix = self.target.query_prefix  # computed once, asked for every zone
        self.prefix_wire = _labels(self.prefix)


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
        #: The checker's own client bounds the queries in flight itself (its window, shared by every run
        #: of this checker), and a lookup presumed lost leaves that window; another client is bounded here.
        self._own_window = client is None
        self.health_cache = health_cache or HealthCache(settings.health_ttl)
        self._now = now
        # Shared by every run of this checker: overlapping runs together stay within the bound.
        self._limit = InFlightWindow(settings.concurrency)
        #: Query zone -> its wire labels, root and the A/IN question tail (b"" when it cannot be encoded).
        self._zone_wire: dict[str, bytes] = {}
        self._resolver_answers = True
        #: Lookups made through this checker, and those that got any answer (not a timeout).
        self._asked = 0
        self._answered = 0
        #: Done at this run's first answer of any kind (the nameserver is not silent).
        self._answer_seen: asyncio.Future[None] | None = None

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
        """Health probes and the sweep overlap: the sweep starts at the first answer to any probe (the
        nameserver is alive, so it is not silent) rather than after the last one (a dropped probe reply
        held every query back for a retransmit interval). Each verdict is judged once its zone's health
        is known; a lookup whose zone is still being probed is finished later, off the worker."""
        loop = asyncio.get_running_loop()
        started = self._now()
        deadline_at = loop.time() + self.settings.deadline
        plan, private = self.settings.plan, self.settings.include_private
        pending = [_Pending(t, zones_for(t, plan, include_private=private)) for t in targets]
        asked, answered = self._asked, self._answered
        self._answer_seen = loop.create_future()
        health: dict[tuple[str, str], ZoneHealth] = {}
        # Other resolvers (the sample data's zone snapshot) stand in for the client without sweeps.
        open_sweep = getattr(self.client, "sweep", None)
        sweep: Sweep | _NoSweep = open_sweep() if open_sweep is not None else _NoSweep()
        probes = self._health(pending, deadline_at, health)
        all_health = asyncio.gather(*probes.values())
        proven = loop.create_task(self._proven_after(all_health, pending, health, deadline_at))
        try:
            return await self._sweep(
                pending,
                health,
                probes,
                proven,
                sweep,
                deadline_at,
                started,
                (asked, answered),
                on_result,
                on_progress,
            )
        finally:
            sweep.close()
            for task in (*probes.values(), proven):
                task.cancel()

    async def _sweep(
        self,
        pending: list[_Pending],
        health: dict[HealthKey, ZoneHealth],
        probes: dict[HealthKey, asyncio.Task[ZoneHealth]],
        proven: asyncio.Task[None],
        sweep: Sweep | _NoSweep,
        deadline_at: float,
        started: datetime,
        counts_before: tuple[int, int],
        on_result: ResultCallback | None,
        on_progress: ProgressCallback | None,
    ) -> CheckReport:
        loop = asyncio.get_running_loop()
        assert self._answer_seen is not None
        await asyncio.wait((proven, self._answer_seen), return_when=asyncio.FIRST_COMPLETED)
        silent = None
        if proven.done():
            asked, answered = counts_before
            silent = _silent_nameserver(health, self._asked - asked, self._answered - answered)
        jobs = list(self._jobs(pending))
        for item, _ in jobs:
            item.remaining += 1
        finished: list[TargetResult | None] = [None] * len(pending)
        index_of = {id(item): i for i, item in enumerate(pending)}
        done_jobs = 0
        deadline_hit = False
        later: set[asyncio.Task[None]] = set()

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

        async def rdns_later(item: _Pending) -> None:
            await proven
            await rdns_job(item)
            complete(item)

        async def rdns_job(item: _Pending) -> None:
            if not self._resolver_answers:
                item.rdns = unjudged_rdns(item.target.text, UNPROVEN_RESOLVER, self.settings.rules)
            else:
                item.rdns = await self._rdns(item.target, deadline_at)

        async def zone_later(
            item: _Pending, index: int, lookup: tuple[str, LookupOutcome], key: HealthKey
        ) -> None:
            await probes[key]
            zone = item.zones[index]
            item.results[index] = await self._zone_verdict(item, zone, lookup, health[key], deadline_at)
            complete(item)

        def finish_later(job: Coroutine[Any, Any, None]) -> None:
            task = loop.create_task(job)
            later.add(task)
            task.add_done_callback(later.discard)

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
                elif zone_index is None:
                    if not proven.done():
                        finish_later(rdns_later(item))
                        continue
                    await rdns_job(item)
                else:
                    zone = item.zones[zone_index]
                    asked = self._zone_question(item, zone)
                    if isinstance(asked, ZoneResult):
                        item.results[zone_index] = asked
                    else:
                        name, question = asked
                        lookup = (name, await self._lookup(name, "A", deadline_at, question))
                        key = (zone.entry.id, health_family(zone.entry, item.target))
                        known = health.get(key)
                        if known is None:
                            finish_later(zone_later(item, zone_index, lookup, key))
                            continue
                        verdict = judge_lookup(zone.entry, lookup[1], known)
                        if verdict.status is Status.LISTED:  # its TXT record is asked for the reason
                            txt = await self._txt(name, zone, deadline_at)
                            item.results[zone_index] = self._zone_result(item, zone, verdict, txt)
                        else:
                            item.results[zone_index] = self._zone_result(item, zone, verdict, None)
                complete(item)
            # Every job has been taken: what is still unanswered is a straggler (the client's tail probe).
            sweep.all_sent()

        for index, item in enumerate(pending):
            if item.remaining == 0:
                result = self._target_result(item)
                finished[index] = result
                if on_result is not None:
                    on_result(result)
        # One worker per place in the window. With its own client, a lookup presumed lost gives its place
        # back while its worker still waits for it: one more worker then carries the sweep on in that
        # place, up to PARKED_FACTOR per place (the window, not the workers, bounds what is in flight).
        # Spare workers from the start would each wait for a place at every query (a future, a wake-up
        # and a task step per query: 3 % of a /24 check's CPU).
        most = self.settings.concurrency * (PARKED_FACTOR if self._own_window else 1)
        workers: list[asyncio.Task[None]] = []

        def add_workers(count: int) -> None:
            for _ in range(max(0, min(count, most - len(workers)))):
                workers.append(loop.create_task(worker()))

        try:
            add_workers(max(1, min(self.settings.concurrency, len(jobs))))
            if self._own_window and isinstance(sweep, Sweep):
                sweep.on_place_given_back = add_workers
            while not all(task.done() for task in workers):
                await asyncio.gather(*workers)
            while later:
                await asyncio.gather(*later)
            await proven
        finally:
            if isinstance(sweep, Sweep):
                sweep.on_place_given_back = None
            for task in (*workers, *later):
                task.cancel()
        results = tuple(r for r in finished if r is not None)
        return CheckReport(
            self._resolver_label(), results, started, self._now(), deadline_reached=deadline_hit
        )

    async def _proven_after(
        self,
        all_health: asyncio.Future[list[ZoneHealth]],
        pending: list[_Pending],
        health: dict[HealthKey, ZoneHealth],
        deadline_at: float,
    ) -> None:
        await all_health
        self._resolver_answers = await self._resolver_proven(pending, health, deadline_at)

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

    def _health(
        self, pending: list[_Pending], deadline_at: float, health: dict[HealthKey, ZoneHealth]
    ) -> dict[HealthKey, asyncio.Task[ZoneHealth]]:
        """One task per (zone, family) asked, each filling ``health`` as it finishes."""
        wanted: dict[HealthKey, PlannedZone] = {}
        for item in pending:
            for zone in item.zones:
                if zone.skip is None:
                    wanted.setdefault((zone.entry.id, health_family(zone.entry, item.target)), zone)

        async def one(key: HealthKey, zone: PlannedZone) -> ZoneHealth:
            family: Family | None = "ipv4" if key[1] == "ipv4" else "ipv6" if key[1] == "ipv6" else None
            result = await check_health(
                lambda name: self._lookup(name, "A", deadline_at),
                self.settings.catalog,
                zone,
                family,
                self.health_cache,
                str(self.settings.nameserver),
            )
            health[key] = result
            return result

        loop = asyncio.get_running_loop()
        return {key: loop.create_task(one(key, zone)) for key, zone in wanted.items()}

    async def _lookup(
        self, name: str, rdtype: str, deadline_at: float, question: bytes | None = None
    ) -> LookupOutcome:
        """Every query of a run passes here: at most ``concurrency`` in flight. ``question`` (the sweep's
        pre-encoded A question) is passed only when there is one: other resolvers (the --auth PTR path's)
        take no such argument."""
        limit = self._limit
        if self._own_window:
            outcome = await self._ask(name, rdtype, deadline_at, question)
        elif limit.try_enter():  # a free place: no coroutine call to take it
            try:
                outcome = await self._ask(name, rdtype, deadline_at, question)
            finally:
                limit.leave()
        else:
            async with limit:
                outcome = await self._ask(name, rdtype, deadline_at, question)
        self._asked += 1
        if outcome.rcode is not Rcode.TIMEOUT:
            self._answered += 1
            if self._answer_seen is not None and not self._answer_seen.done():
                self._answer_seen.set_result(None)
        return outcome

    def _ask(
        self, name: str, rdtype: str, deadline_at: float, question: bytes | None
    ) -> Coroutine[Any, Any, LookupOutcome]:
        wait = self._wait(deadline_at)
        if question is None:
            return self.client.lookup(name, rdtype, wait=wait)
        return self.client.lookup(name, rdtype, wait=wait, question=question)

    def _wait(self, deadline_at: float) -> float:
        return max(0.0, min(self.settings.timeout, deadline_at - asyncio.get_running_loop().time()))

    def _zone_question(self, item: _Pending, zone: PlannedZone) -> tuple[str, bytes | None] | ZoneResult:
        """The query name and its pre-encoded question (None: the client encodes the name); a ZoneResult
        when the name cannot be asked. Not a coroutine: the sweep's worker awaits the lookup itself."""
        assert zone.query_zone is not None
        try:
            name = query_name(item.prefix, zone.query_zone)
        except TargetError:
            verdict = Verdict(
                Status.SKIPPED, "the query name would be too long for this zone", cause="name too long"
            )
            return ZoneResult.of(zone.entry, verdict, checked_at=self._now())
        question = None
        if item.prefix_wire is not None:
            zone_wire = self._zone_wire.get(zone.query_zone)
            if zone_wire is None:
                zone_wire = self._zone_wire[zone.query_zone] = _zone_question(zone.query_zone)
            if zone_wire:
                question = item.prefix_wire + zone_wire
        return name, question

    async def _zone_verdict(
        self,
        item: _Pending,
        zone: PlannedZone,
        lookup: tuple[str, LookupOutcome],
        health: ZoneHealth,
        deadline_at: float,
    ) -> ZoneResult:
        name, outcome = lookup
        verdict = judge_lookup(zone.entry, outcome, health)
        txt = None
        if verdict.status is Status.LISTED:
            txt = await self._txt(name, zone, deadline_at)
        return self._zone_result(item, zone, verdict, txt)

    def _zone_result(
        self, item: _Pending, zone: PlannedZone, verdict: Verdict, txt: str | None
    ) -> ZoneResult:
        if zone.secret:
            verdict = replace(verdict, reason=zone.mask(verdict.reason), remedy=zone.mask(verdict.remedy))
        return ZoneResult.of(zone.entry, verdict, checked_at=self._now(), txt=txt, target=item.target.text)

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


class _NoSweep:
    def all_sent(self) -> None:
        pass

    def close(self) -> None:
        pass


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


def _labels(prefix: str) -> bytes | None:
    """``prefix`` as wire labels without the root, or None (then the client encodes the whole name and
    reports what is wrong with it)."""
    if not prefix or prefix.endswith("."):
        return None
    try:
        return encode_name(prefix.lower())[:-1]
    except WireError:
        return None


def _zone_question(zone: str) -> bytes:
    """The question's tail for an A query of any name in ``zone``: b"" when it cannot be encoded."""
    try:
        return question_bytes(zone, TYPE_A)
    except WireError:
        return b""


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
