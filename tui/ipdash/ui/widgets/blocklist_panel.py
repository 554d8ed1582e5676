"""The IP detail view's blocklist and rDNS panel, and the IP table's compact blocklist/rDNS cell.

Every list gets a row: status (symbol and word), list, age of the result, codes, and meaning or reason
(with the remedy and the list's TXT). Text from DNS is drawn as plain ``Text``, never as markup.
Colours come from the theme through ``ui.tones``; they repeat what the symbols and words already say.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from ipdash.domain.dnsbl.judge import Status
from ipdash.domain.dnsbl.labels import blocklist_cell_text, fcrdns_label, lookup_links, status_label
from ipdash.domain.dnsbl.rdns import Fcrdns, RdnsResult
from ipdash.domain.dnsbl.results import TargetResult, ZoneResult
from ipdash.domain.dnsbl.summary import Overall, summarise
from ipdash.ui.tones import toned

if TYPE_CHECKING:
    from ipdash.domain.analysis import Analysis
    from ipdash.domain.checks import IpChecks

__all__ = ["BlocklistPanel", "age_text", "blocklist_cell", "blocklist_cell_text"]

COLUMNS = (
    ("status", "Status"),
    ("list", "List"),
    ("age", "Age"),
    ("codes", "Codes"),
    ("meaning", "Meaning / reason"),
)
_OVERALL = {
    Overall.LISTED: ("✗", "bad"),
    Overall.INCOMPLETE: ("?", "warn"),
    Overall.CLEAN: ("✓", "ok"),
    Overall.NOTHING_CHECKED: ("–", "muted"),
}
_REQUIREMENT_TONES = {"met": "ok", "at risk": "warn", "not met": "bad", "unknown": "warn"}
_LEVEL_TONES = {"ok": "ok", "warn": "warn", "bad": "bad", "muted": "muted", "info": "info"}


def blocklist_cell(
    result: TargetResult | None, *, checking: bool = False, stale: bool = False
) -> tuple[str, str]:
    """(text, tone) for the IP table's blocklist/rDNS column, e.g. ("✗ listed 2/12", "bad")."""
    text, level = blocklist_cell_text(result, checking=checking)
    if stale and not checking and result is not None:
        text += " · stale"
    return text, _LEVEL_TONES[level]


def blocklist_cells(analysis: Analysis, checking: frozenset[str]) -> dict[str, tuple[str, str]]:
    """The column's cells from the analysis (results of IPs in this data only) and the run going on."""
    cells = {}
    for ip, item in analysis.ips.items():
        if item.checks is not None or ip in checking:
            result = item.checks.result if item.checks is not None else None
            stale = item.checks is not None and item.checks.stale
            cells[ip] = blocklist_cell(result, checking=ip in checking, stale=stale)
    return cells


def age_text(then: datetime | None, now: datetime) -> str:
    if then is None:
        return "—"
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} d ago"


def _zone_tone(zone: ZoneResult) -> str:
    if zone.status is Status.LISTED:
        return "bad" if zone.severity == "listing" else "warn"
    return {Status.CLEAN: "ok", Status.ERROR: "warn", Status.UNKNOWN: "warn", Status.SKIPPED: "muted"}[
        zone.status
    ]


def _meaning(zone: ZoneResult) -> str:
    text = "; ".join(zone.meanings) if zone.status is Status.LISTED else zone.reason
    if zone.remedy:
        text += f" → {zone.remedy}"
    if zone.txt:
        text += f" — TXT: {zone.txt}"
    return text


class BlocklistPanel(Vertical):
    """Call ``show(result, now=…)`` with the IP's latest ``TargetResult`` (None: not checked yet)."""

    DEFAULT_CSS = """
    BlocklistPanel {
        height: auto;
        border: round $panel;
        border-title-color: $text-muted;
        padding: 0 1;
    }
    BlocklistPanel > #blocklist-summary {
        height: auto;
        margin-bottom: 1;
    }
    BlocklistPanel > DataTable {
        height: auto;
        max-height: 24;
        background: $surface;
    }
    BlocklistPanel > #blocklist-links {
        height: auto;
        margin-top: 1;
    }
    BlocklistPanel > #blocklist-rdns {
        height: auto;
        margin-top: 1;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.border_title = "Blocklists & rDNS"
        self.result: TargetResult | None = None
        self.checks: IpChecks | None = None
        self._ready = False

    def compose(self) -> ComposeResult:
        yield Static(id="blocklist-summary")
        yield DataTable(id="blocklist-table", cursor_type="row", show_cursor=False)
        yield Static(id="blocklist-links")
        yield Static(id="blocklist-rdns")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        self._ready = True
        self.show(self.result, checks=self.checks)

    def show(
        self,
        result: TargetResult | None,
        *,
        now: datetime | None = None,
        checking: bool = False,
        checks: IpChecks | None = None,
    ) -> None:
        self.result = result
        self.checks = checks
        if not self._ready:
            return
        now = now or datetime.now(UTC)
        self.query_one("#blocklist-summary", Static).update(self._summary(result, now, checking))
        self._fill_table(result.blocklists if result else (), now)
        links = self._links(result.blocklists if result else ())
        self.query_one("#blocklist-links", Static).update(links or "")
        self.query_one("#blocklist-links", Static).display = links is not None
        self.query_one("#blocklist-rdns", Static).update(self._rdns(result.rdns if result else None))

    def _summary(self, result: TargetResult | None, now: datetime, checking: bool) -> Text:
        if result is None:
            if checking:
                return toned(self.app, "… checking blocklists and rDNS", "info")
            return toned(self.app, "— not checked yet: press b to check blocklists and rDNS", "muted")
        summary = summarise(result.blocklists)
        symbol, tone = _OVERALL[summary.overall]
        text = toned(self.app, f"{symbol} {summary.overall.value}: ", tone)
        text.append(summary.text)
        text.append_text(toned(self.app, f"  · checked {age_text(result.checked_at, now)}", "muted"))
        if result.resolver:
            text.append_text(toned(self.app, f" via {result.resolver}", "muted"))
        if self.checks is not None and self.checks.stale:
            text.append_text(toned(self.app, "  · ▲ stale: older than the re-check interval", "warn"))
        if checking:
            text.append_text(toned(self.app, "  · re-checking…", "info"))
        return text

    def _fill_table(self, zones: tuple[ZoneResult, ...], now: datetime) -> None:
        table = self.query_one(DataTable)
        rows = {zone.zone_id: self._cells(zone, now) for zone in zones}
        current = [str(key.value) for key in table.rows]
        if current == list(rows):
            for key, cells in rows.items():
                for (column, _), cell in zip(COLUMNS, cells, strict=True):
                    table.update_cell(key, column, cell, update_width=True)
            return
        table.clear()
        for key, cells in rows.items():
            table.add_row(*cells, key=key)

    def _cells(self, zone: ZoneResult, now: datetime) -> tuple[Text, ...]:
        return (
            toned(self.app, status_label(zone.status, zone.severity), _zone_tone(zone)),
            Text(zone.name),
            toned(self.app, age_text(zone.checked_at, now), "muted"),
            Text(", ".join(zone.codes)),
            Text(_meaning(zone)),
        )

    def _links(self, zones: tuple[ZoneResult, ...]) -> Text | None:
        """Each listing's lookup/delisting page as text to copy (a hyperlink where the terminal has them)."""
        links = lookup_links(zones)
        if not links:
            return None
        text = toned(self.app, "Look up / delist:", "muted")
        for link in links:
            text.append(f"\n  {link.name}: ")
            text.append(link.url, Style(link=link.url) if link.clickable else None)
            if link.caveat:
                text.append_text(toned(self.app, f" {link.caveat}", "muted"))
        return text

    def _rdns(self, rdns: RdnsResult | None) -> Text:
        if rdns is None:
            return toned(self.app, "rDNS: not checked", "muted")
        tone = {Fcrdns.PASS: "ok", Fcrdns.TEMPERROR: "warn"}.get(rdns.fcrdns, "bad")
        text = Text("rDNS ")
        text.append_text(toned(self.app, fcrdns_label(rdns.fcrdns), tone))
        if rdns.ptr:
            text.append("  " + ", ".join(rdns.ptr))
            if rdns.more_names:
                text.append(f" (+{rdns.more_names} more)")
        if rdns.generic:
            text.append_text(toned(self.app, "  ! generic-looking name", "warn"))
        text.append("\n" + rdns.reason)
        for requirement in rdns.requirements:
            text.append("\n")
            text.append_text(
                toned(
                    self.app,
                    f"{requirement.provider}: {requirement.status}",
                    _REQUIREMENT_TONES.get(requirement.status, "plain"),
                )
            )
            text.append(f" — {requirement.reason}")
        return text
