"""The IP table: one row per sending IP, sortable, filterable, updated in place by row key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from ipdash.domain.labels import BAND_LABELS, BAND_TONES, format_count
from ipdash.domain.models import ip_sort_key
from ipdash.domain.verdicts import IP_SCOPE, Band, Status, format_rate
from ipdash.ui.tones import toned

if TYPE_CHECKING:
    from ipdash.domain.analysis import Analysis, IpAnalysis
    from ipdash.domain.warmup.results import WarmupProgress


@dataclass(frozen=True)
class Row:
    """Everything one table row shows: the IP's analysis plus the checks that run beside it."""

    analysis: IpAnalysis
    warmup: WarmupProgress | None = None
    blocklist: tuple[str, str] | None = None  # (cell text, tone), from the blocklist checks

    @property
    def ip(self) -> str:
        return self.analysis.ip

    def __getattr__(self, name: str) -> Any:  # facts, score, metrics, verdicts, breaches, worst_status
        return getattr(self.analysis, name)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    cell: Callable[[Row], tuple[str, str]]  # -> (text, tone)
    sort: Callable[[Row], Any]
    right: bool = False


#: The blocklist cell before checks have started: the same words the checks use for "never checked".
NOT_CHECKED = ("— not checked", "muted")

_WARMUP_TONES = {"ok": "ok", "warn": "warn", "critical": "bad"}


def _warmup_cell(row: Row) -> tuple[str, str]:
    if row.warmup is None:
        return "—", "muted"
    from ipdash.domain.warmup.labels import STATE_LEVELS, warmup_cell_text  # only once warm-ups exist

    return warmup_cell_text(row.warmup), _WARMUP_TONES[STATE_LEVELS[row.warmup.state]]


def _rate_cell(metric: str) -> Callable[[Row], tuple[str, str]]:
    def cell(analysis: Row) -> tuple[str, str]:
        value = analysis.metrics.totals.rate(metric)
        verdict = next((v for v in analysis.verdicts if v.scope == IP_SCOPE and v.metric == metric), None)
        if verdict is None or verdict.status is Status.INSUFFICIENT_VOLUME:
            return format_rate(value), "muted"
        marks = {Status.CRITICAL: ("✗ ", "bad"), Status.WARN: ("▲ ", "warn")}
        mark, tone = marks.get(verdict.status, ("", "plain"))
        return f"{mark}{format_rate(value)}", tone

    return cell


def _rate_sort(metric: str) -> Callable[[Row], Any]:
    return lambda a: a.metrics.totals.rate(metric) if a.metrics.totals.rate(metric) is not None else -1.0


def _breach_cell(analysis: Row) -> tuple[str, str]:
    count = len(analysis.breaches)
    if not count:
        return "✓ 0", "ok"
    worst = analysis.worst_status
    return (f"✗ {count}", "bad") if worst is Status.CRITICAL else (f"▲ {count}", "warn")


def _score_cell(analysis: Row) -> tuple[str, str]:
    score = analysis.score
    text = "–" if score.value is None else str(score.value)
    return text, BAND_TONES[score.band]


#: Band severity for sorting (healthy highest): "sort by band" is by band, then score.
BAND_RANK = {Band.UNKNOWN: 0, Band.CRITICAL: 1, Band.AT_RISK: 2, Band.WATCH: 3, Band.HEALTHY: 4}

BASE_COLUMNS: list[Column] = [
    Column("ip", "IP", lambda a: (a.ip, "plain"), lambda a: ip_sort_key(a.ip)),
    Column(
        "pool",
        "Pool",
        lambda a: (a.facts.pool if a.facts and a.facts.pool else "—", "plain"),
        lambda a: (a.facts.pool or "") if a.facts else "",
    ),
    Column(
        "provider",
        "Provider",
        lambda a: (a.facts.provider if a.facts and a.facts.provider else "—", "plain"),
        lambda a: (a.facts.provider or "") if a.facts else "",
    ),
    Column(
        "kind",
        "Kind",
        lambda a: ((a.facts.kind or "—") if a.facts else "—", "plain"),
        lambda a: (a.facts.kind or "") if a.facts else "",
    ),
    Column(
        "score",
        "Score",
        _score_cell,
        lambda a: a.score.value if a.score.value is not None else -1,
        right=True,
    ),
    Column(
        "band",
        "Band",
        lambda a: (BAND_LABELS[a.score.band], BAND_TONES[a.score.band]),
        lambda a: (BAND_RANK[a.score.band], a.score.value if a.score.value is not None else -1),
    ),
    Column(
        "sent",
        "Sent 7d",
        lambda a: (format_count(a.metrics.totals.sent) if a.volume_known else "—", "plain"),
        lambda a: a.metrics.totals.sent,
        right=True,
    ),
    Column("bounce", "Bounce", _rate_cell("bounce_rate"), _rate_sort("bounce_rate"), right=True),
    Column("complaint", "Complaint", _rate_cell("complaint_rate"), _rate_sort("complaint_rate"), right=True),
    Column("unsub", "Unsub", _rate_cell("unsubscribe_rate"), _rate_sort("unsubscribe_rate"), right=True),
    Column(
        "blocklists",
        "Blocklists · rDNS",
        lambda a: a.blocklist or NOT_CHECKED,
        lambda a: a.blocklist[0] if a.blocklist else "~",
    ),
    Column("warmup", "Warm-up", _warmup_cell, lambda a: a.warmup.state.value if a.warmup else "~"),
    Column(
        "breaches",
        "Breaches",
        _breach_cell,
        lambda a: (len([b for b in a.breaches if b.status is Status.CRITICAL]), len(a.breaches)),
        right=True,
    ),
]


#: The columns kept when the terminal is narrow (80 columns): what a verdict needs.
NARROW_KEYS = ("ip", "score", "band", "bounce", "complaint", "breaches")


class IpTable(DataTable[Text]):
    """Rows keyed by IP; a refresh updates changed cells and keeps the cursor on its IP."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("s", "sort_next", "Sort", id="sort"),
        Binding("S", "sort_reverse", "Reverse", show=False, id="sort_reverse"),
    ]

    def __init__(self, columns: list[Column] | None = None, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.all_columns = columns or list(BASE_COLUMNS)
        self.table_columns = list(self.all_columns)
        self.analysis: Analysis | None = None
        self.row_data: dict[str, Row] = {}
        self.filter_text = ""
        self.sort_key = "ip"
        self.sort_reverse = False
        self._shown: list[str] = []
        self._widths: list[int] = []

    def on_mount(self) -> None:
        self.border_title = "IPs"

    def use_narrow_columns(self, narrow: bool) -> None:
        wanted = [c for c in self.all_columns if not narrow or c.key in NARROW_KEYS]
        if [c.key for c in wanted] != [c.key for c in self.table_columns]:
            self.set_columns(wanted)

    def set_columns(self, columns: list[Column]) -> None:
        self.table_columns = columns
        self._widths = []
        self.refresh_rows()

    def show(
        self,
        analysis: Analysis,
        warmups: dict[str, WarmupProgress] | None = None,
        blocklists: dict[str, tuple[str, str]] | None = None,
    ) -> None:
        self.analysis = analysis
        warmups, blocklists = warmups or {}, blocklists or {}
        self.row_data = {ip: Row(a, warmups.get(ip), blocklists.get(ip)) for ip, a in analysis.ips.items()}
        self.refresh_rows()

    @property
    def selected_ip(self) -> str | None:
        if not self._shown or self.cursor_row < 0 or self.cursor_row >= len(self._shown):
            return None
        return self._shown[self.cursor_row]

    def visible_ips(self) -> list[str]:
        return list(self._shown)

    def refresh_rows(self) -> None:
        if self.analysis is None:
            return
        selected = self.selected_ip
        everything = list(self.row_data.values())
        cells = {a.ip: [self._cell(col, a) for col in self.table_columns] for a in everything}
        # Widths are set explicitly from every IP's cells (not only the filtered ones), so the
        # layout is stable while filtering and never depends on when DataTable re-measures.
        widths = [
            max([len(col.label), *(cells[a.ip][i].cell_len for a in everything)])
            for i, col in enumerate(self.table_columns)
        ]
        if widths != self._widths:
            self.clear(columns=True)
            self._shown = []
            for col, width in zip(self.table_columns, widths, strict=True):
                label = Text(col.label, justify="right" if col.right else "left")
                self.add_column(label, key=col.key, width=width)
            self._widths = widths
        rows = [a for a in everything if self._matches(a)]
        column = next((c for c in self.table_columns if c.key == self.sort_key), self.table_columns[0])
        rows.sort(key=lambda a: (column.sort(a), ip_sort_key(a.ip)), reverse=self.sort_reverse)
        wanted = [a.ip for a in rows]
        if wanted == self._shown:
            for analysis in rows:
                for col, cell in zip(self.table_columns, cells[analysis.ip], strict=True):
                    self.update_cell(analysis.ip, col.key, cell)
        else:
            self.clear()
            for analysis in rows:
                self.add_row(*cells[analysis.ip], key=analysis.ip)
            self._shown = wanted
            if selected in wanted:
                self.move_cursor(row=wanted.index(selected))
        total = len(self.analysis.ips)
        shown = f"{len(wanted)} of {total}" if self.filter_text else str(total)
        self.border_title = f"IPs ({shown})"
        arrow = "▼" if self.sort_reverse else "▲"
        filt = f" · filter “{self.filter_text}”" if self.filter_text else ""
        self.border_subtitle = f"sort {column.label} {arrow}{filt}"

    def _cell(self, column: Column, analysis: Row) -> Text:
        text, tone = column.cell(analysis)
        rendered = toned(self.app, text, tone)
        if column.right:
            rendered.justify = "right"
        return rendered

    def _matches(self, analysis: Row) -> bool:
        if not self.filter_text:
            return True
        needle = self.filter_text.lower()
        haystack = " ".join(column.cell(analysis)[0] for column in self.table_columns).lower()
        return all(part in haystack for part in needle.split())

    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip()
        self.refresh_rows()

    def sort_by(self, key: str, reverse: bool | None = None) -> None:
        self.sort_key = key
        if reverse is not None:
            self.sort_reverse = reverse
        self.refresh_rows()

    def action_sort_next(self) -> None:
        keys = [c.key for c in self.table_columns]
        index = keys.index(self.sort_key) if self.sort_key in keys else -1
        self.sort_key = keys[(index + 1) % len(keys)]
        self.refresh_rows()

    def action_sort_reverse(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self.refresh_rows()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        key = str(event.column_key.value)
        if key == self.sort_key:
            self.sort_reverse = not self.sort_reverse
        self.sort_key = key
        self.refresh_rows()
