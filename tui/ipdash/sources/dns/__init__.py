"""The resolver side of blocklist and rDNS checks (dnspython), the run orchestration and the results store.

Typical use (the CLI; a TUI worker does the same and keeps a ``Checker`` between runs)::

    settings = build_check_settings(config.blocklists, CheckChoices(nameserver=...))
    report = await check_targets(parse_targets(texts), settings=settings, on_result=callback)

Names are imported on first use (PEP 562).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ipdash.domain.lazy_names import lazy_names

if TYPE_CHECKING:
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

#: Where each public name lives; imported on first use, so importing one module of this package does not
#: load all of them (`ipdash check` imports only what the sweep needs).
_HOME = {
    "BlocklistChecks": "ipdash.sources.dns.service",
    "CheckChoices": "ipdash.sources.dns.configure",
    "CheckRun": "ipdash.sources.dns.service",
    "CheckSettings": "ipdash.sources.dns.checker",
    "Checker": "ipdash.sources.dns.checker",
    "DnsClient": "ipdash.sources.dns.client",
    "NoNameserverError": "ipdash.sources.dns.configure",
    "ResultsStore": "ipdash.sources.dns.store",
    "StoredChecks": "ipdash.sources.dns.store",
    "build_check_settings": "ipdash.sources.dns.configure",
    "check_targets": "ipdash.sources.dns.checker",
    "results_path": "ipdash.sources.dns.configure",
    "shipped_catalog": "ipdash.sources.dns.configure",
    "system_nameserver": "ipdash.sources.dns.configure",
}

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


__getattr__, __dir__ = lazy_names(__name__, globals(), _HOME)
