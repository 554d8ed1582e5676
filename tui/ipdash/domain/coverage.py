"""Which days the daily records cover, source by source: a day a source has not reported yet is
*no data* for its IPs, not a day of zero volume.

Files and providers report on their own schedules (one export lands at 01:00, another at 06:00;
one CSV gets today's rows appended before the others). The analysis window ends at the latest day
every current source has reported, so appending a day to one file neither shifts the window for
the others nor counts their missing day as zero. A source more than ``LAG_DAYS`` behind the newest
is not waited for: it is behind (the Sources panel says so), and the window moves on without it.
"""

from __future__ import annotations

from datetime import date

from ipdash.domain.models import Dataset

#: How many days a source may lag the newest one and still hold the window's end back.
LAG_DAYS = 1


def latest_days_by_source(dataset: Dataset) -> dict[str, date]:
    """Each source of daily records -> the latest day it reported."""
    if not dataset.has_stats():
        return {}
    import polars as pl

    # Grouped on the categorical codes, the few groups' names cast after: casting every row's
    # source to text first cost more than the group-by (0.3 s at 4 M records).
    latest = dataset.frame().group_by("source").agg(pl.col("day").max())
    return dict(zip(latest["source"].cast(pl.String).to_list(), latest["day"].to_list(), strict=True))


def complete_day(dataset: Dataset) -> date | None:
    """The latest day that every current source of daily records has reported (None: no records).

    Sources more than LAG_DAYS behind the newest are left out: waiting for them would freeze the
    window for everyone."""
    days = list(latest_days_by_source(dataset).values())
    if not days:
        return None
    newest = max(days)
    return min(day for day in days if (newest - day).days <= LAG_DAYS)
