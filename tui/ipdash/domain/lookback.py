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

Most IPs need none of that context: a steady sender with no breach is judged the same from its
last few weeks. :func:`lean_start` is the first day of such a lean read (the window, the previous
window, two weeks of sending days), and :func:`needs_context` names the IPs whose analysis over
a lean read may differ from one over the whole lookback; reading only their earlier daily records
and analysing again gives the whole lookback's verdicts, metrics, scores and feed for every IP
(tests/unit/foundation/test_lean_lookback.py). `report`, `metrics serve` and the TUI's first frame
read this way (``sources.store.history``: ``read_lean``, ``analyse_in_two_steps``, ``read_for_views``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from ipdash.domain.config import Config
from ipdash.domain.coverage import LAG_DAYS
from ipdash.domain.metrics import CONSISTENCY_SENDING_DAYS

if TYPE_CHECKING:
    from ipdash.domain.analysis import Analysis
    from ipdash.domain.models import Dataset

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


def lean_start(config: Config, days: int | None, newest: date) -> date | None:
    """The first day of a lean read for an analysis of the last ``days`` days (None: all, no lean
    read): the window and the previous window, and at least twice CONSISTENCY_SENDING_DAYS days (a
    five-day-a-week sender's last 14 sending days), counted as :func:`history_start` counts."""
    if days is None:
        return None
    span = max(days, config.window_days)
    lean = max(2 * span, 2 * CONSISTENCY_SENDING_DAYS)
    return newest - timedelta(days=LAG_DAYS + lean - 1)


def needs_context(
    analysis: Analysis, lean: Dataset, lean_from: date, config: Config, earlier: Iterable[str]
) -> set[str]:
    """The IPs of an analysis of ``lean`` (daily records from ``lean_from`` on) that may be judged
    otherwise over the whole lookback, so whose earlier records must be read. ``earlier``: the IPs
    with daily records in the lookback before ``lean_from`` (the store's distinct IPs there).

    * an IP the lean records do not hold at all (it has only earlier records);
    * no mail sent in what was read: its idle days, and a re-warm's peak, lie further back;
    * a warm-up plan or progress (a plan is walked from its start or from the first day read);
    * fewer than CONSISTENCY_SENDING_DAYS sending days read: its consistency reaches further back;
    * a breach dated at the earliest window end the lean records can judge (the IP's first day
      read plus the window less one): its run may have begun before. A breach dated later had a
      window end inside the lean records that broke the run, and the days after it are the same
      in both reads, so its onset is too.

    Everything else an IP shows (the window's and the previous window's sums, the last sending
    day, the consistency over its last 14 sending days, the score from those) is read from days
    the lean records hold whole.
    """
    import polars as pl

    from ipdash.domain.models import canonical_ip
    from ipdash.domain.warmup.settings import WarmupSettings

    window = analysis.window
    if window is None:
        return set()
    frame = lean.frame()
    firsts: dict[str, date] = {}
    if frame.height:
        grouped = frame.filter(pl.col("day") <= window.end).group_by("ip").agg(pl.col("day").min())
        firsts = dict(zip(grouped["ip"].cast(pl.String).to_list(), grouped["day"].to_list(), strict=True))
    planned = set(lean.warmups) | {canonical_ip(ip) for ip in WarmupSettings.from_section(config.warmup).ips}
    planned |= {ip for ip, facts in lean.facts.items() if facts.warmup_plan or facts.warmup_start}
    found = {ip for ip in earlier if ip not in analysis.ips}
    for ip, result in analysis.ips.items():
        metrics = result.metrics
        if (
            metrics.last_sent_day is None
            or result.warmup is not None
            or ip in planned
            or metrics.sending_days < CONSISTENCY_SENDING_DAYS
        ):
            found.add(ip)
            continue
        first = max(firsts.get(ip, lean_from), lean_from)
        earliest = first + timedelta(days=metrics.window.days - 1)
        if any(v.since is not None and v.since <= earliest for v in result.threshold_breaches):
            found.add(ip)
    return found
