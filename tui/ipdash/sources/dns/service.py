"""What the TUI holds for blocklist/rDNS checks: one ``Checker`` (its answer and zone-health caches live
across runs), the results store, the previous result per IP (so new listings and rDNS failures become
findings), and the polite re-check interval from config.

Run ``check`` from an async worker; ``on_result`` is called on the event loop for each IP as it completes.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ipdash.domain.dnsbl.results import CheckReport, TargetResult
from ipdash.domain.dnsbl.score import Finding, new_findings, recheck_due, score_signal
from ipdash.domain.dnsbl.settings import parse_blocklist_settings
from ipdash.domain.dnsbl.targets import Target, ip_target
from ipdash.domain.models import BlocklistSignal, canonical_ip
from ipdash.sources.dns.checker import Checker
from ipdash.sources.dns.configure import CheckChoices, build_check_settings, results_path
from ipdash.sources.dns.store import ResultsStore

#: Results arriving during a run are written to the results file at most this often.
SAVE_EVERY_SECONDS = 5.0


@dataclass(frozen=True)
class CheckRun:
    report: CheckReport
    findings: tuple[Finding, ...]


class BlocklistChecks:
    """Build with the config's ``[blocklists]`` table (raises BlocklistConfigError / ZoneSelectionError /
    NoNameserverError like ``build_check_settings``)."""

    def __init__(
        self,
        blocklists: Mapping[str, Any],
        *,
        choices: CheckChoices | None = None,
        store_path: Path | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = build_check_settings(blocklists, choices or CheckChoices())
        self.interval = timedelta(hours=parse_blocklist_settings(blocklists).recheck_hours)
        self.store = ResultsStore(store_path or results_path(blocklists))
        self._now = now
        self._checker = Checker(self.settings, now=now)
        stored = self.store.load()
        self.problems: list[str] = stored.problems
        self.results: dict[str, TargetResult] = stored.results

    async def check(
        self,
        ips: Iterable[str],
        on_result: Callable[[TargetResult], None] | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> CheckRun:
        """Check ``ips`` now; keep and save the results; return the run and its new findings.

        Results are saved as they arrive (at most every ``SAVE_EVERY_SECONDS``) and whatever arrived
        is saved when the run is cancelled or fails, so a stopped run keeps what it had."""
        targets = _targets(ips)
        findings: list[Finding] = []
        unsaved: list[TargetResult] = []
        last_save = time.monotonic()

        def arrived(result: TargetResult) -> None:
            nonlocal last_save
            findings.extend(new_findings(self.results.get(result.target), result))
            self.results[result.target] = result
            unsaved.append(result)
            if time.monotonic() - last_save >= SAVE_EVERY_SECONDS:
                self._save(unsaved)
                last_save = time.monotonic()
            if on_result is not None:
                on_result(result)

        try:
            report = await self._checker.check(targets, arrived, on_progress)
        except BaseException:  # cancelled (the TUI quit, a new run) or failed: keep what arrived
            self._save(unsaved)
            raise
        self._save(list(report.results))
        return CheckRun(report, tuple(findings))

    def _save(self, unsaved: list[TargetResult]) -> None:
        """Merge ``unsaved`` into the results file, then forget them."""
        if not unsaved:
            return
        try:
            self.store.save(unsaved)
        except OSError as error:
            self.problems.append(f"{self.store.path}: results not saved: {error}")
        unsaved.clear()

    def due(self, ips: Iterable[str]) -> list[str]:
        """The IPs whose last result is older than the re-check interval (or missing)."""
        now = self._now()
        return [
            ip
            for ip in (canonical_ip(text) for text in ips)
            if recheck_due(self.results[ip].checked_at if ip in self.results else None, now, self.interval)
        ]

    def signal(self, ip: str) -> BlocklistSignal | None:
        """The score's blocklist input for one IP, or None when it was never checked."""
        result = self.results.get(canonical_ip(ip))
        return score_signal(result.blocklists, result.checked_at) if result is not None else None

    async def aclose(self) -> None:
        await self._checker.client.aclose()


def _targets(ips: Iterable[str]) -> list[Target]:
    seen: dict[str, Target] = {}
    for text in ips:
        target = ip_target(ipaddress.ip_address(text.strip()))
        seen.setdefault(target.text, target)
    return list(seen.values())
