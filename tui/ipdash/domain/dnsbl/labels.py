"""Words and symbols for check verdicts, shared by the command line and the TUI: status is never shown
by colour alone."""

from __future__ import annotations

from ipdash.domain.dnsbl.judge import Status
from ipdash.domain.dnsbl.rdns import Fcrdns

STATUS_SYMBOL: dict[Status, str] = {
    Status.LISTED: "✗",
    Status.CLEAN: "✓",
    Status.ERROR: "!",
    Status.UNKNOWN: "?",
    Status.SKIPPED: "–",
}

FCRDNS_SYMBOL: dict[Fcrdns, str] = {
    Fcrdns.PASS: "✓",
    Fcrdns.FAIL: "✗",
    Fcrdns.PERMERROR: "✗",
    Fcrdns.TEMPERROR: "?",
}

SEVERITY_WORD = {"listing": "listed", "policy": "policy", "collateral": "network"}


def status_label(status: Status, severity: str | None = None) -> str:
    """``✗ listed`` / ``✗ policy`` / ``✓ clean`` / ``? unknown`` / ``! error`` / ``– skipped``."""
    word = SEVERITY_WORD.get(severity or "", status.value) if status is Status.LISTED else status.value
    return f"{STATUS_SYMBOL[status]} {word}"


def fcrdns_label(result: Fcrdns) -> str:
    return f"{FCRDNS_SYMBOL[result]} {result.value}"
