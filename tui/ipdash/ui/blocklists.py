"""Blocklist / rDNS checks inside the TUI: `b`, polite periodic re-checks, results into panels.

The checks themselves live in ipdash.sources.dns (BlocklistChecks); this module
only decides when to run them and turns results into feed lines and table cells.
Nothing is queried on its own until the user has pressed `b` once for an IP:
periodic re-checks cover IPs that already have a (stored) result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ipdash.domain.models import BlocklistSignal, Dataset
from ipdash.ui.widgets.breach_feed import FeedItem

if TYPE_CHECKING:
    from ipdash.domain.dnsbl.results import TargetResult
    from ipdash.sources.dns import BlocklistChecks
    from ipdash.ui.app import IpdashApp

RECHECK_POLL_SECONDS = 600.0  # how often to look for IPs whose results are older than recheck_hours


def build_checks(blocklists: Mapping[str, Any], dataset: Dataset) -> tuple[BlocklistChecks | None, str]:
    """The checks service (loads stored results), or None and why it is unavailable. Blocking: call from a thread."""
    from ipdash.domain.dnsbl.plan import ZoneSelectionError
    from ipdash.domain.dnsbl.settings import BlocklistConfigError
    from ipdash.sources.dns import BlocklistChecks, CheckChoices, NoNameserverError

    shared = frozenset(ip for ip, facts in dataset.facts.items() if facts.kind == "shared")
    try:
        return BlocklistChecks(blocklists, choices=CheckChoices(shared_ips=shared)), ""
    except (BlocklistConfigError, ZoneSelectionError, NoNameserverError) as error:
        return None, str(error)


class BlocklistsControl:
    """The app's blocklist state: the checks service once built, which IPs are being checked,
    and the runs (on `b`, and polite re-checks of IPs that already have results)."""

    def __init__(self, app: IpdashApp) -> None:
        self.app = app
        self.checks: BlocklistChecks | None = None
        self.problem = "blocklist checks are still starting"
        self.checking: set[str] = set()
        self._started = False

    def start(self, dataset: Dataset) -> None:
        """Build the service in a thread (catalog, stored results); idempotent."""
        if self._started:
            return
        self._started = True
        blocklists = self.app.plan.config.blocklists
        self.app.run_worker(
            lambda: self.app.call_from_thread(self._ready, *build_checks(blocklists, dataset)),
            thread=True,
            group="blocklists-init",
            description="load blocklist catalog and stored results",
            exit_on_error=False,
        )

    def _ready(self, checks: BlocklistChecks | None, problem: str) -> None:
        self.checks, self.problem = checks, problem
        if checks is None:
            return
        for note in checks.problems:
            self.app.notify(note, title="Blocklist results", severity="warning", timeout=10)
        self._redraw()
        if checks.results:
            self.app.reanalyse()  # stored results feed the score and the panels
        if not self.app.demo:
            self.app.set_interval(RECHECK_POLL_SECONDS, self._recheck_due)

    def result(self, ip: str) -> TargetResult | None:
        return self.checks.results.get(ip) if self.checks is not None else None

    def signals(self, ips: Iterable[str]) -> dict[str, BlocklistSignal]:
        return signals(self.checks, ips)

    def view(self, ips: Iterable[str]) -> tuple[dict[str, tuple[str, str]], list[FeedItem]]:
        """The table cells and feed lines for these IPs."""
        return cells(self.checks, ips, self.checking), feed_items(
            self.checks.results.values()
        ) if self.checks else []

    def check(self, ips: list[str]) -> None:
        """`b`: check these IPs now, results arriving one by one."""
        if self.checks is None:
            self.app.notify(f"Blocklist checks unavailable: {self.problem}", severity="warning", timeout=8)
            return
        if self.checking:
            self.app.notify("Blocklist checks are already running", timeout=3)
            return
        self.app.notify(f"Checking {len(ips)} IPs against blocklists and rDNS…", timeout=3)
        self._start_run(ips, "blocklist checks")

    def _recheck_due(self) -> None:
        if self.checks is None or self.checking:
            return
        due = [ip for ip in self.checks.due(self.app.known_ips()) if ip in self.checks.results]
        if due:
            self._start_run(due, "blocklist re-checks")

    def _start_run(self, ips: list[str], description: str) -> None:
        self.app.run_worker(
            self._run(ips), group="blocklists", exclusive=True, exit_on_error=False, description=description
        )

    async def _run(self, ips: list[str]) -> None:
        checks = self.checks
        if checks is None:
            return
        self.checking = set(ips)
        self._redraw()
        from ipdash.ui.widgets.status_bar import StatusBar

        status = self.app.dashboard.query_one(StatusBar)
        try:
            run = await checks.check(
                ips,
                on_result=self._arrived,
                on_progress=lambda done, total: status.show_progress("blocklists", done, total),
            )
        finally:
            self.checking = set()
        listed = sum(1 for r in run.report.results if r.listed)
        self.app.notify(
            f"Blocklists: {listed} of {len(run.report.results)} IPs listed · resolver {run.report.resolver}",
            timeout=6,
        )
        for finding in run.findings:
            self.app.notify(
                f"{finding.target}: {finding.kind.value}: {finding.subject}", severity="error", timeout=10
            )
        self.app.reanalyse()

    def _arrived(self, result: TargetResult) -> None:
        self.checking.discard(result.target)
        self._redraw()

    def _redraw(self) -> None:
        self.app.dashboard.set_blocklists(*self.view(self.app.known_ips()))


def signals(checks: BlocklistChecks | None, ips: Iterable[str]) -> dict[str, BlocklistSignal]:
    """The score's blocklist input per IP (only IPs that have results)."""
    if checks is None:
        return {}
    found = {ip: checks.signal(ip) for ip in ips}
    return {ip: signal for ip, signal in found.items() if signal is not None}


def cells(
    checks: BlocklistChecks | None, ips: Iterable[str], checking: set[str]
) -> dict[str, tuple[str, str]]:
    from ipdash.ui.widgets.blocklist_panel import blocklist_cell

    if checks is None:
        return {}
    return {ip: blocklist_cell(checks.results.get(ip), checking=ip in checking) for ip in ips}


def feed_items(results: Iterable[TargetResult]) -> list[FeedItem]:
    """Current listings and rDNS failures, as breaches: Spamhaus and major lists critical, the rest warn."""
    items = []
    for result in results:
        since = result.checked_at.date()
        for zone in result.listed:
            severity = "critical" if zone.importance in ("critical", "major") else "warn"
            codes = ", ".join(zone.codes)
            items.append(
                FeedItem(
                    severity=severity,
                    since=since,
                    ip=result.target,
                    what=f"listed · {zone.name}",
                    detail=codes or zone.reason,
                    source=f"{zone.zone}: {zone.reason}",
                )
            )
        if result.rdns_failed and result.rdns is not None:
            items.append(
                FeedItem(
                    severity="warn",
                    since=since,
                    ip=result.target,
                    what=f"rDNS · {result.rdns.fcrdns.value}",
                    detail=result.rdns.reason,
                    source="rDNS: Gmail, Yahoo and Microsoft require forward-confirmed rDNS",
                )
            )
    return items
