"""The IP table's columns: what each shows for one IP (text and tone) and how it sorts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ipdash.domain.labels import BAND_LABELS, BAND_TONES, format_count
from ipdash.domain.models import ip_sort_key
from ipdash.domain.verdicts import IP_SCOPE, Band, Status, format_rate

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


def table_rows(
    analysis: Analysis,
    warmups: dict[str, WarmupProgress] | None = None,
    blocklists: dict[str, tuple[str, str]] | None = None,
) -> dict[str, Row]:
    """Every IP's row, by IP (~1 µs an IP: built where the analysis is, in a worker, for a big table)."""
    warmups, blocklists = warmups or {}, blocklists or {}
    return {ip: Row(a, warmups.get(ip), blocklists.get(ip)) for ip, a in analysis.ips.items()}


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


#: The verdict columns: shown at every terminal size, never cut.
NARROW_KEYS = ("ip", "score", "band", "bounce", "complaint", "blocklists", "warmup", "breaches")
#: Context columns given up, in this order, when the table does not fit its width.
OPTIONAL_ORDER = ("kind", "unsub", "provider", "pool", "sent")


def _compact_blocklist(row: Row) -> tuple[str, str]:
    """``? 12 rDNS?`` for ``? 12 unchecked · rDNS ?``: the same symbols and counts, fewer words."""
    text, tone = row.blocklist or NOT_CHECKED
    if text == NOT_CHECKED[0]:
        return "— unchecked", tone
    for long, short in _COMPACT_BLOCKLIST_WORDS:
        text = text.replace(long, short)
    return text, tone


_COMPACT_BLOCKLIST_WORDS = (
    ("✗ listed ", "✗ "),
    ("! policy ", "! "),
    (" unchecked", ""),
    ("✓ clean ", "✓ "),
    (" · rDNS ✗", " rDNS✗"),
    (" · rDNS ?", " rDNS?"),
    (" · PTR generic", " PTR?"),
    (" · stale", " old"),
)


def _compact_warmup(row: Row) -> tuple[str, str]:
    text, tone = _warmup_cell(row)
    return text.replace("back to day ", "back ").replace("day ", ""), tone


def compact(column: Column) -> Column:
    """The same column in fewer cells (narrow terminals): shorter label, blocklist and warm-up words."""
    from dataclasses import replace

    if column.key == "blocklists":
        return replace(column, label="Lists·rDNS", cell=_compact_blocklist)
    if column.key == "warmup":
        return replace(column, cell=_compact_warmup)
    if column.key == "complaint":
        return replace(column, label="Compl.")
    if column.key == "breaches":
        return replace(column, label="Breach")
    return column


def layouts(columns: list[Column]) -> list[tuple[list[Column], int]]:
    """Ways to draw the table, widest first, as (columns, cell padding): all columns; then without
    the context columns, one by one; then the verdict columns in compact form; then with one space
    between columns instead of two (left-aligned, so that space always falls between two values)."""
    found = [(list(columns), 1)]
    kept = list(columns)
    for key in OPTIONAL_ORDER:
        if any(c.key == key for c in kept):
            kept = [c for c in kept if c.key != key]
            found.append((kept, 1))
    verdicts = [compact(c) for c in kept if c.key in NARROW_KEYS]
    from dataclasses import replace

    found += [(verdicts, 1), ([replace(c, right=False) for c in verdicts], 0)]
    return found


#: The IP column is never squeezed below this (an IPv4 address is at most 15 cells).
MIN_IP_CELLS = 12


def middle_ellipsis(text: str, cells: int) -> str:
    """``text`` in at most ``cells`` cells, its middle replaced by "…": both ends of an address
    stay (the network and the host part), each cut after a separator where there is one, so each
    end shows whole groups: ``2001:db8:85a3:1234:5678:8a2e:370:7334`` in 14 cells is ``2001:…370:7334``."""
    if len(text) <= cells:
        return text
    cut = (cells - 1) // 2
    head = text[:cut]
    if text[cut] not in ":." and any(sep in head[:-1] for sep in ":."):
        head = head[: max(head.rfind(":"), head.rfind(".")) + 1]
    start = len(text) - (cells - 1 - len(head))
    tail = text[start:]
    if text[start - 1] not in ":." and any(sep in tail[:-1] for sep in ":."):
        found = [i for i in (tail.find(":"), tail.find(".")) if i >= 0]
        tail = tail[min(found) + 1 :]
    return f"{head}…{tail}"


@lru_cache(maxsize=16)
def shortened_ip(column: Column, cells: int) -> Column:
    """The IP column in ``cells`` cells at most (a long IPv6 address on a narrow terminal): the
    whole address is in the selected-IP panel and the detail view, and the filter still finds it."""
    from dataclasses import replace

    return replace(column, cell=lambda row: (middle_ellipsis(row.ip, cells), "plain"))
