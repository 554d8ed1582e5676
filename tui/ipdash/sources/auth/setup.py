"""Everything one domain-check run needs, for the sample data (offline, from the bundled zone snapshot)
or for the user's config (the blocklist checks' resolver: [blocklists] nameserver, else the system's)."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from ipdash.domain.auth.config import DomainSpec, SendingDomainEntry, domain_specs
from ipdash.domain.auth.judge import DomainAuth
from ipdash.domain.dnsbl.settings import Nameserver
from ipdash.sources.auth.lookups import Lookups, Resolver
from ipdash.sources.auth.ptr import ptr_check
from ipdash.sources.auth.runner import AuthRunner
from ipdash.sources.auth.snapshot import SnapshotError, SnapshotResolver
from ipdash.sources.dns.checker import CheckSettings
from ipdash.sources.dns.client import DnsClient
from ipdash.sources.dns.configure import CheckChoices, build_check_settings, shipped_catalog
from ipdash.sources.paths import sample_data_dir

SNAPSHOT_FILE = "dns_snapshot.json"
SAMPLE_DOMAINS_FILE = "domains.toml"


class DomainSetupError(ValueError):
    """The run cannot start: bad sample files, or no resolver."""


@dataclass(frozen=True)
class DomainRun:
    specs: tuple[DomainSpec, ...]
    resolver: Resolver
    settings: CheckSettings
    label: str
    is_sample: bool

    async def run(self, now: Callable[[], datetime] | None = None) -> list[DomainAuth]:
        lookups = Lookups(self.resolver, timeout=self.settings.timeout, label=self.label)
        checks = ptr_check(self.settings, self.resolver if self.is_sample else None)
        clock = now or (lambda: datetime.now(UTC))
        async with AuthRunner(lookups, ptr_check=checks, now=clock) as runner:
            return await runner.check_all(self.specs)


def sample_entries() -> list[SendingDomainEntry]:
    path = sample_data_dir() / SAMPLE_DOMAINS_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return [SendingDomainEntry.model_validate(entry) for entry in data.get("domains", [])]
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as error:
        raise DomainSetupError(f"{path}: {error}") from None


def sample_run(pools: Mapping[str, str | None]) -> DomainRun:
    try:
        resolver = SnapshotResolver.from_file(sample_data_dir() / SNAPSHOT_FILE)
    except SnapshotError as error:
        raise DomainSetupError(str(error)) from None
    catalog, rules = shipped_catalog()
    settings = CheckSettings(catalog=catalog, plan=(), rules=rules, nameserver=Nameserver("127.0.0.1", 0))
    specs = tuple(domain_specs(sample_entries(), pools))
    return DomainRun(specs, resolver, settings, "sample data: bundled zone snapshot (offline)", True)


def live_run(
    entries: Iterable[SendingDomainEntry],
    blocklists: Mapping[str, Any],
    pools: Mapping[str, str | None],
    sending_domains: Mapping[str, Iterable[str]],
) -> DomainRun:
    """Raises the blocklist settings' errors (BlocklistConfigError, NoNameserverError)."""
    settings = build_check_settings(blocklists, CheckChoices(zones=()))
    specs = tuple(domain_specs(list(entries), pools, sending_domains))
    return DomainRun(specs, DnsClient(settings.nameserver), settings, settings.resolver_label, False)
