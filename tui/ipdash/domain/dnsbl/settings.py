"""The ``[blocklists]`` config section, the catalog with the user's changes, keys, and nameservers.

```toml
[blocklists]
zones = ["default", "spamhaus-dbl"]   # catalog ids, zone names, or "default"
exclude = ["dronebl"]
nameserver = "127.0.0.1:5353"         # every query goes there (default: the system resolver)
timeout_seconds = 2.5                 # per query; one retry on timeout
deadline_seconds = 60                 # the whole run
concurrency = 50                      # queries in flight at most (the window shrinks on loss)
recheck_hours = 6
health_cache_minutes = 15

[blocklists.keys.spamhaus-dqs]
key_env = "MY_DQS_KEY"                # keys only by environment variable, never in the file

[blocklists.overrides.spamcop]
importance = "minor"

[[blocklists.extra_zones]]
id = "example-bl"
zone = "bl.example.net"
name = "Example BL"
kind = "ip"
families = ["ipv4"]
list_type = "block"
codes = { "127.0.0.2" = "listed" }
```
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ipdash.domain.dnsbl.catalog import Catalog, ZoneEntry
from ipdash.domain.dnsbl.fields import (
    Fields,
    Invalid,
    any_text,
    boolean,
    describe,
    dict_of,
    integer,
    number,
    optional,
    text,
    tuple_of,
)

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,62}$")


class BlocklistConfigError(ValueError):
    """The [blocklists] section cannot be used; each line names the key."""


@dataclass(frozen=True)
class KeySetting:
    key_env: str

    @classmethod
    def from_data(cls, raw: Any) -> KeySetting:
        f = Fields(raw, "KeySetting")
        key_env = f.get("key_env", text(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$"))
        f.done()
        return cls(key_env=key_env)


@dataclass(frozen=True, slots=True)
class Nameserver:
    host: str
    port: int = 53

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_nameserver(text: str) -> Nameserver:
    """``HOST``, ``HOST:PORT``, ``[IPv6]:PORT`` or a bare IPv6 address; HOST must be an IP address."""
    raw = text.strip()
    host, port_text = raw, None
    if raw.startswith("["):
        host, closed, rest = raw[1:].partition("]")
        if not closed or (rest and not rest.startswith(":")):
            raise ValueError(f"nameserver {text!r}: expected [IPv6]:PORT")
        port_text = rest[1:] if rest else None
    elif raw.count(":") == 1:
        host, port_text = raw.split(":")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"nameserver {text!r}: HOST must be an IP address") from None
    port = 53
    if port_text is not None:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"nameserver {text!r}: PORT must be a number from 1 to 65535")
        port = int(port_text)
    return Nameserver(str(address), port)


def _nameserver_parses(value: Any) -> str:
    parse_nameserver(any_text(value))
    return str(value)


def _table(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise Invalid([((), "Input should be a valid dictionary")])
    return dict(value)


@dataclass(frozen=True)
class BlocklistSettings:
    zones: tuple[str, ...] = ("default",)
    exclude: tuple[str, ...] = ()
    extra_zones: tuple[dict[str, Any], ...] = ()
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, KeySetting] = field(default_factory=dict)
    nameserver: str | None = None
    timeout_seconds: float = 2.5
    deadline_seconds: float = 60.0
    concurrency: int = 50
    recheck_hours: float = 6.0
    health_cache_minutes: float = 15.0
    rdns: bool = True
    ptr_limit: int | None = None
    results_file: str | None = None

    @classmethod
    def from_data(cls, raw: Any) -> BlocklistSettings:
        """Raises Invalid naming each bad key (``timeout_seconds: Input should be greater than 0``)."""
        f = Fields(raw, "BlocklistSettings")
        made = cls(
            zones=f.get("zones", tuple_of(any_text), ("default",)),
            exclude=f.get("exclude", tuple_of(any_text), ()),
            extra_zones=f.get("extra_zones", tuple_of(_table), ()),
            overrides=f.get("overrides", dict_of(_table), {}),
            keys=f.get("keys", dict_of(KeySetting.from_data), {}),
            nameserver=f.get("nameserver", optional(_nameserver_parses), None),
            timeout_seconds=f.get("timeout_seconds", number(gt=0, le=30), 2.5),
            deadline_seconds=f.get("deadline_seconds", number(gt=0, le=3600), 60.0),
            concurrency=f.get("concurrency", integer(ge=1, le=100), 50),
            recheck_hours=f.get("recheck_hours", number(ge=0.25, le=720), 6.0),
            health_cache_minutes=f.get("health_cache_minutes", number(ge=1, le=1440), 15.0),
            rdns=f.get("rdns", boolean, True),
            ptr_limit=f.get("ptr_limit", optional(integer(ge=1, le=50)), None),
            results_file=f.get("results_file", optional(any_text), None),
        )
        f.done()
        return made

    @property
    def parsed_nameserver(self) -> Nameserver | None:
        return parse_nameserver(self.nameserver) if self.nameserver else None


def parse_blocklist_settings(raw: Mapping[str, Any]) -> BlocklistSettings:
    try:
        return BlocklistSettings.from_data(dict(raw))
    except Invalid as error:
        raise BlocklistConfigError(describe(error, "blocklists")) from None


def build_catalog(base: Catalog, settings: BlocklistSettings) -> Catalog:
    """The shipped catalog with the user's overrides applied and extra zones appended."""
    entries: list[ZoneEntry] = []
    for entry in base.zones:
        changes = settings.overrides.get(entry.id)
        entries.append(_overridden(entry, changes) if changes else entry)
    unknown = sorted(set(settings.overrides) - {entry.id for entry in base.zones})
    if unknown:
        raise BlocklistConfigError(f"blocklists.overrides: unknown zone id(s): {', '.join(unknown)}")
    for index, raw in enumerate(settings.extra_zones):
        try:
            entries.append(ZoneEntry.from_data(raw))
        except Invalid as error:
            raise BlocklistConfigError(describe(error, f"blocklists.extra_zones.{index}")) from None
    try:
        catalog = Catalog(zones=tuple(entries), defaults=base.defaults)
    except Invalid as error:
        raise BlocklistConfigError(describe(error, "blocklists")) from None
    key_names = {entry.key.name for entry in catalog.zones if entry.key is not None}
    unknown_keys = sorted(set(settings.keys) - key_names)
    if unknown_keys:
        known = ", ".join(sorted(key_names))
        raise BlocklistConfigError(
            f"blocklists.keys: unknown key name(s) {', '.join(unknown_keys)} (known: {known})"
        )
    return catalog


def _overridden(entry: ZoneEntry, changes: dict[str, Any]) -> ZoneEntry:
    merged = entry.as_data()
    for name, value in changes.items():
        if name == "id":
            raise BlocklistConfigError(f"blocklists.overrides.{entry.id}.id: the id cannot be overridden")
        if name in ("codes", "code_effects", "error_codes") and isinstance(value, dict):
            merged[name] = {**merged[name], **value}
        else:
            merged[name] = value
    if "lookup_url" in changes and "lookup_evidence" not in changes:
        merged["lookup_evidence"] = "unverified"  # the catalog's evidence was for its own address
    try:
        return ZoneEntry.from_data(merged)
    except Invalid as error:
        raise BlocklistConfigError(describe(error, f"blocklists.overrides.{entry.id}")) from None


@dataclass(frozen=True, slots=True)
class KeyRing:
    """Keys by key name (``spamhaus-dqs``), and why others are unusable. Never printed: repr is masked."""

    keys: Mapping[str, str]
    problems: Mapping[str, str]

    def __repr__(self) -> str:
        return f"KeyRing(keys={sorted(self.keys)}, problems={dict(self.problems)})"

    def secrets(self) -> tuple[str, ...]:
        return tuple(self.keys.values())


def resolve_keys(catalog: Catalog, settings: BlocklistSettings, environ: Mapping[str, str]) -> KeyRing:
    """Each keyed list's key from the environment variable its config (or the catalog) names."""
    keys: dict[str, str] = {}
    problems: dict[str, str] = {}
    for entry in catalog.zones:
        if entry.key is None or entry.key.name in keys or entry.key.name in problems:
            continue
        configured = settings.keys.get(entry.key.name)
        variable = configured.key_env if configured else entry.key.env
        value = environ.get(variable, "").strip()
        if not value:
            problems[entry.key.name] = f"needs a key: set ${variable}"
        elif not _KEY.match(value):
            problems[entry.key.name] = f"the key in ${variable} is not a valid DNS label"
        else:
            keys[entry.key.name] = value
    return KeyRing(keys, problems)
