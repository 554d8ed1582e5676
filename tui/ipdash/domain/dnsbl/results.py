"""Check results: one list's verdict on one target, every verdict for a target, and a whole run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from ipdash.domain.dnsbl.catalog import Effect, Importance, ListType, ZoneEntry
from ipdash.domain.dnsbl.judge import Status, Verdict
from ipdash.domain.dnsbl.rdns import Fcrdns, RdnsResult


@dataclass(frozen=True, slots=True)
class ZoneResult:
    """``zone`` is the display form (keys masked); ``zone_id`` the catalog id."""

    zone: str
    zone_id: str
    name: str
    list_type: ListType
    importance: Importance
    operator: str
    status: Status
    reason: str
    codes: tuple[str, ...] = ()
    meanings: tuple[str, ...] = ()
    remedy: str = ""
    severity: Effect | None = None
    cause: str = ""
    txt: str | None = None
    checked_at: datetime | None = None
    #: The list's lookup/delisting page for this target (listings only, where the catalog has one).
    lookup_url: str = ""
    #: Where the catalog confirmed that address (``catalog.LookupEvidence``; "" without a page).
    lookup_evidence: str = ""

    @classmethod
    def of(
        cls,
        entry: ZoneEntry,
        verdict: Verdict,
        *,
        checked_at: datetime | None,
        txt: str | None = None,
        target: str | None = None,
    ) -> ZoneResult:
        link = entry.lookup_link(target) if target and verdict.status is Status.LISTED else ""
        return cls(
            zone=entry.display_zone,
            zone_id=entry.id,
            name=entry.name,
            list_type=entry.list_type,
            importance=entry.importance,
            operator=entry.operator,
            status=verdict.status,
            reason=verdict.reason,
            codes=verdict.codes,
            meanings=verdict.meanings,
            remedy=verdict.remedy,
            severity=verdict.severity,
            cause=verdict.cause,
            txt=txt,
            checked_at=checked_at,
            lookup_url=link,
            lookup_evidence=entry.lookup_evidence if link else "",
        )

    @property
    def not_checked(self) -> bool:
        """Asked, but no usable answer: error or unknown."""
        return self.status in (Status.ERROR, Status.UNKNOWN)


@dataclass(frozen=True, slots=True)
class TargetResult:
    target: str
    kind: Literal["ip", "domain"]
    blocklists: tuple[ZoneResult, ...]
    rdns: RdnsResult | None
    checked_at: datetime
    #: Where the queries went ("127.0.0.1:53 (system)"): a stored result says which resolver it trusts.
    resolver: str = ""

    @property
    def listed(self) -> tuple[ZoneResult, ...]:
        return tuple(r for r in self.blocklists if r.status is Status.LISTED)

    @property
    def rdns_failed(self) -> bool:
        return self.rdns is not None and self.rdns.fcrdns in (Fcrdns.FAIL, Fcrdns.PERMERROR)


@dataclass(frozen=True, slots=True)
class CheckReport:
    """A whole run. ``resolver`` names where queries went ("127.0.0.1:53 (system)")."""

    resolver: str
    results: tuple[TargetResult, ...]
    started_at: datetime
    finished_at: datetime
    deadline_reached: bool = False
