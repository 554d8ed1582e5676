"""The four outcomes of an authentication check, and one check's verdict with its reason and source."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    UNKNOWN = "unknown"


#: How bad an outcome is, for "the worst of": fail > unknown > warn > pass.
_RANK = {Status.PASS: 0, Status.WARN: 1, Status.UNKNOWN: 2, Status.FAIL: 3}

SYMBOLS = {Status.PASS: "✓", Status.WARN: "!", Status.FAIL: "✗", Status.UNKNOWN: "?"}


def worst(statuses: Iterable[Status]) -> Status:
    """The worst status; PASS for none. UNKNOWN outranks WARN: a check not made is never a near-pass."""
    return max(statuses, key=_RANK.__getitem__, default=Status.PASS)


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a check found: its status, a sentence for people, and the document it comes from."""

    status: Status
    reason: str
    source: str = ""


def summarise(findings: Iterable[Finding]) -> tuple[Status, str]:
    """The check's status (worst finding) and reason (the worst findings' reasons, joined)."""
    items = list(findings)
    if not items:
        return Status.PASS, ""
    status = worst(f.status for f in items)
    reasons = [f.reason for f in items if f.status is status]
    return status, "; ".join(dict.fromkeys(reasons))
