"""The zone catalog: which lists exist, what their answers mean, and how to query them.

Loaded from ``ipdash/data/dnsbl_zones.json`` (facts with sources) plus the user's ``[blocklists]``
overrides. Pure: the caller reads the file and passes the parsed dict.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from datetime import date
from functools import cached_property
from typing import Any, Literal, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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


def parse_code(text: str) -> Network:
    """An answer code (``127.0.0.2``) or a documented range (``127.255.255.0/24``) as a network."""
    try:
        return ipaddress.ip_network(text.strip(), strict=True)
    except ValueError as error:
        raise ValueError(f"{text!r} is not an address or a network: {error}") from None


def is_valid_zone_name(zone: str) -> bool:
    labels = zone.lower().split(".")
    return len(zone) <= 253 and len(labels) >= 2 and all(_LABEL.match(label) for label in labels)


class CatalogModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ErrorCode(CatalogModel):
    meaning: str
    remedy: str = ""


class KeyRequirement(CatalogModel):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    env: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")


class ProbePoints(CatalogModel):
    """RFC 5782 §5 probes: names (IPs or domain labels) that must and must not be listed."""

    listed: tuple[str, ...] = ()
    not_listed: tuple[str, ...] = ()


class ZoneEntry(CatalogModel):
    """One list. ``zone`` holds ``{key}`` where a keyed list takes its key (never displayed)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)
    zone: str | None
    name: str = Field(min_length=1, max_length=120)
    kind: Kind
    families: tuple[Family, ...] = ()
    list_type: ListType
    importance: Importance = "minor"
    operator: str = ""
    status: ZoneStatus = "active"
    defunct_since: date | None = None
    default: bool = False
    key: KeyRequirement | None = None
    code_semantics: Literal["exact", "bitmask"] = "exact"
    codes: dict[str, str] = Field(default_factory=dict)
    code_effects: dict[str, Effect] = Field(default_factory=dict)
    error_codes: dict[str, ErrorCode] = Field(default_factory=dict)
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
    #: Not in the catalog: a zone given by name with ``--zones``, tried for whatever kind of target.
    adhoc: bool = False
    confidence: Literal["high", "medium", "low"] = "low"
    notes: str = ""
    sources: tuple[str, ...] = ()

    @field_validator("zone")
    @classmethod
    def _zone_is_a_name(cls, zone: str | None) -> str | None:
        if zone is None:
            return None
        zone = zone.strip().rstrip(".").lower()
        if not is_valid_zone_name(zone.replace(KEY_PLACEHOLDER, "key")):
            raise ValueError(f"{zone!r} is not a valid DNS zone name")
        return zone

    @field_validator("codes", "code_effects", "error_codes")
    @classmethod
    def _codes_parse(cls, codes: dict[str, Any]) -> dict[str, Any]:
        for code in codes:
            parse_code(code)
        return codes

    @model_validator(mode="after")
    def _consistent(self) -> ZoneEntry:
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
        return self

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


class CatalogDefaults(CatalogModel):
    ip_test_points: ProbePoints
    ipv6_test_points: ProbePoints
    domain_test_points: ProbePoints
    #: Error codes of every zone, catalogued or not, unless the zone documents the code itself
    #: (Spamhaus' 127.255.255.0/24: no list uses it for listings).
    error_codes: dict[str, ErrorCode] = Field(default_factory=dict)
    error_codes_source: str = ""
    source: str = ""

    @field_validator("error_codes")
    @classmethod
    def _codes_parse(cls, codes: dict[str, Any]) -> dict[str, Any]:
        for code in codes:
            parse_code(code)
        return codes


class Catalog(CatalogModel):
    """All known zones, by id, in catalog order."""

    zones: tuple[ZoneEntry, ...]
    defaults: CatalogDefaults

    @model_validator(mode="after")
    def _ids_unique_and_covers_known(self) -> Catalog:
        seen: set[str] = set()
        for entry in self.zones:
            if entry.id in seen:
                raise ValueError(f"zone id {entry.id!r} appears twice")
            seen.add(entry.id)
        for entry in self.zones:
            unknown = [other for other in entry.covers if other not in seen]
            if unknown:
                raise ValueError(f"zone {entry.id!r} covers unknown zone ids: {', '.join(unknown)}")
        object.__setattr__(self, "zones", tuple(with_default_errors(e, self.defaults) for e in self.zones))
        return self

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
                data = entry.model_dump()
                data.update(id="defunct-" + re.sub(r"[^a-z0-9-]", "-", zone)[:55], zone=zone, default=False)
                data.update(name=f"{entry.name}: {zone}", covers=())
                return ZoneEntry.model_validate(data)
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
    """``entry`` with the catalog-wide error codes it does not document itself."""
    missing = {code: error for code, error in defaults.error_codes.items() if code not in entry.error_codes}
    if not missing:
        return entry
    merged = entry.model_copy(update={"error_codes": {**entry.error_codes, **missing}})
    merged.__dict__.pop("error_table", None)  # a cached table of the original would be stale
    return merged


def catalog_from_data(data: dict[str, Any]) -> Catalog:
    """The catalog in a parsed data file (raises pydantic.ValidationError naming the bad field)."""
    return Catalog.model_validate({"zones": data.get("zones", []), "defaults": data.get("defaults", {})})
