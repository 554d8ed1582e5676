"""Answers kept for their TTL (and NXDOMAIN for its SOA negative TTL), so re-checks and screen
refreshes do not re-ask. Timeouts, SERVFAIL and REFUSED are never cached."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from ipdash.domain.dnsbl.lookups import LookupOutcome, Rcode

_CACHEABLE = frozenset({Rcode.NOERROR, Rcode.NXDOMAIN})


class AnswerCache:
    def __init__(self, clock: Callable[[], float] = time.monotonic, max_entries: int = 100_000) -> None:
        self._clock = clock
        self._max_entries = max_entries
        self._entries: OrderedDict[tuple[str, str], tuple[float, LookupOutcome]] = OrderedDict()

    def get(self, name: str, rdtype: str) -> LookupOutcome | None:
        key = (name.lower(), rdtype)
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, outcome = entry
        if self._clock() >= expires:
            del self._entries[key]
            return None
        return outcome

    def put(self, name: str, rdtype: str, outcome: LookupOutcome) -> None:
        if outcome.rcode not in _CACHEABLE or not outcome.ttl:
            return
        key = (name.lower(), rdtype)
        self._entries[key] = (self._clock() + outcome.ttl, outcome)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
