"""Check results for the analysis from a headless command: the stored ones, or a fresh run that is then
stored, each with the re-check interval that marks them stale."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from ipdash.domain.checks import CheckResults
from ipdash.domain.dnsbl.settings import Nameserver, parse_blocklist_settings
from ipdash.sources.dns.configure import CheckChoices, results_path
from ipdash.sources.dns.store import ResultsStore


def stored_check_results(blocklists: Mapping[str, Any], now: datetime) -> tuple[CheckResults, list[str]]:
    """Every stored result (the analysis uses only those of IPs in its data), and the store's problems."""
    stored = ResultsStore(results_path(blocklists)).load()
    interval = timedelta(hours=parse_blocklist_settings(blocklists).recheck_hours)
    return CheckResults(stored.results, now=now, stale_after=interval), stored.problems


def fresh_check_results(
    blocklists: Mapping[str, Any],
    ips: Iterable[str],
    *,
    now: datetime,
    nameserver: Nameserver | None = None,
    shared_ips: frozenset[str] = frozenset(),
) -> tuple[CheckResults, list[str]]:
    """Check ``ips`` now (and store the results). Raises BlocklistConfigError, ZoneSelectionError or
    NoNameserverError when the checks cannot run at all."""
    from ipdash.sources.dns.service import BlocklistChecks

    service = BlocklistChecks(blocklists, choices=CheckChoices(nameserver=nameserver, shared_ips=shared_ips))

    async def run() -> None:
        try:
            await service.check(list(ips))
        finally:
            await service.aclose()

    asyncio.run(run())
    return CheckResults(dict(service.results), now=now, stale_after=service.interval), service.problems
