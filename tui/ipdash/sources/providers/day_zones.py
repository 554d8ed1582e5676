"""Where each source's day starts, and how its days line up with everyone else's.

ipdash's days are UTC calendar days. Most providers bucket by UTC (SparkPost is asked
for ``timezone=UTC``, Mailgun's and SendGrid's stats are UTC, CloudWatch periods are
asked in UTC; Postmaster v2 dates carry no stated zone and are taken as given). Two are not:

- Microsoft SNDS reports Pacific-time days and times (America/Los_Angeles);
- Postmark buckets its stats by US Eastern days (America/New_York).

A daily total cannot be split by hour, so a provider's local day is labelled with the
UTC day it overlaps most (:func:`utc_day`); for every zone within ±12 h of UTC that is
the same calendar date, which makes "2025-06-10" the same day in every source.
Timestamps (SNDS activity start/end) are converted exactly, and "today" is asked in
the provider's own zone so that a source is never asked for a day that has not begun.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from ipdash.sources.providers.facts import provider_facts


@cache
def day_zone(kind: str) -> ZoneInfo:
    """The zone a provider's days are in (UTC unless ``day_zone`` in data/providers.json says otherwise)."""
    name = provider_facts()["providers"].get(kind, {}).get("day_zone", "UTC")
    return ZoneInfo(str(name))


def utc_day(local_day: date, zone: ZoneInfo) -> date:
    """The UTC calendar day that overlaps the provider's local day the most (earlier on a tie)."""
    start = datetime.combine(local_day, time(), zone).astimezone(UTC)
    end = datetime.combine(local_day + timedelta(days=1), time(), zone).astimezone(UTC)
    best, best_overlap = start.date(), timedelta(0)
    day = start.date()
    while datetime.combine(day, time(), UTC) < end:
        lo = max(start, datetime.combine(day, time(), UTC))
        hi = min(end, datetime.combine(day + timedelta(days=1), time(), UTC))
        if hi - lo > best_overlap:
            best, best_overlap = day, hi - lo
        day += timedelta(days=1)
    return best


def local_today(now: datetime, zone: ZoneInfo) -> date:
    """Today's date in the provider's zone (``now`` must be timezone-aware)."""
    return now.astimezone(zone).date()


def to_utc(local: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A naive provider timestamp in its zone, as an aware UTC datetime (aware ones are converted)."""
    if local is None:
        return None
    aware = local if local.tzinfo is not None else local.replace(tzinfo=zone)
    return aware.astimezone(UTC)
