"""Words and symbols for check verdicts, shared by the command line and the TUI: status is never shown
by colour alone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ipdash.domain.dnsbl.judge import Status
from ipdash.domain.dnsbl.rdns import Fcrdns
from ipdash.domain.dnsbl.results import TargetResult, ZoneResult
from ipdash.domain.dnsbl.summary import summarise
from ipdash.domain.safe_text import safe_text

#: Longest lookup link drawn (catalog and stored links are short; a longer one is hostile or broken).
LINK_LIMIT = 300

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


def blocklist_cell_text(result: TargetResult | None, *, checking: bool = False) -> tuple[str, str]:
    """(text, level) for the IP table's blocklist/rDNS column; level is ok / warn / bad / muted / info.

    ``✓ clean 12`` · ``✗ listed 2/12`` · ``! policy 1/12`` · ``? 3 unchecked`` (never "clean" while a list
    went unanswered), with `` · rDNS ✗`` / `` · rDNS ?`` / `` · PTR generic`` when reverse DNS needs care.
    """
    if checking:
        return "… checking", "info"
    if result is None:
        return "— not checked", "muted"
    summary = summarise(result.blocklists)
    if summary.block_listed:
        text, level = f"✗ listed {len(summary.block_listed)}/{summary.queried}", "bad"
    elif summary.listed:
        text, level = f"! policy {summary.listed}/{summary.queried}", "warn"
    elif summary.not_checked:
        text, level = f"? {summary.not_checked} unchecked", "warn"
    elif summary.queried:
        text, level = f"✓ clean {summary.queried}", "ok"
    else:
        text, level = "– no list", "muted"
    rdns = result.rdns
    if rdns is not None:
        if rdns.fcrdns in (Fcrdns.FAIL, Fcrdns.PERMERROR):
            text, level = text + " · rDNS ✗", "bad"
        elif rdns.fcrdns is Fcrdns.TEMPERROR:
            text, level = text + " · rDNS ?", level if level == "bad" else "warn"
        elif rdns.generic:
            text, level = text + " · PTR generic", level if level == "bad" else "warn"
    return text, level


@dataclass(frozen=True, slots=True)
class LookupLink:
    """One listing's lookup/delisting page, as safe text. ``clickable``: an http(s) address a terminal
    may open as a hyperlink; anything else is shown as text only."""

    name: str
    url: str
    clickable: bool
    #: Said next to the address when the list's operator was not seen to give it ("" when it was).
    caveat: str = ""


def lookup_caveat(evidence: str) -> str:
    """How sure the catalog is of a lookup page's address (``ZoneResult.lookup_evidence``)."""
    if evidence == "operator":
        return ""
    if evidence == "other-tools":
        return "(address from other tools, not the list's own pages)"
    return "(address not confirmed)"


def lookup_links(zones: Iterable[ZoneResult]) -> list[LookupLink]:
    """The lookup/delisting page of every listing whose list has one, in list order, once per address."""
    links: list[LookupLink] = []
    seen: set[tuple[str, str]] = set()
    for zone in zones:
        if zone.status is not Status.LISTED or not zone.lookup_url:
            continue
        url = safe_text(zone.lookup_url, limit=LINK_LIMIT)
        name = safe_text(zone.name, limit=120)
        if (name, url) in seen:
            continue
        seen.add((name, url))
        clickable = url.startswith(("https://", "http://")) and " " not in url and not url.endswith("…")
        links.append(LookupLink(name, url, clickable, lookup_caveat(zone.lookup_evidence)))
    return links
