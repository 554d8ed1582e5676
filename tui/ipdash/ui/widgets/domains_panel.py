"""The Domains tab: sending domains × checks (SPF, DKIM, DMARC, BIMI, MTA-STS, TLS-RPT, the providers'
checklists), and for the highlighted domain the detail: each check's reason, the raw records, the SPF
lookup chain and every checklist line with its source. Text from DNS is drawn as plain ``Text``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static

from ipdash.domain.auth.status import SYMBOLS, Status, worst
from ipdash.ui.tones import toned
from ipdash.ui.widgets.fit_columns import ColumnFit, FittedTable

if TYPE_CHECKING:  # the dashboard imports this module before the first frame: keep pydantic out
    from ipdash.domain.auth.judge import DomainAuth
    from ipdash.domain.auth.requirements import RequirementLine

TONES = {Status.PASS: "ok", Status.WARN: "warn", Status.FAIL: "bad", Status.UNKNOWN: "warn"}
PROVIDERS = (("gmail", "Gmail"), ("yahoo", "Yahoo"), ("outlook", "Outlook"))
COLUMNS = (
    "Domain",
    "Overall",
    "SPF",
    "DKIM",
    "DMARC",
    "BIMI",
    "MTA-STS",
    "TLS-RPT",
    *(p[1] for p in PROVIDERS),
)
#: Labels when even symbol-only cells leave the domain too little room (below ~100 columns).
SHORT_LABELS = {"Overall": "All", "MTA-STS": "STS", "TLS-RPT": "RPT", "Outlook": "Outlk"}
#: The table tells its checks in words ("✓ pass"), then, where that would squeeze the domain below
#: its room, as symbols only ("✓": the summary above counts them in words, the detail below gives
#: each in words), then with short labels; a domain still too long is cut in the middle (its
#: registrable end stays) and shown whole in the detail below.
FIT = ColumnFit("Domain", (), value_room=24, middle_cut=frozenset({"Domain"}), paths=True)
INDENT = "          "
_LONG_KEY = re.compile(r"(p=[A-Za-z0-9+/=]{24})[A-Za-z0-9+/=]{16,}")


@dataclass(frozen=True)
class DomainsView:
    """What the tab shows: ``state`` is idle (not run yet), checking, ready or unavailable."""

    state: str = "idle"
    results: tuple[DomainAuth, ...] = ()
    label: str = ""
    problem: str = ""
    is_sample: bool = False
    configured: int = field(default=0)


def status_cell(status: Status) -> str:
    return f"{SYMBOLS[status]} {status.value}"


def provider_cell(lines: list[RequirementLine], provider_id: str) -> tuple[str, Status]:
    """'✓ 5/5', '✗ 2/5' or '? 4/5' over the checkable lines of one provider."""
    mine = [line for line in lines if line.provider_id == provider_id and line.checkable]
    if not mine:
        return "–", Status.PASS
    status = worst(line.status for line in mine)
    met = sum(line.status is Status.PASS for line in mine)
    return f"{SYMBOLS[status]} {met}/{len(mine)}", status


def short_record(text: str | None) -> str:
    """A record for display, with a DKIM key's base64 cut down to its start and length."""
    if text is None:
        return "—"
    return _LONG_KEY.sub(lambda m: f"{m[1]}…({len(m[0]) - 2} chars)", text)


class DomainsPanel(Vertical):
    BINDINGS = [
        Binding("c", "recheck", "Re-check domains", id="domains_recheck"),
        Binding("j", "move(1)", "Down", show=False),
        Binding("k", "move(-1)", "Up", show=False),
    ]

    DEFAULT_CSS = """
    DomainsPanel { height: 1fr; }
    DomainsPanel > #domains-summary { height: auto; padding: 0 1; }
    DomainsPanel > DataTable { height: auto; max-height: 60%; background: $surface; }
    DomainsPanel > #domains-detail-scroll { height: 1fr; border-top: solid $panel; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view = DomainsView()
        self._ready = False

    def compose(self) -> ComposeResult:
        yield Static(id="domains-summary")
        columns = [(label, label) for label in COLUMNS]
        yield FittedTable(columns, FIT, id="domains-table", cursor_type="row", zebra_stripes=False)
        with VerticalScroll(id="domains-detail-scroll"):
            yield Static(id="domains-detail")

    def on_mount(self) -> None:
        self._ready = True
        self.show(self.view)

    @property
    def selected(self) -> DomainAuth | None:
        table = self.query_one(DataTable)
        if not self.view.results or table.cursor_row is None or table.row_count == 0:
            return None
        return self.view.results[min(table.cursor_row, len(self.view.results) - 1)]

    def show(self, view: DomainsView) -> None:
        self.view = view
        if not self._ready:
            return
        self.query_one("#domains-summary", Static).update(self._summary(view))
        words = [(result.name, self._cells(result, words=True)) for result in view.results]
        symbols = [(result.name, self._cells(result, words=False)) for result in view.results]
        labels = [(label, label) for label in COLUMNS]
        short = [(label, SHORT_LABELS.get(label, label)) for label in COLUMNS]
        variants = ((labels, words), (labels, symbols), (short, symbols))
        self.query_one(FittedTable).show_variants(variants, keep_cursor=True)
        self._show_detail()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail()

    def action_move(self, step: int) -> None:
        table = self.query_one(DataTable)
        table.action_cursor_down() if step > 0 else table.action_cursor_up()

    class RecheckRequested(Message):
        """``c``: the user asks for the domains to be checked again (the screen starts it)."""

    def action_recheck(self) -> None:
        self.post_message(self.RecheckRequested())

    def _summary(self, view: DomainsView) -> Text:
        text = Text()
        if view.is_sample:
            text.append_text(toned(self.app, "SAMPLE DATA", "info"))
            text.append("  ")
        if view.state == "idle":
            text.append_text(toned(self.app, "— not checked yet", "muted"))
        elif view.state == "checking":
            text.append_text(toned(self.app, "… checking SPF, DKIM, DMARC, BIMI, MTA-STS, TLS-RPT", "info"))
        elif view.state == "unavailable":
            text.append_text(toned(self.app, f"? domain checks unavailable: {view.problem}", "warn"))
        elif not view.results:
            text.append_text(
                toned(
                    self.app, "no sending domains: add [[domains]] (name, selectors, ips or pools)", "muted"
                )
            )
        else:
            counts = {s: sum(r.status is s for r in view.results) for s in Status}
            parts = [f"{SYMBOLS[s]} {counts[s]} {s.value}" for s in Status if counts[s]]
            text.append(f"{len(view.results)} domain(s): " + ", ".join(parts))
        if view.label:
            text.append_text(toned(self.app, f"  · DNS: {view.label}  · c re-checks", "muted"))
        return text

    def _cells(self, result: DomainAuth, *, words: bool) -> tuple[Text, ...]:
        def cell(status: Status, text: str | None = None) -> Text:
            shown = text or (status_cell(status) if words else SYMBOLS[status])
            return toned(self.app, shown, TONES[status])

        dkim = worst(d.status for d in result.dkim) if result.dkim else Status.UNKNOWN
        dkim_text = f"{SYMBOLS[dkim]} {sum(d.status is Status.PASS for d in result.dkim)}/{len(result.dkim)}"
        lines = list(result.requirements)
        providers = [
            cell(status, text) for text, status in (provider_cell(lines, pid) for pid, _ in PROVIDERS)
        ]
        return (
            Text(result.name),
            cell(result.status),
            cell(result.spf.status),
            cell(dkim, dkim_text if result.dkim else "? none"),
            cell(result.dmarc.status),
            cell(result.bimi.status),
            cell(result.mta_sts.status),
            cell(result.tls_rpt.status),
            *providers,
        )

    def _show_detail(self) -> None:
        result = self.selected
        detail = self.query_one("#domains-detail", Static)
        detail.update(domain_detail(self.app, result) if result is not None else "")


def domain_detail(app: object, result: DomainAuth) -> Text:
    """Every check with its reason and raw record, the SPF chain, and the checklists."""
    from textual.app import App

    from ipdash.domain.auth.requirements import provider_summary
    from ipdash.domain.auth.spf_walk import chain_lines

    assert isinstance(app, App)
    text = Text()

    def check(name: str, status: Status, reason: str, record: str | None = None, where: str = "") -> None:
        text.append_text(toned(app, f"{SYMBOLS[status]} {status.value:<7}", TONES[status]))
        text.append(f" {name:<13} {reason}\n")
        if record is not None or where:
            text.append_text(
                toned(app, f"{INDENT}{where}{': ' if where else ''}{short_record(record)}\n", "muted")
            )

    spec = result.spec
    text.append(f"{result.name}", style="bold")
    ips = ", ".join(spec.ips) or "no sending IPs configured"
    text.append(f"  ·  IPs: {ips}  ·  Return-Path: {spec.spf_domain}  ·  d=: {spec.signing_domain}\n\n")
    spf = result.spf
    counts = f" [{spf.lookups}/10 lookups, {spf.void_lookups}/2 void]" if spf.lookups is not None else ""
    check("SPF", spf.status, spf.reason + counts, spf.record, spf.domain)
    for ip, outcome in spf.per_ip.items():
        text.append(f"{INDENT}{ip}: SPF {outcome} ({spf.per_ip_reason.get(ip, '')})\n")
    if spf.chain is not None and spf.chain.children:
        text.append_text(toned(app, f"{INDENT}lookup chain:\n", "muted"))
        for line in chain_lines(spf.chain):
            text.append(f"{INDENT}  {short_record(line)}\n")
    if not result.dkim:
        check("DKIM", Status.UNKNOWN, "no selectors configured: add selectors to [[domains]]")
    for key in result.dkim:
        check(f"DKIM {key.selector}", key.status, key.reason, key.record, key.name)
    dmarc = result.dmarc
    found = f"_dmarc.{dmarc.found_at}" if dmarc.found_at else ""
    org = f" (org domain {dmarc.org_domain})" if dmarc.org_domain else ""
    check("DMARC", dmarc.status, dmarc.reason + org, dmarc.record, found)
    for name, record_check in (
        ("BIMI", result.bimi),
        ("MTA-STS", result.mta_sts),
        ("TLS-RPT", result.tls_rpt),
    ):
        check(name, record_check.status, record_check.reason, record_check.record, record_check.name)
        policy = record_check.details.get("policy")
        if isinstance(policy, str):
            text.append_text(
                toned(app, f"{INDENT}policy: {policy.strip().replace(chr(10), ' · ')}\n", "muted")
            )
    lines = list(result.requirements)
    for provider_id, _ in PROVIDERS:
        summary = provider_summary(lines, provider_id)
        if not summary:
            continue
        text.append(f"\n{summary}\n", style="bold")
        for item in (item for item in lines if item.provider_id == provider_id):
            text.append_text(
                toned(app, f"  {SYMBOLS[item.status]} {item.status.value:<7}", TONES[item.status])
            )
            text.append(f" {item.rule} — {item.reason}\n")
        source = next(item.source for item in lines if item.provider_id == provider_id)
        text.append_text(toned(app, f"  source: {source}\n", "muted"))
    return text


def ip_domains_text(app: object, ip: str, results: Sequence[DomainAuth], state: str) -> Text:
    """The IP detail's line about its sending domains: each domain's status and SPF for this IP."""
    from textual.app import App

    assert isinstance(app, App)
    mine = [result for result in results if ip in result.spec.ips]
    text = Text("Sending domains: ", style="bold")
    if not mine:
        hints = {"checking": "checking…", "ready": "no configured sending domain uses this IP"}
        hint = hints.get(state, "not checked yet: open the Domains tab (4)")
        text.append_text(toned(app, hint, "muted"))
        return text
    for index, result in enumerate(mine):
        if index:
            text.append("  ·  ")
        text.append(f"{result.name} ")
        text.append_text(toned(app, status_cell(result.status), TONES[result.status]))
        outcome = result.spf.per_ip.get(ip)
        if outcome is not None:
            text.append(f" (SPF for this IP: {outcome})")
    return text
