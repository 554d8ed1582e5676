"""Sending-domain checks inside the TUI: run when the Domains tab first opens (and on `c` there), in a
worker thread with its own event loop; offline from the bundled zone snapshot on sample data, through the
blocklist checks' resolver otherwise. The results go to the Domains tab."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from ipdash.ui.widgets.domains_panel import DomainsView

if TYPE_CHECKING:
    from ipdash.domain.auth.judge import DomainAuth
    from ipdash.sources.auth.setup import DomainRun
    from ipdash.ui.app import IpdashApp


class DomainsControl:
    def __init__(self, app: IpdashApp) -> None:
        self.app = app
        self.view = DomainsView(is_sample=app.plan.is_sample)
        self.results: dict[str, DomainAuth] = {}
        self._running = False

    def start(self, *, again: bool = False) -> None:
        if self._running or (self.view.state != "idle" and not again):
            return
        self._running = True
        self._publish(
            DomainsView("checking", self.view.results, self.view.label, is_sample=self.view.is_sample)
        )
        self.app.run_worker(
            self._work, thread=True, group="domains", description="check sending domains", exit_on_error=False
        )

    def _work(self) -> None:
        try:
            run = self._setup()
        except Exception as error:  # a bad file or no resolver: the tab says why, nothing else stops
            self.app.call_from_thread(self._done, None, str(error))
            return
        results = asyncio.run(run.run(self.app.clock))
        self.app.call_from_thread(self._done, (run, results), "")

    def _setup(self) -> DomainRun:
        from ipdash.sources.auth.setup import live_run, sample_run

        dataset = self.app.full_dataset
        facts = dataset.facts if dataset is not None else {}
        pools = {ip: fact.pool for ip, fact in facts.items()}
        config = self.app.plan.config
        if self.app.plan.is_sample and not config.domains:
            return sample_run(pools)
        sending = {ip: fact.sending_domains for ip, fact in facts.items()}
        return live_run(config.domains, config.blocklists, pools, sending)

    def _done(self, outcome: tuple[DomainRun, list[DomainAuth]] | None, problem: str) -> None:
        self._running = False
        if outcome is None:
            self._publish(DomainsView("unavailable", problem=problem, is_sample=self.view.is_sample))
            return
        run, results = outcome
        self.results = {result.name: result for result in results}
        self._publish(DomainsView("ready", tuple(results), run.label, is_sample=run.is_sample))
        self.app.reanalyse()  # failing checks are breaches: the feed and report's exit code follow

    def _publish(self, view: DomainsView) -> None:
        self.view = view
        self.app.dashboard.set_domains(view)
