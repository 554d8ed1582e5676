"""Which zones a run asks: the default set or the user's choice, minus dead, keyless and overlapping ones.

The default set is the active lists marked default that need no key (keyed ones join when their key is
set). Defunct lists are never queried; a list covered by another selected list (ZEN's parts, or public
ZEN when DQS ZEN is on) is skipped rather than double-counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from ipdash.domain.dnsbl.catalog import (
    KEY_PLACEHOLDER,
    MASKED_KEY,
    Catalog,
    CatalogDefaults,
    KeyRequirement,
    ZoneEntry,
    is_valid_zone_name,
    with_default_errors,
)
from ipdash.domain.dnsbl.judge import Status, Verdict, skipped
from ipdash.domain.dnsbl.settings import KeyRing
from ipdash.domain.dnsbl.targets import Target, non_public_reason

DEFAULT_TOKEN = "default"
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,62}$")


#: Lists one run may ask. The catalog has under a hundred; each uncatalogued zone also costs its health
#: probes, so a pasted list of thousands would mostly measure the machine, not the lists.
MAX_ZONES = 500


class ZoneSelectionError(ValueError):
    def __init__(self, name: str, reason: str) -> None:
        shown = name if len(name) <= 80 else name[:77] + "…"  # a pasted megabyte is not echoed back
        super().__init__(f"zone {shown!r}: {reason}")
        self.name = name


@dataclass(frozen=True, slots=True)
class PlannedZone:
    """A zone to ask, or to report as skipped. ``query_zone`` may hold a key: never display it."""

    entry: ZoneEntry
    query_zone: str | None = field(default=None, repr=False)
    skip: Verdict | None = None
    secret: str | None = field(default=None, repr=False)
    #: Named by the user (not only part of the default set): it gets a row for every target.
    requested: bool = False

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
    chosen: dict[str, tuple[ZoneEntry, str | None, bool]] = {}
    for name in split_zone_names(requested):
        if name.lower() == DEFAULT_TOKEN:
            for entry in _default_set(catalog, keys):
                chosen.setdefault(entry.id, (entry, None, False))
            continue
        entry, explicit_key = _resolve(catalog, name)
        chosen[entry.id] = (entry, explicit_key, True)
    for name in split_zone_names(exclude):
        excluded = catalog.find(name)
        if excluded is None:
            raise ZoneSelectionError(name, "cannot exclude a zone that is not in the catalog")
        chosen.pop(excluded.id, None)
    if len(chosen) > MAX_ZONES:
        raise ZoneSelectionError(
            f"{len(chosen)} lists", f"at most {MAX_ZONES} lists per run (split the list, or trim it)"
        )
    planned = [
        replace(_plan(entry, explicit_key, keys), requested=named)
        for entry, explicit_key, named in chosen.values()
    ]
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
    service = catalog.keyed_service(name)
    if service is not None:  # a key inside a zone the catalog does not know: masked all the same
        requirement, key, template = service
        if not _KEY.match(key):
            raise ZoneSelectionError(
                template.replace(KEY_PLACEHOLDER, "<key>"), "the key part is not a valid DNS label"
            )
        return adhoc_entry(template, catalog.defaults, key=requirement), key
    return adhoc_entry(zone, catalog.defaults), None


def adhoc_entry(
    zone: str, defaults: CatalogDefaults | None = None, *, key: KeyRequirement | None = None
) -> ZoneEntry:
    """A raw zone that is not in the catalog: a block list of unknown codes, health-checked, tried for
    the kind of target given (IPs and domains), with the catalog-wide error codes (127.255.255.0/24).
    ``zone`` holds ``{key}`` when it is under a keyed service's domain (``key`` its requirement)."""
    shown = zone.replace(KEY_PLACEHOLDER, "key")
    entry = ZoneEntry(
        id="custom-" + re.sub(r"[^a-z0-9-]", "-", shown)[:56],
        zone=zone,
        name=zone.replace(KEY_PLACEHOLDER, MASKED_KEY),
        key=key,
        kind="ip",
        families=("ipv4", "ipv6"),
        list_type="block",
        importance="minor",
        confidence="low",
        adhoc=True,
        notes="Not in the catalog: any 127.0.0.0/8 answer outside 127.0.0.1 and the catalog-wide error "
        "codes counts as a listing.",
    )
    return entry if defaults is None else with_default_errors(entry, defaults)


def _plan(entry: ZoneEntry, explicit_key: str | None, keys: KeyRing) -> PlannedZone:
    if entry.status == "defunct":
        since = f" since {entry.defunct_since.isoformat()}" if entry.defunct_since else ""
        reason = f"defunct{since}: not queried (its answers mean nothing): unknown, not clean"
        return PlannedZone(entry, skip=Verdict(Status.UNKNOWN, reason, cause="defunct"))
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
    covered_by: dict[str, ZoneEntry] = {}
    for p in planned:
        if p.skip is None:
            for covered in p.entry.covers:
                covered_by.setdefault(covered, p.entry)
    result = []
    for zone in planned:
        by = covered_by.get(zone.entry.id)
        if zone.skip is None and by is not None:
            reason = f"covered by {by.name} (queried instead; asking both would double-count)"
            zone = PlannedZone(zone.entry, skip=skipped(reason, "overlap"), requested=zone.requested)
        result.append(zone)
    return result


def zones_for(
    target: Target, plan: Sequence[PlannedZone], *, include_private: bool = False
) -> list[PlannedZone]:
    """The plan as it applies to one target. Every list the user named gets a row: queried, or "not
    applicable" with the reason (a list of the other kind, an address family it does not cover, a
    private address). Default-set lists of the other kind are left out; domain lists that take IP
    literals (SURBL) and uncatalogued zones are asked for both kinds."""
    applicable = []
    private = None if include_private or target.kind != "ip" else non_public_reason(target.text)
    for zone in plan:
        entry = zone.entry
        if zone.skip is None:
            mismatch = _kind_mismatch(entry, target)
            if mismatch is not None and not zone.requested:
                continue
            reason = mismatch or _family_mismatch(entry, target)
            if reason is None and private is not None:
                reason = f"{target.text} is {private} (--include-private asks anyway)"
            if reason is not None:
                zone = replace(zone, skip=skipped(f"not applicable: {reason}", "not applicable"))
        elif entry.kind != target.kind and not entry.adhoc and not zone.requested:
            continue
        applicable.append(zone)
    return applicable


def _kind_mismatch(entry: ZoneEntry, target: Target) -> str | None:
    if entry.adhoc or entry.kind == target.kind:
        return None
    if target.kind == "ip" and entry.ip_literals:
        return None if target.family == "ipv4" else "the list takes IPv4 literals only, not IPv6"
    what = "domain names" if entry.kind == "domain" else "IP addresses"
    note = f"; {entry.other_kind_note}" if entry.other_kind_note else ""
    return f"{entry.name} lists {what} only{note}"


def _family_mismatch(entry: ZoneEntry, target: Target) -> str | None:
    if entry.kind != "ip" or target.family is None or target.family in entry.families:
        return None
    label = "IPv6" if target.family == "ipv6" else "IPv4"
    return f"the list does not cover {label}"


def health_family(entry: ZoneEntry, target: Target) -> str:
    """Which probes vouch for this (target, zone) answer: the target's address family for IP lists,
    "domain" for domain targets and a domain list's IP literals."""
    if target.kind == "domain" or entry.kind == "domain":
        return "domain"
    return target.family or "domain"
