"""DNSBL and reverse-DNS judging: catalog, query names, verdicts, health, summaries, score signal.

Pure, stdlib only: the models are dataclasses read by ``fields`` (``ipdash check`` loads no pydantic).
The resolver side lives in ``ipdash.sources.dns``.

Names are imported on first use (PEP 562).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ipdash.domain.lazy_names import lazy_names

if TYPE_CHECKING:
    from ipdash.domain.dnsbl.catalog import Catalog, ZoneEntry, catalog_from_data
    from ipdash.domain.dnsbl.health import judge_health
    from ipdash.domain.dnsbl.judge import (
        HealthState,
        Status,
        Verdict,
        ZoneHealth,
        judge_addresses,
        judge_lookup,
    )
    from ipdash.domain.dnsbl.lookups import LookupOutcome, Rcode
    from ipdash.domain.dnsbl.plan import PlannedZone, ZoneSelectionError, select_zones, zones_for
    from ipdash.domain.dnsbl.rdns import Fcrdns, RdnsResult, RdnsRules, judge_rdns, rdns_rules_from_data
    from ipdash.domain.dnsbl.results import CheckReport, TargetResult, ZoneResult
    from ipdash.domain.dnsbl.score import (
        Finding,
        RunOutcome,
        new_findings,
        recheck_due,
        run_outcome,
        score_signal,
    )
    from ipdash.domain.dnsbl.settings import (
        BlocklistConfigError,
        BlocklistSettings,
        KeyRing,
        Nameserver,
        build_catalog,
        parse_blocklist_settings,
        parse_nameserver,
        resolve_keys,
    )
    from ipdash.domain.dnsbl.summary import ListingSummary, Overall, summarise
    from ipdash.domain.dnsbl.targets import Target, TargetError, parse_targets
    from ipdash.domain.dnsbl.text import sanitise_text

#: Where each public name lives; imported on first use, so importing one module of this package does not
#: load all of them (`ipdash check` imports only what the sweep needs).
_HOME = {
    "BlocklistConfigError": "ipdash.domain.dnsbl.settings",
    "BlocklistSettings": "ipdash.domain.dnsbl.settings",
    "Catalog": "ipdash.domain.dnsbl.catalog",
    "CheckReport": "ipdash.domain.dnsbl.results",
    "Fcrdns": "ipdash.domain.dnsbl.rdns",
    "Finding": "ipdash.domain.dnsbl.score",
    "HealthState": "ipdash.domain.dnsbl.judge",
    "KeyRing": "ipdash.domain.dnsbl.settings",
    "ListingSummary": "ipdash.domain.dnsbl.summary",
    "LookupOutcome": "ipdash.domain.dnsbl.lookups",
    "Nameserver": "ipdash.domain.dnsbl.settings",
    "Overall": "ipdash.domain.dnsbl.summary",
    "PlannedZone": "ipdash.domain.dnsbl.plan",
    "Rcode": "ipdash.domain.dnsbl.lookups",
    "RdnsResult": "ipdash.domain.dnsbl.rdns",
    "RdnsRules": "ipdash.domain.dnsbl.rdns",
    "RunOutcome": "ipdash.domain.dnsbl.score",
    "Status": "ipdash.domain.dnsbl.judge",
    "Target": "ipdash.domain.dnsbl.targets",
    "TargetError": "ipdash.domain.dnsbl.targets",
    "TargetResult": "ipdash.domain.dnsbl.results",
    "Verdict": "ipdash.domain.dnsbl.judge",
    "ZoneEntry": "ipdash.domain.dnsbl.catalog",
    "ZoneHealth": "ipdash.domain.dnsbl.judge",
    "ZoneResult": "ipdash.domain.dnsbl.results",
    "ZoneSelectionError": "ipdash.domain.dnsbl.plan",
    "build_catalog": "ipdash.domain.dnsbl.settings",
    "catalog_from_data": "ipdash.domain.dnsbl.catalog",
    "judge_addresses": "ipdash.domain.dnsbl.judge",
    "judge_health": "ipdash.domain.dnsbl.health",
    "judge_lookup": "ipdash.domain.dnsbl.judge",
    "judge_rdns": "ipdash.domain.dnsbl.rdns",
    "new_findings": "ipdash.domain.dnsbl.score",
    "parse_blocklist_settings": "ipdash.domain.dnsbl.settings",
    "parse_nameserver": "ipdash.domain.dnsbl.settings",
    "parse_targets": "ipdash.domain.dnsbl.targets",
    "rdns_rules_from_data": "ipdash.domain.dnsbl.rdns",
    "recheck_due": "ipdash.domain.dnsbl.score",
    "resolve_keys": "ipdash.domain.dnsbl.settings",
    "run_outcome": "ipdash.domain.dnsbl.score",
    "sanitise_text": "ipdash.domain.dnsbl.text",
    "score_signal": "ipdash.domain.dnsbl.score",
    "select_zones": "ipdash.domain.dnsbl.plan",
    "summarise": "ipdash.domain.dnsbl.summary",
    "zones_for": "ipdash.domain.dnsbl.plan",
}

__all__ = [
    "BlocklistConfigError",
    "BlocklistSettings",
    "Catalog",
    "CheckReport",
    "Fcrdns",
    "Finding",
    "HealthState",
    "KeyRing",
    "ListingSummary",
    "LookupOutcome",
    "Nameserver",
    "Overall",
    "PlannedZone",
    "Rcode",
    "RdnsResult",
    "RdnsRules",
    "RunOutcome",
    "Status",
    "Target",
    "TargetError",
    "TargetResult",
    "Verdict",
    "ZoneEntry",
    "ZoneHealth",
    "ZoneResult",
    "ZoneSelectionError",
    "build_catalog",
    "catalog_from_data",
    "judge_addresses",
    "judge_health",
    "judge_lookup",
    "judge_rdns",
    "new_findings",
    "parse_blocklist_settings",
    "parse_nameserver",
    "parse_targets",
    "rdns_rules_from_data",
    "recheck_due",
    "resolve_keys",
    "run_outcome",
    "sanitise_text",
    "score_signal",
    "select_zones",
    "summarise",
    "zones_for",
]


__getattr__, __dir__ = lazy_names(__name__, globals(), _HOME)
