"""The resolver side of blocklist and rDNS checks (dnspython), the run orchestration and the results store.

Typical use (the CLI; a TUI worker does the same and keeps a ``Checker`` between runs)::

    settings = build_check_settings(config.blocklists, CheckChoices(nameserver=...))
    report = await check_targets(parse_targets(texts), settings=settings, on_result=callback)
"""

from ipdash.sources.dns.checker import Checker, CheckSettings, check_targets
from ipdash.sources.dns.client import DnsClient
from ipdash.sources.dns.configure import (
    CheckChoices,
    NoNameserverError,
    build_check_settings,
    results_path,
    shipped_catalog,
    system_nameserver,
)
from ipdash.sources.dns.service import BlocklistChecks, CheckRun
from ipdash.sources.dns.store import ResultsStore, StoredChecks

__all__ = [
    "BlocklistChecks",
    "CheckChoices",
    "CheckRun",
    "CheckSettings",
    "Checker",
    "DnsClient",
    "NoNameserverError",
    "ResultsStore",
    "StoredChecks",
    "build_check_settings",
    "check_targets",
    "results_path",
    "shipped_catalog",
    "system_nameserver",
]
