"""Words the filter finds an IP by beyond its visible cells: what the table shows in words
("warm" finds an IP at "day 13/18 ✓"), and facts whose column a narrow terminal hides (pool, provider)."""

from __future__ import annotations

from collections.abc import Iterable

from ipdash.domain.feed import FeedItem
from ipdash.domain.warmup.results import WarmupState
from ipdash.ui.widgets.ip_columns import Row


def row_keywords(row: Row) -> str:
    words: list[str] = [row.analysis.ip]  # whole, also where a narrow table shows it shortened
    facts = row.analysis.facts
    if facts is not None:
        words += [value for value in (facts.pool, facts.provider, facts.kind, facts.stream) if value]
        words += [f"pool:{facts.pool}"] if facts.pool else []
    warmup = row.warmup
    if warmup is not None:
        words += ["warm-up", "warmup", warmup.state.value, warmup.state.value.replace("-", " ")]
        words += [] if warmup.state is WarmupState.COMPLETE else ["warming"]
    if row.analysis.breaches:
        words += ["breach", *(item.severity for item in row.analysis.breaches)]
    return " ".join(words).lower()


def filtered_feed(feed: Iterable[FeedItem], visible_ips: Iterable[str], needle: str) -> list[FeedItem]:
    """The feed as the filter leaves it: the breaches of the IPs the table shows, and lines that
    are not an IP's (account, sending domain) when they contain every word typed."""
    items = list(feed)
    words = needle.lower().split()
    if not words:
        return items
    shown = set(visible_ips)
    return [
        item
        for item in items
        if item.ip in shown
        or (
            item.kind in ("account", "domain")
            and all(w in f"{item.ip} {item.what} {item.detail} {item.scope}".lower() for w in words)
        )
    ]
