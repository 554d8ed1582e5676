"""The ``[[domains]]`` config section: sending domains, their DKIM selectors and the IPs (or pools) that
send as them; and the per-run specs built from it and from the IPs' ``sending_domains`` facts."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ipdash.domain.models import canonical_ip

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
_SELECTOR = re.compile(r"^[a-z0-9_](?:[a-z0-9_.-]{0,61}[a-z0-9])?$")


def _domain(value: str) -> str:
    name = value.strip().rstrip(".").lower()
    if not _DOMAIN.match(name):
        raise ValueError(f"{value[:80]!r} is not a domain name")
    return name


class SendingDomainEntry(BaseModel):
    """One ``[[domains]]`` table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    selectors: list[str] = Field(default_factory=list)
    """DKIM selectors to check (``s=`` of your signatures), e.g. ["s1", "s2"]."""
    ips: list[str] = Field(default_factory=list)
    pools: list[str] = Field(default_factory=list)
    """Every IP of these pools sends as this domain."""
    return_path: str | None = None
    """The envelope (Return-Path) domain SPF is checked on; the domain itself when absent."""
    dkim_domain: str | None = None
    """The d= domain of the signatures; the domain itself when absent."""

    @field_validator("name", "return_path", "dkim_domain")
    @classmethod
    def _valid_domain(cls, value: str | None) -> str | None:
        return None if value is None else _domain(value)

    @field_validator("selectors")
    @classmethod
    def _valid_selectors(cls, value: list[str]) -> list[str]:
        return [parse_selector(v) for v in value]

    @field_validator("ips")
    @classmethod
    def _valid_ips(cls, value: list[str]) -> list[str]:
        return [canonical_ip(v) for v in value]


def parse_selector(value: str) -> str:
    selector = value.strip().lower()
    if not _SELECTOR.match(selector):
        raise ValueError(f"{value[:80]!r} is not a DKIM selector")
    return selector


@dataclass(frozen=True, slots=True)
class DomainSpec:
    """What to check for one sending domain."""

    name: str
    selectors: tuple[str, ...] = ()
    ips: tuple[str, ...] = ()
    return_path: str | None = None
    dkim_domain: str | None = None

    @property
    def spf_domain(self) -> str:
        return self.return_path or self.name

    @property
    def signing_domain(self) -> str:
        return self.dkim_domain or self.name


def domain_specs(
    entries: Sequence[SendingDomainEntry],
    pools: Mapping[str, str | None],
    sending_domains: Mapping[str, Iterable[str]] | None = None,
) -> list[DomainSpec]:
    """Specs for the configured domains (pools resolved to IPs through ``pools``: ip → pool), then for
    domains that only appear in the IPs' ``sending_domains`` facts."""
    specs: dict[str, DomainSpec] = {}
    for entry in entries:
        ips = list(entry.ips) + [ip for ip, pool in pools.items() if pool is not None and pool in entry.pools]
        specs[entry.name] = DomainSpec(
            entry.name,
            tuple(entry.selectors),
            tuple(dict.fromkeys(ips)),
            entry.return_path,
            entry.dkim_domain,
        )
    extra: dict[str, list[str]] = {}
    for ip, domains in (sending_domains or {}).items():
        for domain in domains:
            try:
                name = _domain(domain)
            except ValueError:
                continue
            if name not in specs:
                extra.setdefault(name, []).append(ip)
    for name, ips in extra.items():
        specs[name] = DomainSpec(name, ips=tuple(ips))
    return list(specs.values())
