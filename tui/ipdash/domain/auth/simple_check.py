"""The shape shared by the smaller checks (BIMI, MTA-STS, TLS-RPT): status, reason, the raw record."""

from __future__ import annotations

from dataclasses import dataclass, field

from ipdash.domain.auth.status import Finding, Status


@dataclass(frozen=True)
class RecordCheck:
    name: str  # the DNS name asked
    status: Status
    reason: str
    record: str | None = None
    details: dict[str, str | int | None] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
