"""Zone health checks at run time: ask each zone's RFC 5782 test points, judge, and remember the verdict
for some minutes (per zone, address family and nameserver). Unknown health is not remembered."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from ipdash.domain.dnsbl.catalog import Catalog, Family
from ipdash.domain.dnsbl.health import judge_health
from ipdash.domain.dnsbl.judge import HEALTH_DISABLED, HealthState, ZoneHealth
from ipdash.domain.dnsbl.lookups import LookupOutcome
from ipdash.domain.dnsbl.plan import PlannedZone
from ipdash.domain.dnsbl.targets import TargetError, probe_prefix, query_name


class HealthCache:
    def __init__(self, ttl_seconds: float = 900.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._entries: dict[tuple[str, str, str], tuple[float, ZoneHealth]] = {}

    def get(self, key: tuple[str, str, str]) -> ZoneHealth | None:
        entry = self._entries.get(key)
        if entry is None or self._clock() >= entry[0]:
            return None
        return entry[1]

    def put(self, key: tuple[str, str, str], health: ZoneHealth) -> None:
        if health.state in (HealthState.PASSED, HealthState.FAILED):
            self._entries[key] = (self._clock() + self.ttl_seconds, health)


async def check_health(
    lookup: Callable[[str], Awaitable[LookupOutcome]],
    catalog: Catalog,
    zone: PlannedZone,
    family: Family | None,
    cache: HealthCache,
    nameserver: str,
) -> ZoneHealth:
    """The zone's health for ``family`` (None for domain lists), from the cache or by asking (``lookup``
    asks for the A records of one name)."""
    if not zone.entry.health_check:
        return HEALTH_DISABLED
    assert zone.query_zone is not None
    key = (zone.query_zone, family or "domain", nameserver)
    cached = cache.get(key)
    if cached is not None:
        return cached
    points = catalog.probes_for(zone.entry, family)
    try:
        names = {
            point: query_name(probe_prefix(point, zone.entry.kind), zone.query_zone)
            for point in (*points.listed, *points.not_listed)
        }
    except TargetError:  # a zone name so long that its test points do not fit in a DNS name
        return ZoneHealth(
            HealthState.UNKNOWN,
            zone.mask(f"its RFC 5782 test points do not fit in a DNS name under {zone.query_zone}"),
        )
    outcomes = await asyncio.gather(*(lookup(name) for name in names.values()))
    by_point = dict(zip(names, outcomes, strict=True))
    health = judge_health(
        zone.entry,
        {point: by_point[point] for point in points.listed},
        {point: by_point[point] for point in points.not_listed},
    )
    health = ZoneHealth(
        health.state, zone.mask(health.reason), zone.mask(health.remedy), health.lists_everything
    )
    cache.put(key, health)
    return health
