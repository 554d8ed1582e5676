"""Adding DailyStat rows that land on the same (day, IP, mailbox provider) key.

Two raw provider names can map to one scope (SparkPost's "Free.fr" and "Educational
Institution" are both ``other``); their counts add. A count neither row knows stays
unknown (None), never 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import Any

from ipdash.domain.models import COUNT_COLUMNS, DailyStat

#: The counts beside ``sent``, which is always known.
COUNT_FIELDS = COUNT_COLUMNS[1:]


def add_stats(left: DailyStat, right: DailyStat) -> DailyStat:
    values: dict[str, Any] = {}
    for name in COUNT_FIELDS:
        a, b = getattr(left, name), getattr(right, name)
        values[name] = None if a is None and b is None else (a or 0) + (b or 0)
    return replace(left, sent=left.sent + right.sent, **values)


def merge_by_key(stats: Iterable[DailyStat]) -> list[DailyStat]:
    """One row per (day, IP, mailbox provider), in first-seen order."""
    merged: dict[tuple[date, str, str], DailyStat] = {}
    for stat in stats:
        key = (stat.day, stat.ip, stat.mailbox_provider)
        merged[key] = add_stats(merged[key], stat) if key in merged else stat
    return list(merged.values())
