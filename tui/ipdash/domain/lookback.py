"""How far back the analysis reads: the earliest day of records an analysis of a time range uses.

A store holding years of history need not hand all of it to a 7-day report. What the analysis
reads before the window it judges:

* the previous window, as long as the window (trends: volume and rates against the period before);
* the current run of a breach, to date its onset: up to ``CONTEXT_DAYS`` before the window, each
  window end judged over a rolling window as long as the range (a breach running longer than that
  shows its onset at the lookback's start: "at least since");
* idle spells and the busiest day before one (the re-warm rule's target): ``CONTEXT_DAYS`` or
  twice the re-warm idle limit, whichever is longer (the peak is the busiest day in that span, not
  in all the years held; an IP idle longer than that is out of view in a dated range, the "all"
  range shows it; a re-warm plan, which has no start date, is walked from the first day read);
* a warm-up plan, from its start (``[warmup.ips]`` in the config, ``warmup_start`` in the IP's
  facts): its progress is walked day by day from there.

The window ends at the latest day every current source reported, up to ``coverage.LAG_DAYS``
before the newest day held, so the lookback counts from there. The "all" range reads everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from ipdash.domain.config import Config
from ipdash.domain.coverage import LAG_DAYS

#: Days before the window read for breach onsets, idle spells and re-warm peaks.
CONTEXT_DAYS = 90


def history_start(
    config: Config, days: int | None, newest: date, *, plan_starts: Iterable[date | None] = ()
) -> date | None:
    """The earliest day an analysis of the last ``days`` days (None: all the history) reads, when
    the newest record held is of ``newest``. ``days`` shorter than the configured window still
    reads the configured window's span: alerts are judged over it whatever range is shown.
    ``plan_starts`` are the warm-up starts the IPs' facts give (the config's are added here)."""
    if days is None:
        return None
    from ipdash.domain.warmup.schedules import PlanError
    from ipdash.domain.warmup.settings import WarmupSettings

    try:
        settings = WarmupSettings.from_section(config.warmup)
    except PlanError:
        return None  # the analysis says what is wrong with [warmup]; read everything meanwhile
    span = max(days, config.window_days)
    context = max(CONTEXT_DAYS, 2 * settings.rewarm_idle_days)
    lookback = max(2 * span, span + context + span - 1)  # previous window; onsets' rolling windows
    start = newest - timedelta(days=LAG_DAYS + lookback - 1)
    starts = [entry.start for entry in settings.ips.values()] + list(plan_starts)
    return min([start, *(day for day in starts if day is not None)])
