"""Blocklist / rDNS checks inside the TUI: `b`, polite periodic re-checks, results into panels.

The checks themselves live in ipdash.sources.dns (BlocklistChecks); this module
only decides when to run them and turns results into feed lines and table cells.
Nothing is queried on its own until the user has pressed `b` once for an IP:
periodic re-checks cover IPs that already have a (stored) result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ipdash.domain.models import BlocklistSignal, Dataset
from ipdash.ui.widgets.breach_feed import FeedItem

if TYPE_CHECKING:
    from ipdash.domain.dnsbl.results import TargetResult
    from ipdash.sources.dns import BlocklistChecks

RECHECK_POLL_SECONDS = 600.0  # how often to look for IPs whose results are older than recheck_hours


def build_checks(blocklists: Mapping[str, Any], dataset: Dataset) -> tuple[BlocklistChecks | None, str]:
    """The checks service (loads stored results), or None and why it is unavailable. Blocking: call from a thread."""
    from ipdash.domain.dnsbl.plan import ZoneSelectionError
    from ipdash.domain.dnsbl.settings import BlocklistConfigError
    from ipdash.sources.dns import BlocklistChecks, CheckChoices, NoNameserverError

    shared = frozenset(ip for ip, facts in dataset.facts.items() if facts.kind == "shared")
    try:
        return BlocklistChecks(blocklists, choices=CheckChoices(shared_ips=shared)), ""
    except (BlocklistConfigError, ZoneSelectionError, NoNameserverError) as error:
        return None, str(error)


def signals(checks: BlocklistChecks | None, ips: Iterable[str]) -> dict[str, BlocklistSignal]:
    """The score's blocklist input per IP (only IPs that have results)."""
    if checks is None:
        return {}
    found = {ip: checks.signal(ip) for ip in ips}
    return {ip: signal for ip, signal in found.items() if signal is not None}


def cells(
    checks: BlocklistChecks | None, ips: Iterable[str], checking: set[str]
) -> dict[str, tuple[str, str]]:
    from ipdash.ui.widgets.blocklist_panel import blocklist_cell

    if checks is None:
        return {}
    return {ip: blocklist_cell(checks.results.get(ip), checking=ip in checking) for ip in ips}


def feed_items(results: Iterable[TargetResult]) -> list[FeedItem]:
    """Current listings and rDNS failures, as breaches: Spamhaus and major lists critical, the rest warn."""
    items = []
    for result in results:
        since = result.checked_at.date()
        for zone in result.listed:
            severity = "critical" if zone.importance in ("critical", "major") else "warn"
            codes = ", ".join(zone.codes)
            items.append(
                FeedItem(
                    severity=severity,
                    since=since,
                    ip=result.target,
                    what=f"listed · {zone.name}",
                    detail=codes or zone.reason,
                    source=f"{zone.zone}: {zone.reason}",
                )
            )
        if result.rdns_failed and result.rdns is not None:
            items.append(
                FeedItem(
                    severity="warn",
                    since=since,
                    ip=result.target,
                    what=f"rDNS · {result.rdns.fcrdns.value}",
                    detail=result.rdns.reason,
                    source="rDNS: Gmail, Yahoo and Microsoft require forward-confirmed rDNS",
                )
            )
    return items
