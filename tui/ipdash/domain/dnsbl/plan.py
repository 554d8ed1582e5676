"""Which zones a run asks: the default set or the user's choice, minus dead, keyless and overlapping ones.

The default set is the active lists marked default that need no key (keyed ones join when their key is
set). Defunct lists are never queried; a list covered by another selected list (ZEN's parts, or public
ZEN when DQS ZEN is on) is skipped rather than double-counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ipdash.domain.dnsbl.catalog import KEY_PLACEHOLDER, Catalog, ZoneEntry, is_valid_zone_name
from ipdash.domain.dnsbl.judge import Verdict, skipped
from ipdash.domain.dnsbl.settings import KeyRing
from ipdash.domain.dnsbl.targets import Target

DEFAULT_TOKEN = "default"
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,62}$")


class ZoneSelectionError(ValueError):
    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"zone {name!r}: {reason}")
        self.name = name


@dataclass(frozen=True, slots=True)
class PlannedZone:
    """A zone to ask, or to report as skipped. ``query_zone`` may hold a key: never display it."""

    entry: ZoneEntry
    query_zone: str | None = field(default=None, repr=False)
    skip: Verdict | None = None
    secret: str | None = field(default=None, repr=False)

    @property
    def display_zone(self) -> str:
        return self.entry.display_zone

    def mask(self, text: str) -> str:
        """``text`` with this zone's key (if any) replaced by the placeholder."""
        return text.replace(self.secret, "<key>") if self.secret else text


def split_zone_names(values: Iterable[str]) -> list[str]:
    """``["a,b", " c "]`` -> ``["a", "b", "c"]`` (the --zones option and the config list)."""
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


def select_zones(
    catalog: Catalog,
    requested: Sequence[str],
    keys: KeyRing,
    exclude: Sequence[str] = (),
) -> list[PlannedZone]:
    chosen: dict[str, tuple[ZoneEntry, str | None]] = {}
    for name in split_zone_names(requested):
        if name.lower() == DEFAULT_TOKEN:
            for entry in _default_set(catalog, keys):
                chosen.setdefault(entry.id, (entry, None))
            continue
        entry, explicit_key = _resolve(catalog, name)
        chosen[entry.id] = (entry, explicit_key)
    for name in split_zone_names(exclude):
        excluded = catalog.find(name)
        if excluded is None:
            raise ZoneSelectionError(name, "cannot exclude a zone that is not in the catalog")
        chosen.pop(excluded.id, None)
    planned = [_plan(entry, explicit_key, keys) for entry, explicit_key in chosen.values()]
    return _skip_covered(planned)


def _default_set(catalog: Catalog, keys: KeyRing) -> list[ZoneEntry]:
    return [
        entry
        for entry in catalog.zones
        if entry.default and entry.status == "active" and (entry.key is None or entry.key.name in keys.keys)
    ]


def _resolve(catalog: Catalog, name: str) -> tuple[ZoneEntry, str | None]:
    entry = catalog.find(name)
    if entry is not None:
        return entry, None
    keyed = catalog.keyed_match(name)
    if keyed is not None:
        entry, key = keyed
        if not _KEY.match(key):
            raise ZoneSelectionError(entry.display_zone, "the key part is not a valid DNS label")
        return entry, key
    zone = name.strip().rstrip(".").lower()
    if KEY_PLACEHOLDER in zone or not is_valid_zone_name(zone):
        raise ZoneSelectionError(
            name, "not a catalog name (see `ipdash check --list-zones`) or a valid zone name"
        )
    return adhoc_entry(zone), None


def adhoc_entry(zone: str) -> ZoneEntry:
    """A raw zone that is not in the catalog: an IP block list whose codes are unknown, health-checked."""
    return ZoneEntry(
        id="custom-" + re.sub(r"[^a-z0-9-]", "-", zone)[:56],
        zone=zone,
        name=zone,
        kind="ip",
        families=("ipv4", "ipv6"),
        list_type="block",
        importance="minor",
        confidence="low",
        notes="Not in the catalog: any 127.0.0.0/8 answer outside 127.0.0.1 counts as a listing.",
    )


def _plan(entry: ZoneEntry, explicit_key: str | None, keys: KeyRing) -> PlannedZone:
    if entry.status == "defunct":
        since = f" since {entry.defunct_since.isoformat()}" if entry.defunct_since else ""
        return PlannedZone(entry, skip=skipped(f"defunct{since}: never queried", "defunct"))
    if entry.zone is None or entry.status == "subscriber-only":
        return PlannedZone(entry, skip=skipped("no public DNS zone (subscriber data only)", "no public zone"))
    if entry.key is None:
        return PlannedZone(entry, query_zone=entry.zone)
    key = explicit_key or keys.keys.get(entry.key.name)
    if key is None:
        reason = keys.problems.get(entry.key.name, f"needs a key: set ${entry.key.env}")
        return PlannedZone(entry, skip=skipped(reason, "needs key"))
    return PlannedZone(entry, query_zone=entry.zone.replace(KEY_PLACEHOLDER, key), secret=key)


def _skip_covered(planned: list[PlannedZone]) -> list[PlannedZone]:
    covering = {p.entry.id: p.entry for p in planned if p.skip is None}
    result = []
    for zone in planned:
        by = next((e for e in covering.values() if zone.entry.id in e.covers), None)
        if zone.skip is None and by is not None:
            reason = f"covered by {by.name} (queried instead; asking both would double-count)"
            zone = PlannedZone(zone.entry, skip=skipped(reason, "overlap"))
        result.append(zone)
    return result


def zones_for(target: Target, plan: Sequence[PlannedZone]) -> list[PlannedZone]:
    """The plan as it applies to one target: lists of the other kind are left out, lists that do not
    cover the target's address family are skipped ("n/a for IPv6")."""
    applicable = []
    for zone in plan:
        if zone.entry.kind != target.kind:
            continue
        if zone.skip is None and target.family is not None and target.family not in zone.entry.families:
            label = "IPv6" if target.family == "ipv6" else "IPv4"
            zone = PlannedZone(
                zone.entry, skip=skipped(f"n/a: the list does not cover {label}", f"n/a for {label}")
            )
        applicable.append(zone)
    return applicable
