"""The time range the dashboard shows: the last 1, 7, 14, 30 or 90 days, or all the history held.

The range is the analysis window (``analyse(..., window=...)``), so every verdict, rate and panel
follows it; nothing is re-judged outside the analysis.
"""

from __future__ import annotations

from datetime import date

from ipdash.domain.analysis import analysis_window
from ipdash.domain.metrics import Window
from ipdash.domain.models import Dataset

#: The ranges offered, shortest first; None is "all the history held".
RANGES: tuple[int | None, ...] = (1, 7, 14, 30, 90, None)


def range_label(days: int | None) -> str:
    if days is None:
        return "all"
    return "1 day" if days == 1 else f"{days} days"


def short_label(days: int | None) -> str:
    return "all" if days is None else f"{days}d"


def stepped(days: int | None, step: int) -> int | None:
    """The next shorter (step -1) or longer (+1) range, stopping at the ends. A configured
    ``window_days`` outside the list steps to its nearest neighbour."""
    order = [d if d is not None else 10**9 for d in RANGES]
    current = days if days is not None else 10**9
    if step > 0:
        longer = [d for d in order if d > current]
        chosen = longer[0] if longer else order[-1]
    else:
        shorter = [d for d in order if d < current]
        chosen = shorter[-1] if shorter else order[0]
    return None if chosen == 10**9 else chosen


def first_day(dataset: Dataset) -> date | None:
    if not dataset.has_stats():
        return None
    earliest: date | None = dataset.frame()["day"].min()
    return earliest


def range_window(dataset: Dataset, days: int | None, today: date | None = None) -> Window | None:
    """The analysis window for a range: ``days`` ending at the latest data (as ``analyse`` picks
    it), or for "all" from the first day held to the latest."""
    if days is not None:
        return analysis_window(dataset, days, today=today)
    last = analysis_window(dataset, 1, today=today)
    if last is None:
        return None
    start = first_day(dataset) or last.end
    return Window(min(start, last.end), last.end)
