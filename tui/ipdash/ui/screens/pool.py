"""A pool's IPs side by side: the table's verdicts per IP, and one line per IP on each chart."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from ipdash.domain.models import ip_sort_key
from ipdash.ui.messages import DataReady
from ipdash.ui.tones import plain, tone_style
from ipdash.ui.widgets.chart_data import build, chart_days
from ipdash.ui.widgets.charts import RateChart, VolumeChart
from ipdash.ui.widgets.ip_charts import chart_levels
from ipdash.ui.widgets.ip_columns import BASE_COLUMNS, Row

#: The table's columns, as rows of the comparison (the IP is the column heading).
COMPARED = tuple(c for c in BASE_COLUMNS if c.key not in ("ip", "pool"))


def pool_ips(data: DataReady, ip: str) -> tuple[str | None, list[str]]:
    """The pool of ``ip`` and every IP in it (the IP alone when it has no pool)."""
    facts = data.analysis.ips[ip].facts
    pool = facts.pool if facts else None
    if not pool:
        return None, [ip]
    members = [
        other
        for other, analysis in data.analysis.ips.items()
        if analysis.facts and analysis.facts.pool == pool
    ]
    return pool, sorted(members, key=ip_sort_key)


class PoolScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("j", "scroll_down", "Down", show=False),
        Binding("k", "scroll_up", "Up", show=False),
    ]

    def __init__(self, data: DataReady, ip: str) -> None:
        super().__init__()
        self.data = data
        self.ip = ip

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="pool-body"):
            yield Static(id="pool-table")
            yield VolumeChart(id="pool-volume", classes="pool-chart")
            with Horizontal(id="pool-rates"):
                yield RateChart("bounce_rate", id="pool-bounce")
                yield RateChart("complaint_rate", id="pool-complaint")
        yield Footer()

    def on_mount(self) -> None:
        self.show_data(self.data)

    def show_data(self, data: DataReady) -> None:
        self.data = data
        if self.ip not in data.analysis.ips:
            self.app.pop_screen()
            return
        pool, members = pool_ips(data, self.ip)
        count = f"{len(members)} IP" if len(members) == 1 else f"{len(members)} IPs"
        self.query_one("#pool-body").border_title = f"Pool {pool} ({count})" if pool else self.ip
        self.query_one("#pool-table", Static).update(self._table(members))
        analyses = [data.analysis.ips[ip] for ip in members]
        window = analyses[0].metrics.window
        firsts = [d for a in analyses if (d := next((d for d, t in a.metrics.daily if t.sent > 0), None))]
        chart = build(
            {a.ip: a.metrics.daily for a in analyses}, chart_days(window, min(firsts) if firsts else None)
        )
        for widget in (*self.query(VolumeChart), *self.query(RateChart)):
            widget.by = "IP"
        pending = data.days_pending  # a first frame drawn from a stored analysis: days loading
        self.query_one(VolumeChart).plot_chart(chart, pending=pending)
        for rate_chart in self.query(RateChart):
            rate_chart.plot_chart(chart, chart_levels(self.app, rate_chart.metric), pending=pending)

    def _table(self, members: list[str]) -> Table:
        table = Table(box=None, pad_edge=False, header_style="bold", title_justify="left")
        table.add_column("")
        for ip in members:
            table.add_column(plain(ip), justify="right")
        from ipdash.ui.widgets.blocklist_panel import blocklist_cells

        cells_of = blocklist_cells(self.data.analysis, frozenset())
        rows = [
            Row(self.data.analysis.ips[ip], self.data.warmups.get(ip), cells_of.get(ip)) for ip in members
        ]
        for column in COMPARED:
            cells = [column.cell(row) for row in rows]
            table.add_row(
                Text(column.label, style="bold"),
                *(Text(text, style=tone_style(self.app, tone)) for text, tone in cells),
            )
        return table

    def action_scroll_down(self) -> None:
        self.query_one("#pool-body", VerticalScroll).scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one("#pool-body", VerticalScroll).scroll_up()
