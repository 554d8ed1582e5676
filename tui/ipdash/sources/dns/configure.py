"""Build a run's ``CheckSettings`` from the config file's [blocklists] section, command-line choices and
the environment (keys), reading the shipped catalog. Shared by `ipdash check` and the TUI."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from ipdash.domain.dnsbl.catalog import Catalog, catalog_from_data
from ipdash.domain.dnsbl.plan import select_zones
from ipdash.domain.dnsbl.rdns import RdnsRules, rdns_rules_from_data
from ipdash.domain.dnsbl.settings import (
    BlocklistConfigError,
    BlocklistSettings,
    Nameserver,
    build_catalog,
    parse_blocklist_settings,
    resolve_keys,
)
from ipdash.sources.dns.checker import CheckSettings
from ipdash.sources.paths import package_data_dir, user_data_dir

CATALOG_FILE = "dnsbl_zones.json"


class NoNameserverError(RuntimeError):
    """No nameserver was given and none could be read from the system configuration."""


@lru_cache(maxsize=4)
def _read_data(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def shipped_catalog(path: Path | None = None) -> tuple[Catalog, RdnsRules]:
    data = _read_data(path or package_data_dir() / CATALOG_FILE)
    return catalog_from_data(data), rdns_rules_from_data(data)


def system_nameserver() -> Nameserver:
    """The first nameserver of the system configuration (resolv.conf); never a public fallback."""
    import dns.resolver  # here, not at module level: `ipdash check --nameserver …` starts faster

    try:
        resolver = dns.resolver.Resolver(configure=True)
    except (dns.resolver.NoResolverConfiguration, OSError) as error:
        raise NoNameserverError(
            f"no system resolver configured ({error}); pass --nameserver HOST[:PORT]"
        ) from None
    nameservers = [str(ns) for ns in resolver.nameservers]
    if not nameservers:
        raise NoNameserverError("no system resolver configured; pass --nameserver HOST[:PORT]")
    return Nameserver(nameservers[0], resolver.port)


@dataclass(frozen=True)
class CheckChoices:
    """What the command line (or the TUI) chose; None keeps the config value."""

    zones: Sequence[str] | None = None
    nameserver: Nameserver | None = None
    timeout: float | None = None
    concurrency: int | None = None
    rdns: bool | None = None
    shared_ips: frozenset[str] = frozenset()
    include_private: bool = False


def build_check_settings(
    blocklists: Mapping[str, Any],
    choices: CheckChoices = CheckChoices(),
    *,
    environ: Mapping[str, str] | None = None,
    catalog_path: Path | None = None,
) -> CheckSettings:
    """Raises BlocklistConfigError (bad [blocklists]), ZoneSelectionError (bad --zones) or
    NoNameserverError."""
    settings = parse_blocklist_settings(blocklists)
    base, rules = shipped_catalog(catalog_path)
    catalog = build_catalog(base, settings)
    if settings.ptr_limit is not None:
        rules = replace(rules, ptr_limit=settings.ptr_limit)
    keys = resolve_keys(catalog, settings, os.environ if environ is None else environ)
    requested = choices.zones if choices.zones is not None else settings.zones
    plan = select_zones(catalog, requested, keys, exclude=settings.exclude if choices.zones is None else ())
    nameserver, label = _nameserver(settings, choices)
    return CheckSettings(
        catalog=catalog,
        plan=tuple(plan),
        rules=rules,
        nameserver=nameserver,
        resolver_label=label,
        timeout=choices.timeout if choices.timeout is not None else settings.timeout_seconds,
        deadline=settings.deadline_seconds,
        concurrency=choices.concurrency if choices.concurrency is not None else settings.concurrency,
        rdns=choices.rdns if choices.rdns is not None else settings.rdns,
        health_ttl=settings.health_cache_minutes * 60,
        shared_ips=choices.shared_ips,
        include_private=choices.include_private,
    )


def _nameserver(settings: BlocklistSettings, choices: CheckChoices) -> tuple[Nameserver, str]:
    if choices.nameserver is not None:
        return choices.nameserver, str(choices.nameserver)
    configured = settings.parsed_nameserver
    if configured is not None:
        return configured, f"{configured} (config)"
    system = system_nameserver()
    return system, f"{system} (system resolver)"


def results_path(blocklists: Mapping[str, Any]) -> Path:
    """Where check results are kept: [blocklists] results_file, else checks.json in the data dir."""
    try:
        configured = parse_blocklist_settings(blocklists).results_file
    except BlocklistConfigError:
        configured = None
    return Path(configured).expanduser() if configured else user_data_dir() / "checks.json"
