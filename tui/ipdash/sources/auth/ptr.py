"""PTR / FCrDNS for the domains' sending IPs, through the blocklist checker's rDNS path (no zones asked)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from ipdash.domain.auth.ptr import rdns_status
from ipdash.domain.auth.status import Status
from ipdash.domain.dnsbl.targets import TargetError, parse_targets
from ipdash.sources.auth.lookups import Resolver
from ipdash.sources.auth.runner import PtrCheck
from ipdash.sources.dns.checker import Checker, CheckSettings
from ipdash.sources.dns.client import DnsClient


def ptr_check(settings: CheckSettings, resolver: Resolver | None = None) -> PtrCheck:
    async def run(ips: Sequence[str]) -> Mapping[str, Status]:
        try:
            targets = parse_targets(list(ips))
        except TargetError:
            return {}
        client = resolver if resolver is not None else DnsClient(settings.nameserver)
        checker = Checker(replace(settings, plan=(), rdns=True), client=client)  # type: ignore[arg-type]
        async with checker:
            report = await checker.check(targets)
        return {result.target: rdns_status(result.rdns) for result in report.results}

    return run
