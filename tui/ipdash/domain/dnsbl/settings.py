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
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ipdash.domain.dnsbl.catalog import Catalog, ZoneEntry

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,62}$")


class BlocklistConfigError(ValueError):
    """The [blocklists] section cannot be used; each line names the key."""


class KeySetting(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    key_env: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")


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


class BlocklistSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    zones: tuple[str, ...] = ("default",)
    exclude: tuple[str, ...] = ()
    extra_zones: tuple[dict[str, Any], ...] = ()
    overrides: dict[str, dict[str, Any]] = Field(default_factory=dict)
    keys: dict[str, KeySetting] = Field(default_factory=dict)
    nameserver: str | None = None
    timeout_seconds: float = Field(default=2.5, gt=0, le=30)
    deadline_seconds: float = Field(default=60.0, gt=0, le=3600)
    concurrency: int = Field(default=50, ge=1, le=100)
    recheck_hours: float = Field(default=6.0, ge=0.25, le=720)
    health_cache_minutes: float = Field(default=15.0, ge=1, le=1440)
    rdns: bool = True
    ptr_limit: int | None = Field(default=None, ge=1, le=50)
    results_file: str | None = None

    @field_validator("nameserver")
    @classmethod
    def _nameserver_parses(cls, value: str | None) -> str | None:
        if value is not None:
            parse_nameserver(value)
        return value

    @property
    def parsed_nameserver(self) -> Nameserver | None:
        return parse_nameserver(self.nameserver) if self.nameserver else None


def parse_blocklist_settings(raw: Mapping[str, Any]) -> BlocklistSettings:
    try:
        return BlocklistSettings.model_validate(dict(raw))
    except ValidationError as error:
        raise BlocklistConfigError(_describe(error, "blocklists")) from None


def _describe(error: ValidationError, prefix: str) -> str:
    lines = []
    for problem in error.errors():
        where = ".".join([prefix, *(str(part) for part in problem["loc"])])
        lines.append(f"{where}: {problem['msg']}")
    return "\n".join(lines)


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
            entries.append(ZoneEntry.model_validate(raw))
        except ValidationError as error:
            raise BlocklistConfigError(_describe(error, f"blocklists.extra_zones.{index}")) from None
    try:
        catalog = Catalog(zones=tuple(entries), defaults=base.defaults)
    except ValidationError as error:
        raise BlocklistConfigError(_describe(error, "blocklists")) from None
    key_names = {entry.key.name for entry in catalog.zones if entry.key is not None}
    unknown_keys = sorted(set(settings.keys) - key_names)
    if unknown_keys:
        known = ", ".join(sorted(key_names))
        raise BlocklistConfigError(
            f"blocklists.keys: unknown key name(s) {', '.join(unknown_keys)} (known: {known})"
        )
    return catalog


def _overridden(entry: ZoneEntry, changes: dict[str, Any]) -> ZoneEntry:
    merged = entry.model_dump()
    for field, value in changes.items():
        if field == "id":
            raise BlocklistConfigError(f"blocklists.overrides.{entry.id}.id: the id cannot be overridden")
        if field in ("codes", "code_effects", "error_codes") and isinstance(value, dict):
            merged[field] = {**merged[field], **value}
        else:
            merged[field] = value
    if "lookup_url" in changes and "lookup_evidence" not in changes:
        merged["lookup_evidence"] = "unverified"  # the catalog's evidence was for its own address
    try:
        return ZoneEntry.model_validate(merged)
    except ValidationError as error:
        raise BlocklistConfigError(_describe(error, f"blocklists.overrides.{entry.id}")) from None


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
