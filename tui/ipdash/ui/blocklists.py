"""Blocklist / rDNS checks inside the TUI: `b`, polite periodic re-checks, their results as messages.

The checks themselves live in ipdash.sources.dns (BlocklistChecks); this module only runs them and
posts what happened. What the results mean (score, breaches, feed, cells) is the analysis's job: the
app hands ``results()`` to ``analyse`` like every other surface does.
Nothing is queried on its own until the user has pressed `b` once for an IP: periodic re-checks cover
IPs that already have a (stored) result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.message import Message

from ipdash.gc_pauses import bulk_allocation

if TYPE_CHECKING:
    from textual.worker import Worker

    from ipdash.domain.checks import CheckResults
    from ipdash.domain.dnsbl.results import TargetResult
    from ipdash.domain.models import Dataset
    from ipdash.sources.dns import BlocklistChecks

RECHECK_POLL_SECONDS = 600.0  # how often to look for IPs whose results are older than recheck_hours


@dataclass
class ChecksReady(Message):
    """The service is built (stored results loaded), or is unavailable and why."""

    available: bool
    problems: list[str]


@dataclass
class ChecksProgress(Message):
    """A run started, a target finished, or the run ended (``checking`` is then empty)."""

    checking: frozenset[str]
    done: int
    total: int


@dataclass
class ChecksFinished(Message):
    """A run ended: one summary line, details are in the panels."""

    summary: str


@bulk_allocation()  # the catalog's models and the stored results: no collector pass stalls the loop meanwhile
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
    """The checks service once built, which IPs are being checked, and the runs. It talks to the app
    only through messages (``post``) and workers (``run_worker``)."""

    def __init__(
        self,
        blocklists: Mapping[str, Any],
        *,
        post: Callable[[Message], object],
        run_worker: Callable[..., Worker[Any]],
        clock: Callable[[], datetime],
    ) -> None:
        self._settings = blocklists
        self._post = post
        self._run_worker = run_worker
        self._clock = clock
        self.checks: BlocklistChecks | None = None
        self.problem = "blocklist checks are still starting"
        self.checking: frozenset[str] = frozenset()
        self._started = False

    def start(self, dataset: Dataset) -> None:
        """Build the service in a thread (catalog, stored results); idempotent."""
        if self._started:
            return
        self._started = True
        self._run_worker(
            lambda: self._ready(*build_checks(self._settings, dataset)),
            thread=True,
            group="blocklists-init",
            description="load blocklist catalog and stored results",
            exit_on_error=False,
        )

    def _ready(self, checks: BlocklistChecks | None, problem: str) -> None:
        self.checks, self.problem = checks, problem
        notes = list(checks.problems) if checks is not None else []
        self._post(ChecksReady(checks is not None, notes))

    def results(self) -> CheckResults:
        """A snapshot of every result (stored and fresh) for the analysis, with the re-check interval."""
        from ipdash.domain.checks import CheckResults

        if self.checks is None:
            return CheckResults(now=self._clock())
        return CheckResults(dict(self.checks.results), now=self._clock(), stale_after=self.checks.interval)

    @property
    def has_results(self) -> bool:
        """Whether any result is held (stored or fresh): with none, the analysis gets nothing from them."""
        return self.checks is not None and bool(self.checks.results)

    def check(self, ips: list[str]) -> str | None:
        """`b`: check these IPs now, results arriving one by one. Returns why not, when it cannot."""
        if self.checks is None:
            return f"Blocklist checks unavailable: {self.problem}"
        if self.checking:
            return "Blocklist checks are already running"
        self._start_run(ips, "blocklist checks")
        return None

    def recheck_due(self, ips: Iterable[str]) -> None:
        if self.checks is None or self.checking:
            return
        due = [ip for ip in self.checks.due(ips) if ip in self.checks.results]
        if due:
            self._start_run(due, "blocklist re-checks")

    def _start_run(self, ips: list[str], description: str) -> None:
        self._run_worker(
            self._run(ips), group="blocklists", exclusive=True, exit_on_error=False, description=description
        )

    async def _run(self, ips: list[str]) -> None:
        checks = self.checks
        if checks is None:
            return
        self.checking = frozenset(ips)
        self._post(ChecksProgress(self.checking, 0, len(ips)))
        done = 0

        def arrived(result: TargetResult) -> None:
            nonlocal done
            done += 1
            self.checking = self.checking - {result.target}
            self._post(ChecksProgress(self.checking, done, len(ips)))

        try:
            run = await checks.check(ips, on_result=arrived)
        finally:
            self.checking = frozenset()
        self._post(ChecksProgress(self.checking, len(ips), len(ips)))
        self._post(ChecksFinished(run_summary(run.report)))


def run_summary(report: Any) -> str:
    """One line for a whole run: listed, incomplete, resolver."""
    from ipdash.domain.dnsbl.score import RunOutcome, run_outcome

    listed = sum(1 for r in report.results if r.listed)
    line = f"Blocklists: {listed} of {len(report.results)} IPs listed · resolver {report.resolver}"
    if run_outcome(report) is RunOutcome.INCOMPLETE:
        line += " · incomplete: some lists or rDNS could not be checked (see the panel)"
    return line
