"""The wizard's result: verdict, reasons with sources, IP and pool plan, cost, warm-up preview.

``e`` exports the whole recommendation as Markdown into the export directory, which the
screen names before anything is written (default: ``recommendations`` in the platform data dir).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from ipdash.domain.advisor import Recommendation, RuleStatus, Verdict, recommendation_markdown
from ipdash.domain.advisor import text as fmt
from ipdash.domain.advisor.markdown import FLOOR_LEGEND, cost_figure, cost_parts
from ipdash.domain.advisor.result import STATUS_SYMBOL, VERDICT_SYMBOL, CostRow
from ipdash.ui.tones import toned

Clock = Callable[[], datetime]
_STATUS_TONE = {
    RuleStatus.PASS: "ok",
    RuleStatus.FAIL: "bad",
    RuleStatus.UNKNOWN: "warn",
    RuleStatus.APPLIES: "info",
}
_VERDICT_WORDS = {
    Verdict.SHARED: "stay on shared IPs",
    Verdict.DEDICATED: "go dedicated",
    Verdict.MANAGED: "managed dedicated IPs",
    Verdict.NOT_READY: "not ready: fix list quality first",
}


def _now() -> datetime:
    return datetime.now(UTC).astimezone()


def default_export_dir() -> Path:
    """Where exports go unless told otherwise: the platform data dir, never the working directory."""
    from ipdash.sources.paths import user_data_dir

    return user_data_dir() / "recommendations"


def write_export(recommendation: Recommendation, directory: Path, generated_at: datetime) -> Path:
    """Write the Markdown export and return its path (blocking: call it off the event loop)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"ipdash-recommendation-{generated_at:%Y%m%d-%H%M%S}.md"
    path.write_text(recommendation_markdown(recommendation, generated_at=generated_at), encoding="utf-8")
    return path


class RecommendationScreen(Screen[str]):
    """Dismisses with "back" (revise the answers) or "close"."""

    TITLE = "Recommendation"
    DEFAULT_CSS = """
    RecommendationScreen #rec-title { text-style: bold; color: $primary; padding: 0 1; background: $panel; }
    RecommendationScreen #rec-body { padding: 0 1; }
    RecommendationScreen #rec-verdict { text-style: bold; margin-top: 1; }
    RecommendationScreen #rec-verdict.-shared { color: $primary; }
    RecommendationScreen #rec-verdict.-dedicated { color: $success; }
    RecommendationScreen #rec-verdict.-managed-dedicated { color: $accent; }
    RecommendationScreen #rec-verdict.-not-ready { color: $error; }
    RecommendationScreen .rec-section { margin-top: 1; }
    RecommendationScreen .rec-heading { text-style: bold; margin-top: 1; color: $primary; }
    RecommendationScreen #rec-export { color: $text-muted; padding: 0 1; }
    RecommendationScreen #rec-export.-error { color: $error; }
    """

    BINDINGS = [
        Binding("e", "export", "Export Markdown", id="recommendation.export"),
        Binding("backspace", "back", "Back to questions", id="recommendation.back"),
        Binding("escape", "close", "Close", id="recommendation.close"),
        Binding("j,down", "scroll(1)", "Down", show=False),
        Binding("k,up", "scroll(-1)", "Up", show=False),
    ]

    def __init__(
        self, recommendation: Recommendation, *, export_dir: Path | None = None, clock: Clock = _now
    ) -> None:
        super().__init__()
        self.recommendation = recommendation
        self.export_dir = export_dir if export_dir is not None else default_export_dir()
        self.clock = clock
        self.exported: Path | None = None

    def compose(self) -> ComposeResult:
        result = self.recommendation
        yield Static("Recommendation", id="rec-title")
        with VerticalScroll(id="rec-body"):
            verdict = (
                f"{VERDICT_SYMBOL[result.verdict]} {result.verdict.value} — {_VERDICT_WORDS[result.verdict]}"
            )
            yield Static(verdict, id="rec-verdict", classes=f"-{result.verdict.value}")
            yield Static(result.verdict_reason, id="rec-reason")
            if result.targets:
                yield self._heading("Targets to reach first")
                yield Static(self._targets(), id="rec-targets")
            yield self._heading(f"IPs and pools: {fmt.plural(result.ip_count, 'IP')}")
            yield Static(self._pools(), id="rec-pools")
            yield self._heading("Warm-up")
            yield Static(self._warmup(), id="rec-warmup")
            yield self._heading("Assumptions")
            yield Static(
                self._bullets(result.assumptions, "none: every answer was given"), id="rec-assumptions"
            )
            own = [row for row in result.monthly_cost if row.current]
            others = [row for row in result.monthly_cost if not row.current]
            yield self._heading("Monthly cost" if own or not others else "Monthly cost by provider")
            yield Static(self._costs(own if own else others, empty=not result.monthly_cost), id="rec-cost")
            if own and others:
                yield self._heading(
                    "Provider comparison (other providers' prices, not a recommendation to move)"
                )
                yield Static(self._costs(others), id="rec-comparison")
            yield self._heading("Reasons")
            yield Static(self._reasons(), id="rec-reasons")
            yield self._heading("Risks")
            yield Static(self._bullets(result.risks, "none found"), id="rec-risks")
            yield self._heading("What would change the answer")
            yield Static(self._bullets(result.would_change, "no single change found"), id="rec-changes")
        yield Static(f"e exports this as Markdown to {self.export_dir}", id="rec-export")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#rec-body", VerticalScroll).focus()

    @staticmethod
    def _heading(title: str) -> Static:
        return Static(title, classes="rec-heading")

    def _table(self, *columns: str, right: tuple[str, ...] = ()) -> Table:
        table = Table(box=None, pad_edge=False, expand=False, header_style="bold", show_edge=False)
        for column in columns:
            table.add_column(column, justify="right" if column in right else "left", overflow="fold")
        return table

    def _targets(self) -> Table:
        table = self._table("metric", "now", "target", "source")
        for target in self.recommendation.targets:
            now = fmt.percent(target.current) if isinstance(target.current, float) else str(target.current)
            table.add_row(
                target.metric, toned(self.app, now, "bad"), target.target, target.source.split(" [")[0]
            )
        return table

    def _pools(self) -> Table | Text:
        table = self._table(
            "pool",
            "kind",
            "IPs",
            "a month",
            "a sending day",
            "why",
            right=("IPs", "a month", "a sending day"),
        )
        for pool in self.recommendation.pools:
            table.add_row(
                pool.name,
                pool.kind,
                str(pool.ips),
                fmt.count(pool.monthly_volume),
                fmt.count(pool.daily_volume),
                pool.why,
            )
        return table

    def _warmup(self) -> Group | Text:
        warmup = self.recommendation.warmup
        if not warmup.sends:
            return Text(warmup.note)
        sends = self._table("send", *(str(send.send) for send in warmup.sends))
        sends.add_row("calendar day", *(str(send.calendar_day) for send in warmup.sends))
        sends.add_row("cap/IP", *(fmt.count(send.cap_per_ip) for send in warmup.sends))
        sends.add_row("held back/IP", *(fmt.count(send.held_back) for send in warmup.sends))
        return Group(Text(warmup.note), sends)

    def _costs(self, rows: list[CostRow], *, empty: bool = False) -> Table | Group | Text:
        if empty or not rows:
            return Text("No dedicated-IP cost: shared IPs come with the sending plan.")
        table = self._table(
            "provider", "USD/month", "parts", "includes", "excludes", "as of", right=("USD/month",)
        )
        budget_given = self.recommendation.inputs.budget_usd is not None
        for row in rows:
            cost = cost_figure(row, stale_mark=False)
            if row.within_budget is not None:
                cost = f"{cost} {'✓' if row.within_budget else '✗ over budget'}"
            elif budget_given and row.lower_bound:
                cost = f"{cost} ? budget"
            as_of = f"{row.as_of} ▲ stale" if row.stale else row.as_of
            excludes = "; ".join(row.excludes) or "–"
            table.add_row(row.name, cost, cost_parts(row), "; ".join(row.includes) or "–", excludes, as_of)
        if not any(row.lower_bound for row in rows):
            return table
        return Group(table, Text(FLOOR_LEGEND))

    def _reasons(self) -> Table:
        table = self._table("", "rule", "compared", "source")
        for outcome in self.recommendation.reasons:
            label = toned(
                self.app,
                f"{STATUS_SYMBOL[outcome.status]} {outcome.status.value}",
                _STATUS_TONE[outcome.status],
            )
            table.add_row(label, outcome.title, outcome.detail, outcome.source_short)
        return table

    @staticmethod
    def _bullets(items: tuple[str, ...], empty: str) -> Text:
        return Text("\n".join(f"• {item}" for item in items) if items else empty)

    # actions ---------------------------------------------------------------------------
    def action_scroll(self, delta: int) -> None:
        body = self.query_one("#rec-body", VerticalScroll)
        body.scroll_relative(y=delta * 2, animate=False)

    def action_back(self) -> None:
        self.dismiss("back")

    def action_close(self) -> None:
        self.dismiss("close")

    def action_export(self) -> None:
        self.run_worker(self._export(), exclusive=True, group="export", description="export Markdown")

    async def _export(self) -> None:
        status = self.query_one("#rec-export", Static)
        directory = self.export_dir
        try:
            path = await asyncio.to_thread(write_export, self.recommendation, directory, self.clock())
        except OSError as error:
            status.add_class("-error")
            status.update(f"! Export failed: {error}")
            return
        self.exported = path
        status.remove_class("-error")
        status.update(f"✓ Exported to {path}")
        self.notify(str(path), title="Recommendation exported")
