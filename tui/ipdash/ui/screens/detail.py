"""Full detail of one IP: facts, score breakdown, mailbox providers, charts, breaches, SNDS."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from ipdash.domain.analysis import IpAnalysis
from ipdash.ui.messages import DataReady
from ipdash.ui.tones import toned
from ipdash.ui.widgets.blocklist_panel import BlocklistPanel
from ipdash.ui.widgets.charts import RateChart, VolumeChart
from ipdash.ui.widgets.ip_charts import chart_levels, ip_chart_data
from ipdash.ui.widgets.ip_panels import (
    breaches_text,
    facts_text,
    provenance_text,
    provider_table,
    score_breakdown,
    score_text,
)
from ipdash.ui.widgets.reasons_panel import reasons_table
from ipdash.ui.widgets.warmup_panel import WarmupCard

ONE_COLUMN_BELOW = 120  # terminal columns under which the detail stacks its two columns
_SNDS_TONES = {"GREEN": ("● GREEN", "ok"), "YELLOW": ("◐ YELLOW", "warn"), "RED": ("✗ RED", "bad")}


class IpDetailScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("j", "scroll_down", "Down", show=False),
        Binding("k", "scroll_up", "Up", show=False),
    ]

    def __init__(self, data: DataReady, ip: str, checking: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.data = data
        self.ip = ip
        self.checking = checking

    @property
    def analysis(self) -> IpAnalysis:
        return self.data.analysis.ips[self.ip]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail-body"):
            with Horizontal(id="detail-top"):
                with Vertical(id="detail-left"):
                    yield Static(id="detail-facts")
                    yield Static(id="detail-score")
                    yield Static(id="detail-breakdown")
                with Vertical(id="detail-right"):
                    yield Static(id="detail-providers")
                    yield Static(id="detail-snds")
                    yield Static(id="detail-receiver")
            yield Vertical(id="detail-warmup")
            yield BlocklistPanel(id="detail-blocklists")
            yield Static(id="detail-reasons")
            yield Static(id="detail-domains")
            yield VolumeChart(id="chart-volume", classes="detail-chart")
            with Horizontal(id="detail-charts"):
                yield RateChart("bounce_rate", id="chart-bounce")
                yield RateChart("complaint_rate", id="chart-complaint")
            yield Static(id="detail-breaches")
            yield Static(id="detail-provenance")
        yield Footer()

    def on_mount(self) -> None:
        self.show_data(self.data)

    def on_resize(self) -> None:
        narrow = self.size.width < ONE_COLUMN_BELOW
        self.query_one("#detail-top").set_class(narrow, "-one-column")
        self.query_one("#detail-charts").set_class(narrow, "-one-column")

    def show_data(self, data: DataReady) -> None:
        self.data = data
        if self.ip not in data.analysis.ips:
            self.app.pop_screen()
            return
        analysis = self.analysis
        self.query_one("#detail-body").border_title = f"IP {self.ip}"
        self.query_one("#detail-facts", Static).update(facts_text(self.app, analysis))
        self.query_one("#detail-score", Static).update(score_text(self.app, analysis))
        self.query_one("#detail-breakdown", Static).update(score_breakdown(self.app, analysis))
        self.query_one("#detail-providers", Static).update(provider_table(self.app, analysis))
        self.query_one("#detail-snds", Static).update(self._snds_table(analysis))
        self._show_receiver(data, analysis)
        self.query_one("#detail-reasons", Static).update(reasons_table(self.app, analysis))
        self.query_one("#detail-breaches", Static).update(breaches_text(self.app, analysis))
        self.query_one("#detail-provenance", Static).update(self._provenance(data, analysis))
        self._show_warmup(data)
        self._show_checks()
        self._show_domains()
        # The charts span the time range (the analysis window), per mailbox provider.
        chart = ip_chart_data(analysis)
        pending = data.days_pending  # a first frame drawn from a stored analysis: days loading
        self.query_one(VolumeChart).plot_chart(chart, pending=pending)
        for rate_chart in self.query(RateChart):
            rate_chart.plot_chart(chart, chart_levels(self.app, rate_chart.metric), pending=pending)

    def _provenance(self, data: DataReady, analysis: IpAnalysis) -> Text:
        from ipdash.ui.stale import stale_note

        text = provenance_text(self.app, analysis)
        stale = data.stale_by_ip.get(self.ip)
        if stale:
            text.append("\n")
            text.append_text(toned(self.app, stale_note(stale, data.loaded_at), "warn"))
        return text

    def show_checking(self, checking: frozenset[str], _done: int = 0, _total: int = 0) -> None:
        self.checking = checking
        if self.data is not None and self.ip in self.data.analysis.ips:
            self._show_checks()

    def _show_checks(self) -> None:
        checks = self.analysis.checks
        self.query_one(BlocklistPanel).show(
            checks.result if checks else None,
            now=self.data.loaded_at,
            checking=self.ip in self.checking,
            checks=checks,
        )

    def _show_receiver(self, data: DataReady, analysis: IpAnalysis) -> None:
        from ipdash.ui.widgets.receiver_panel import receiver_text

        has_dmarc = any(info.kind == "dmarc" for info in data.dataset.sources)
        self.query_one("#detail-receiver", Static).update(
            receiver_text(self.app, analysis, has_dmarc_source=has_dmarc)
        )

    def _show_domains(self) -> None:
        from ipdash.ui.widgets.domains_panel import ip_domains_text

        view = getattr(getattr(self.app, "domains", None), "view", None)
        results, state = (view.results, view.state) if view is not None else ((), "idle")
        self.query_one("#detail-domains", Static).update(ip_domains_text(self.app, self.ip, results, state))

    def _show_warmup(self, data: DataReady) -> None:
        host = self.query_one("#detail-warmup", Vertical)
        host.remove_children()
        progress = data.warmups.get(self.ip)
        if progress is not None:
            host.mount(WarmupCard(progress))

    def _snds_table(self, analysis: IpAnalysis) -> Table | Text:
        recent = analysis.snds[-7:]
        if not recent:
            return Text("Microsoft SNDS: no data for this IP", style="italic")
        table = Table(
            title="Microsoft SNDS (last 7 days)", title_justify="left", box=None, pad_edge=False, expand=True
        )
        for name in ("day", "filter", "complaints", "traps", "recipients"):
            table.add_column(name, justify="right" if name in ("traps", "recipients") else "left")
        for day in reversed(recent):
            label, tone = _SNDS_TONES[day.filter_result]
            table.add_row(
                day.day.isoformat(),
                toned(self.app, label, tone),
                day.complaint_rate_text or "—",
                toned(self.app, str(day.trap_hits), "bad" if day.trap_hits else "plain"),
                f"{day.recipients:,}",
            )
        return table

    def action_scroll_down(self) -> None:
        self.query_one("#detail-body", VerticalScroll).scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one("#detail-body", VerticalScroll).scroll_up()
