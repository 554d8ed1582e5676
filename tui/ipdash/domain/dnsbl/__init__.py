"""DNSBL and reverse-DNS judging: catalog, query names, verdicts, health, summaries, score signal.

Pure, stdlib only: the models are dataclasses read by ``fields`` (``ipdash check`` loads no pydantic).
The resolver side lives in ``ipdash.sources.dns``.
"""

from ipdash.domain.dnsbl.catalog import Catalog, ZoneEntry, catalog_from_data
from ipdash.domain.dnsbl.health import judge_health
from ipdash.domain.dnsbl.judge import HealthState, Status, Verdict, ZoneHealth, judge_addresses, judge_lookup
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
