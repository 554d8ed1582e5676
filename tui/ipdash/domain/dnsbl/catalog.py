"""The zone catalog: which lists exist, what their answers mean, and how to query them.

Loaded from ``ipdash/data/dnsbl_zones.json`` (facts with sources) plus the user's ``[blocklists]``
overrides. Pure: the caller reads the file and passes the parsed dict.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from dataclasses import fields as dataclass_fields
from datetime import date
from functools import cached_property, lru_cache
from typing import Any, Literal, TypeVar, get_args
from urllib.parse import quote

from ipdash.domain.dnsbl.fields import (
    Check,
    Fields,
    Invalid,
    Loc,
    any_text,
    boolean,
    dict_of,
    iso_date,
    one_of,
    optional,
    text,
    tuple_of,
)

Kind = Literal["ip", "domain"]
Family = Literal["ipv4", "ipv6"]
ListType = Literal["block", "policy", "collateral", "reputation", "allow", "mixed"]
Importance = Literal["critical", "major", "minor"]
ZoneStatus = Literal["active", "defunct", "uncertain", "subscriber-only"]
#: What one answer code says about the target: a listing (by severity), or good / neutral news.
Effect = Literal["listing", "policy", "collateral", "neutral", "good"]
#: Where a lookup page's address was confirmed: in the operator's own pages or answers (its TXT
#: records, its rejection texts); only in other tools and receivers that link it; or nowhere read.
LookupEvidence = Literal["operator", "other-tools", "unverified"]

KEY_PLACEHOLDER = "{key}"
MASKED_KEY = "<key>"
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_DEFAULT_EFFECT: dict[str, Effect] = {
    "block": "listing",
    "mixed": "listing",
    "policy": "policy",
    "collateral": "collateral",
    "reputation": "neutral",
    "allow": "good",
}
#: Effects that say "not a listing": only lists that document allow or score answers may use them.
_NON_LISTING_EFFECTS: frozenset[Effect] = frozenset({"neutral", "good"})
_MAY_ANSWER_NON_LISTING: frozenset[str] = frozenset({"allow", "reputation", "mixed"})

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
T = TypeVar("T")


@lru_cache(maxsize=4096)
def parse_code(text: str) -> Network:
    """An answer code (``127.0.0.2``) or a documented range (``127.255.255.0/24``) as a network. Kept
    per text (networks are immutable): a catalog build compares every entry's error codes with the
    catalog-wide ones, twice for a run with a config (~2,000 parses of ~100 texts, 70 ms of a check)."""
    try:
        return ipaddress.ip_network(text.strip(), strict=True)
    except ValueError as error:
        raise ValueError(f"{text!r} is not an address or a network: {error}") from None


def is_valid_zone_name(zone: str) -> bool:
    labels = zone.lower().split(".")
    return len(zone) <= 253 and len(labels) >= 2 and all(_LABEL.match(label) for label in labels)


_ID = r"^[a-z0-9][a-z0-9-]*$"


@dataclass(frozen=True)
class ErrorCode:
    meaning: str
    remedy: str = ""

    @classmethod
    def from_data(cls, raw: Any) -> ErrorCode:
        f = Fields(raw, "ErrorCode")
        made = cls(meaning=f.get("meaning", any_text), remedy=f.get("remedy", any_text, ""))
        f.done()
        return made


@dataclass(frozen=True)
class KeyRequirement:
    name: str
    env: str

    @classmethod
    def from_data(cls, raw: Any) -> KeyRequirement:
        f = Fields(raw, "KeyRequirement")
        name = f.get("name", text(pattern=_ID))
        env = f.get("env", text(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$"))
        f.done()
        return cls(name=name, env=env)


@dataclass(frozen=True)
class ProbePoints:
    """RFC 5782 §5 probes: names (IPs or domain labels) that must and must not be listed."""

    listed: tuple[str, ...] = ()
    not_listed: tuple[str, ...] = ()

    @classmethod
    def from_data(cls, raw: Any) -> ProbePoints:
        f = Fields(raw, "ProbePoints")
        listed = f.get("listed", tuple_of(any_text), ())
        not_listed = f.get("not_listed", tuple_of(any_text), ())
        f.done()
        return cls(listed=listed, not_listed=not_listed)


def _zone_is_a_name(value: Any) -> str:
    zone = any_text(value).strip().rstrip(".").lower()
    if not is_valid_zone_name(zone.replace(KEY_PLACEHOLDER, "key")):
        raise ValueError(f"{zone!r} is not a valid DNS zone name")
    return zone


def _code_keys(inner: Check[T]) -> Check[dict[str, T]]:
    read = dict_of(inner)

    def check(value: Any) -> dict[str, T]:
        codes = read(value)
        for code in codes:
            parse_code(code)
        return codes

    return check


_EFFECTS = one_of(*get_args(Effect))


@dataclass(frozen=True)
class ZoneEntry:
    """One list. ``zone`` holds ``{key}`` where a keyed list takes its key (never displayed).

    Built from data by ``from_data`` (every field checked, errors naming the key); constructing one
    directly checks only that the fields agree with each other."""

    id: str
    zone: str | None
    name: str
    kind: Kind
    list_type: ListType
    families: tuple[Family, ...] = ()
    importance: Importance = "minor"
    operator: str = ""
    status: ZoneStatus = "active"
    defunct_since: date | None = None
    default: bool = False
    key: KeyRequirement | None = None
    code_semantics: Literal["exact", "bitmask"] = "exact"
    codes: dict[str, str] = field(default_factory=dict)
    code_effects: dict[str, Effect] = field(default_factory=dict)
    error_codes: dict[str, ErrorCode] = field(default_factory=dict)
    #: 127.0.0.1 is a documented answer here (DroneBL, HostKarma), not the "query blocked" signal.
    loopback_is_code: bool = False
    failure_remedy: str = ""
    blocked_resolver_remedy: str = ""
    refuses_public_resolvers: bool = False
    test_points: ProbePoints | None = None
    health_check: bool = True
    covers: tuple[str, ...] = ()
    #: A domain list that also takes IPv4 literals found in URLs, asked as reversed octets (SURBL).
    ip_literals: bool = False
    #: Defunct lists: every zone under these domains is dead too (``sorbs.net`` covers all 18 SORBS zones).
    suffixes: tuple[str, ...] = ()
    #: Why a target of the other kind is not asked, beyond "lists domains only" (DBL's 127.0.1.255).
    other_kind_note: str = ""
    #: The operator's page where a listed target is looked up and delisted; ``{target}`` is filled in.
    lookup_url: str = ""
    #: Where that address was confirmed; anything short of "operator" is shown with a caveat.
    lookup_evidence: LookupEvidence = "unverified"
    #: Why a list once in the default set no longer is (kept queryable by name).
    demoted: str = ""
    #: When the sources were last read to confirm this entry (None: taken from the reference unchecked).
    verified: date | None = None
    #: Why ``verified`` is empty: what was searched or read, and what it did not confirm.
    unverified_reason: str = ""
    #: Not in the catalog: a zone given by name with ``--zones``, tried for whatever kind of target.
    adhoc: bool = False
    confidence: Literal["high", "medium", "low"] = "low"
    notes: str = ""
    sources: tuple[str, ...] = ()

    @classmethod
    def from_data(cls, raw: Any) -> ZoneEntry:
        """Raises Invalid naming each bad field (``list_type: Input should be 'block', …``)."""
        f = Fields(raw, "ZoneEntry")
        values: dict[str, Any] = {
            "id": f.get("id", text(pattern=_ID, max_length=64)),
            "zone": f.get("zone", optional(_zone_is_a_name)),
            "name": f.get("name", text(min_length=1, max_length=120)),
            "kind": f.get("kind", one_of(*get_args(Kind))),
            "families": f.get("families", tuple_of(one_of(*get_args(Family))), ()),
            "list_type": f.get("list_type", one_of(*get_args(ListType))),
            "importance": f.get("importance", one_of(*get_args(Importance)), "minor"),
            "operator": f.get("operator", any_text, ""),
            "status": f.get("status", one_of(*get_args(ZoneStatus)), "active"),
            "defunct_since": f.get("defunct_since", optional(iso_date), None),
            "default": f.get("default", boolean, False),
            "key": f.get("key", optional(KeyRequirement.from_data), None),
            "code_semantics": f.get("code_semantics", one_of("exact", "bitmask"), "exact"),
            "codes": f.get("codes", _code_keys(any_text), {}),
            "code_effects": f.get("code_effects", _code_keys(_EFFECTS), {}),
            "error_codes": f.get("error_codes", _code_keys(ErrorCode.from_data), {}),
            "loopback_is_code": f.get("loopback_is_code", boolean, False),
            "failure_remedy": f.get("failure_remedy", any_text, ""),
            "blocked_resolver_remedy": f.get("blocked_resolver_remedy", any_text, ""),
            "refuses_public_resolvers": f.get("refuses_public_resolvers", boolean, False),
            "test_points": f.get("test_points", optional(ProbePoints.from_data), None),
            "health_check": f.get("health_check", boolean, True),
            "covers": f.get("covers", tuple_of(any_text), ()),
            "ip_literals": f.get("ip_literals", boolean, False),
            "suffixes": f.get("suffixes", tuple_of(any_text), ()),
            "other_kind_note": f.get("other_kind_note", any_text, ""),
            "lookup_url": f.get("lookup_url", any_text, ""),
            "lookup_evidence": f.get("lookup_evidence", one_of(*get_args(LookupEvidence)), "unverified"),
            "demoted": f.get("demoted", any_text, ""),
            "verified": f.get("verified", optional(iso_date), None),
            "unverified_reason": f.get("unverified_reason", any_text, ""),
            "adhoc": f.get("adhoc", boolean, False),
            "confidence": f.get("confidence", one_of("high", "medium", "low"), "low"),
            "notes": f.get("notes", any_text, ""),
            "sources": f.get("sources", tuple_of(any_text), ()),
        }
        f.done()
        return cls(**values)

    def as_data(self) -> dict[str, Any]:
        """The entry as plain data ``from_data`` reads back (overrides are merged into this)."""
        data = {name: getattr(self, name) for name in _ZONE_FIELDS}
        data["key"] = None if self.key is None else {"name": self.key.name, "env": self.key.env}
        data["error_codes"] = {
            c: {"meaning": e.meaning, "remedy": e.remedy} for c, e in self.error_codes.items()
        }
        if self.test_points is not None:
            data["test_points"] = {
                "listed": self.test_points.listed,
                "not_listed": self.test_points.not_listed,
            }
        return data

    def __post_init__(self) -> None:
        try:
            self._consistent()
        except ValueError as error:
            raise Invalid([((), f"Value error, {error}")], "ZoneEntry") from None

    def _consistent(self) -> None:
        has_placeholder = self.zone is not None and KEY_PLACEHOLDER in self.zone
        if has_placeholder != (self.key is not None):
            raise ValueError("a zone takes '{key}' exactly when it declares a key requirement")
        if self.zone is None and self.status != "subscriber-only":
            raise ValueError("only a subscriber-only list may have no zone")
        if self.kind == "domain" and self.families:
            raise ValueError("domain lists have no address families")
        if self.kind == "ip" and self.zone is not None and not self.families:
            raise ValueError("an IP list needs at least one address family")
        if self.ip_literals and self.kind != "domain":
            raise ValueError("ip_literals is for domain lists that also take IP literals")
        if self.list_type not in _MAY_ANSWER_NON_LISTING:
            odd = sorted(code for code, effect in self.code_effects.items() if effect in _NON_LISTING_EFFECTS)
            if odd:
                raise ValueError(
                    f"a {self.list_type} list answers listings only: codes {', '.join(odd)} cannot be "
                    "neutral or good (document them as error codes, or make the list an allowlist)"
                )

    def lookup_link(self, target: str) -> str:
        """The operator's lookup/delisting page for ``target`` ("" when the catalog has none)."""
        return self.lookup_url.replace("{target}", quote(target, safe=":")) if self.lookup_url else ""

    @cached_property
    def display_zone(self) -> str:
        """The zone as shown to people: a key placeholder, never a key."""
        if self.zone is None:
            return "(no public zone)"
        return self.zone.replace(KEY_PLACEHOLDER, MASKED_KEY)

    @cached_property
    def code_table(self) -> tuple[tuple[Network, str], ...]:
        return _most_specific_first((parse_code(code), meaning) for code, meaning in self.codes.items())

    @cached_property
    def effect_table(self) -> tuple[tuple[Network, Effect], ...]:
        return _most_specific_first((parse_code(code), effect) for code, effect in self.code_effects.items())

    @cached_property
    def error_table(self) -> tuple[tuple[Network, ErrorCode], ...]:
        return _most_specific_first((parse_code(code), error) for code, error in self.error_codes.items())

    @property
    def default_effect(self) -> Effect:
        return _DEFAULT_EFFECT[self.list_type]

    def counts_as_block(self) -> bool:
        return self.list_type in ("block", "mixed")


def _most_specific_first(pairs: Iterable[tuple[Network, T]]) -> tuple[tuple[Network, T], ...]:
    return tuple(sorted(pairs, key=lambda pair: -pair[0].prefixlen))


def lookup_code(table: tuple[tuple[Network, T], ...], address: ipaddress.IPv4Address) -> T | None:
    for network, value in table:
        if network.version == 4 and address in network:
            return value
    return None


@dataclass(frozen=True)
class CatalogDefaults:
    ip_test_points: ProbePoints
    ipv6_test_points: ProbePoints
    domain_test_points: ProbePoints
    #: Error codes of every zone, catalogued or not, unless the zone documents the code itself
    #: (Spamhaus' 127.255.255.0/24: no list uses it for listings).
    error_codes: dict[str, ErrorCode] = field(default_factory=dict)
    error_codes_source: str = ""
    source: str = ""

    @classmethod
    def from_data(cls, raw: Any) -> CatalogDefaults:
        f = Fields(raw, "CatalogDefaults")
        made = cls(
            ip_test_points=f.get("ip_test_points", ProbePoints.from_data),
            ipv6_test_points=f.get("ipv6_test_points", ProbePoints.from_data),
            domain_test_points=f.get("domain_test_points", ProbePoints.from_data),
            error_codes=f.get("error_codes", _code_keys(ErrorCode.from_data), {}),
            error_codes_source=f.get("error_codes_source", any_text, ""),
            source=f.get("source", any_text, ""),
        )
        f.done()
        return made


@dataclass(frozen=True)
class Catalog:
    """All known zones, by id, in catalog order; each entry carries the catalog-wide error codes it
    does not document itself."""

    zones: tuple[ZoneEntry, ...]
    defaults: CatalogDefaults

    def __post_init__(self) -> None:
        seen: set[str] = set()
        problems: list[str] = []
        for entry in self.zones:
            if entry.id in seen:
                problems.append(f"zone id {entry.id!r} appears twice")
            seen.add(entry.id)
        for entry in self.zones:
            unknown = [other for other in entry.covers if other not in seen]
            if unknown:
                problems.append(f"zone {entry.id!r} covers unknown zone ids: {', '.join(unknown)}")
        if problems:
            raise Invalid([((), f"Value error, {problems[0]}")], "Catalog")
        object.__setattr__(self, "zones", tuple(with_default_errors(e, self.defaults) for e in self.zones))

    @cached_property
    def by_id(self) -> dict[str, ZoneEntry]:
        return {entry.id: entry for entry in self.zones}

    def find(self, name: str) -> ZoneEntry | None:
        """An entry by catalog id or by its exact (unkeyed) zone name; a zone under a defunct operator's
        domain (``spam.dnsbl.sorbs.net``) is that operator's dead list."""
        wanted = name.strip().rstrip(".").lower()
        if wanted in self.by_id:
            return self.by_id[wanted]
        exact = next((entry for entry in self.zones if entry.zone == wanted), None)
        return exact if exact is not None else self.defunct_match(wanted)

    def defunct_match(self, zone: str) -> ZoneEntry | None:
        """The defunct entry whose ``suffixes`` cover ``zone``, re-labelled with that zone's name."""
        for entry in self.zones:
            if entry.status != "defunct":
                continue
            if any(zone == suffix or zone.endswith("." + suffix) for suffix in entry.suffixes):
                return replace(
                    entry,
                    id="defunct-" + re.sub(r"[^a-z0-9-]", "-", zone)[:55],
                    zone=zone,
                    default=False,
                    name=f"{entry.name}: {zone}",
                    covers=(),
                )
        return None

    def keyed_match(self, zone: str) -> tuple[ZoneEntry, str] | None:
        """``KEY.zen.dq.spamhaus.net`` -> (the keyed entry, ``KEY``), or None."""
        zone = zone.strip().rstrip(".")
        for entry in self.zones:
            if entry.zone is None or entry.key is None:
                continue
            suffix = entry.zone.split(KEY_PLACEHOLDER, 1)[1]
            if zone.lower().endswith(suffix) and len(zone) > len(suffix):
                key = zone[: -len(suffix)]
                if "." not in key:
                    return entry, key
        return None

    def keyed_service(self, zone: str) -> tuple[KeyRequirement, str, str] | None:
        """A zone the catalog does not know under a keyed service's domain (``KEY.zne.dq.spamhaus.net``,
        a typo or a list added since): (that service's key requirement, the key — its first label — and
        the zone with ``{key}`` in its place), so the key is masked as for a catalogued keyed zone."""
        zone = zone.strip().rstrip(".")
        for entry in self.zones:
            if entry.zone is None or entry.key is None:
                continue
            service = entry.zone.split(KEY_PLACEHOLDER + ".", 1)[1].split(".", 1)[1]  # dq.spamhaus.net
            suffix = "." + service
            # KEY.list.<service>: a key and at least one list label before the service's domain
            if zone.lower().endswith(suffix) and zone[: -len(suffix)].count(".") >= 1:
                key, rest = zone.split(".", 1)
                return entry.key, key, f"{KEY_PLACEHOLDER}.{rest.lower()}"
        return None

    def probes_for(self, entry: ZoneEntry, family: Family | None) -> ProbePoints:
        """The RFC 5782 probes for one zone and address family (the zone's own, else the defaults);
        ``family`` None asks for the domain probes (a domain target, or a domain list's IP literals)."""
        if entry.kind == "domain" or family is None:
            return entry.test_points or self.defaults.domain_test_points
        default = self.defaults.ipv6_test_points if family == "ipv6" else self.defaults.ip_test_points
        if entry.test_points is None:
            return default
        wanted_v6 = family == "ipv6"
        listed = tuple(p for p in entry.test_points.listed if (":" in p) == wanted_v6)
        not_listed = tuple(p for p in entry.test_points.not_listed if (":" in p) == wanted_v6)
        return ProbePoints(listed=listed, not_listed=not_listed) if listed else default


def with_default_errors(entry: ZoneEntry, defaults: CatalogDefaults) -> ZoneEntry:
    """``entry`` with the catalog-wide error codes it does not document itself. A code inside a
    range the entry documents is the entry's (Abusix's own words for 127.255.255.0/24 replace the
    Spamhaus meanings of .250-.255, which are more specific and would otherwise be looked up first)."""
    own = [parse_code(code) for code in entry.error_codes]
    missing = {
        code: error
        for code, error in defaults.error_codes.items()
        if code not in entry.error_codes and not any(_within(parse_code(code), network) for network in own)
    }
    if not missing:
        return entry
    return replace(entry, error_codes={**entry.error_codes, **missing})


def _within(inner: Network, outer: Network) -> bool:
    return inner.version == outer.version and inner.subnet_of(outer)  # type: ignore[arg-type]


def catalog_from_data(data: dict[str, Any]) -> Catalog:
    """The catalog in a parsed data file (raises Invalid naming the bad field: ``zones.3.kind: …``)."""
    problems: list[tuple[Loc, str]] = []
    zones: list[ZoneEntry] = []
    for index, raw in enumerate(data.get("zones", [])):
        try:
            zones.append(ZoneEntry.from_data(raw))
        except Invalid as error:
            problems += [(("zones", index, *loc), msg) for loc, msg in error.problems]
    try:
        defaults = CatalogDefaults.from_data(data.get("defaults", {}))
    except Invalid as error:
        problems += [(("defaults", *loc), msg) for loc, msg in error.problems]
    if problems:
        raise Invalid(problems, "Catalog")
    return Catalog(zones=tuple(zones), defaults=defaults)


_ZONE_FIELDS = tuple(f.name for f in dataclass_fields(ZoneEntry))
