"""An IP's rDNS result (the blocklist checks' PTR / FCrDNS / generic-name verdict) as a checklist status."""

from __future__ import annotations

from ipdash.domain.auth.status import Status
from ipdash.domain.dnsbl.rdns import Fcrdns, RdnsResult


def rdns_status(result: RdnsResult | None) -> Status:
    if result is None or result.fcrdns is Fcrdns.TEMPERROR:
        return Status.UNKNOWN
    return Status.PASS if result.ok else Status.FAIL
