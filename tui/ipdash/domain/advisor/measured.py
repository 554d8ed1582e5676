"""Wizard defaults measured from the loaded data: volume, cadence, pattern and list quality.

Volume and cadence are summed over all IPs and mailbox providers: the sender's whole sending.
Rates follow ipdash.domain.metrics (bounces over sent; complaints and unsubscribes over
delivered) and are the *worst* of the account, each IP and each (IP, mailbox provider) with at
least ``MIN_RATE_VOLUME`` sent: an account-wide mean hides the IP or mailbox provider a
dedicated plan would fail on. The basis says which one it was and what the account-wide rate is.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ipdash.domain.advisor import text
from ipdash.domain.advisor.inputs import Pattern, cross_field_problems
from ipdash.domain.advisor.rulebook import RuleBook, bundled_rule_book
from ipdash.domain.metrics import REPORTABLE_COUNTS, Totals, coefficient_of_variation
from ipdash.domain.models import Dataset

SEASONAL_MIN_BLOCKS = 3
#: Least volume sent for an IP's or mailbox provider's rate to count (the thresholds' min_volume).
MIN_RATE_VOLUME = 1000
SEASONAL_LOOKBACK_DAYS = 365


class MeasuredDefaults(BaseModel):
    """Partial answers measured from data; ``basis`` says how each one was measured."""

    model_config = ConfigDict(frozen=True)

    monthly_volume: int | None = None
    sends_per_month: int | None = None
    sending_days_per_week: int | None = None
    longest_gap_days: int | None = None
    pattern: Pattern | None = None
    peak_monthly_volume: int | None = None
    bounce_rate: float | None = None
    complaint_rate: float | None = None
    unsubscribe_rate: float | None = None
    basis: dict[str, str] = Field(default_factory=dict)
    window_start: date | None = None
    window_end: date | None = None

    def answers(self) -> dict[str, Any]:
        """The measured answers only (no None), keyed like AdvisorInputs."""
        skip = {"basis", "window_start", "window_end"}
        return {
            key: value for key, value in self.model_dump().items() if key not in skip and value is not None
        }


def measured_defaults(
    dataset: Dataset, *, today: date | None = None, book: RuleBook | None = None
) -> MeasuredDefaults:
    """Defaults for the wizard from the last 30 days of data up to ``today`` (default: the
    latest day with data). Returns empty defaults when nothing was sent."""
    book = book or bundled_rule_book()
    detection = book.pattern_detection
    per_day = sent_per_day(dataset)
    end = today or dataset.latest_day()
    if end is None or not per_day:
        return MeasuredDefaults(basis={"all": "no sending data loaded"})
    window_days = detection.window_days
    start = end - timedelta(days=window_days - 1)
    first_day = min(per_day)
    covered_start = max(start, first_day)
    if covered_start > end:
        return MeasuredDefaults(basis={"all": f"no sending data up to {end.isoformat()}"})
    covered = (end - covered_start).days + 1
    sending_days = sorted(day for day, sent in per_day.items() if covered_start <= day <= end and sent > 0)
    if not sending_days:
        return MeasuredDefaults(
            basis={"all": f"nothing sent from {covered_start.isoformat()} to {end.isoformat()}"},
            window_start=covered_start,
            window_end=end,
        )
    scale = window_days / covered
    window_total = totals_between(dataset, covered_start, end)
    span = f"{covered_start.isoformat()} to {end.isoformat()}"
    scaled = f", scaled from {text.plural(covered, 'day')} to {window_days}" if covered < window_days else ""
    values: dict[str, Any] = {"monthly_volume": max(1, round(window_total.sent * scale))}
    basis = {"monthly_volume": f"sent {span}{scaled}"}
    values["sends_per_month"] = max(1, min(31, round(len(sending_days) * scale)))
    values["sending_days_per_week"] = max(1, min(7, round(len(sending_days) / covered * 7)))
    if cross_field_problems(values):
        del values["sending_days_per_week"]
    basis["sends_per_month"] = f"{text.plural(len(sending_days), 'day')} with mail {span}{scaled}"
    if "sending_days_per_week" in values:
        basis["sending_days_per_week"] = basis["sends_per_month"]
    gaps = [(later - earlier).days for earlier, later in pairwise(sending_days)]
    if gaps:
        values["longest_gap_days"] = max(gaps)
        basis["longest_gap_days"] = f"longest run between days with mail {span}"
    pattern, pattern_basis, busiest = _pattern(per_day, sending_days, first_day, end, book)
    values["pattern"] = pattern
    basis["pattern"] = pattern_basis
    if pattern is not Pattern.STEADY and busiest is not None and busiest > values["monthly_volume"]:
        values["peak_monthly_volume"] = busiest
        basis["peak_monthly_volume"] = f"busiest {window_days}-day block of the last year"
    in_window = [stat for stat in dataset.stats.values() if covered_start <= stat.day <= end]
    for metric in ("bounce_rate", "complaint_rate", "unsubscribe_rate"):
        worst = _worst_rate(in_window, metric, window_total.rate(metric))
        if worst is not None:
            values[metric], where = worst
            overall = window_total.rate(metric)
            account = f"; account-wide {text.percent(overall)}" if overall is not None else ""
            basis[metric] = f"{metric.replace('_', ' ')} {span}, worst: {where}{account}"
    return MeasuredDefaults(**values, basis=basis, window_start=covered_start, window_end=end)


def _worst_rate(stats: list[Any], metric: str, overall: float | None) -> tuple[float, str] | None:
    """The highest rate of the account, any IP and any (IP, mailbox provider) with enough volume."""
    groups: dict[tuple[str, str], Totals] = {}
    for stat in stats:
        for key in ((stat.ip, ""), (stat.ip, stat.mailbox_provider)):
            groups[key] = groups[key] + Totals.of(stat) if key in groups else Totals.of(stat)
    worst: tuple[float, str] | None = None if overall is None else (overall, "account-wide")
    for (ip, provider), totals in sorted(groups.items()):
        if totals.sent < MIN_RATE_VOLUME:
            continue
        rate = totals.rate(metric)
        if rate is not None and (worst is None or rate > worst[0]):
            worst = (rate, f"{ip} at {provider}" if provider else ip)
    return worst


def _pattern(
    per_day: dict[date, int], sending_days: list[date], first_day: date, end: date, book: RuleBook
) -> tuple[Pattern, str, int | None]:
    detection = book.pattern_detection
    volumes = [per_day[day] for day in sending_days]
    variation = coefficient_of_variation(volumes)
    if variation is not None and variation >= detection.spiky_cv:
        return (
            Pattern.SPIKY,
            f"day-to-day variation {variation:.2f} ≥ {detection.spiky_cv:g} over the last {detection.window_days} days",
            None,
        )
    blocks = []
    block_end = end
    while block_end - timedelta(days=detection.window_days - 1) >= first_day:
        block_start = block_end - timedelta(days=detection.window_days - 1)
        if (end - block_start).days >= SEASONAL_LOOKBACK_DAYS:
            break
        blocks.append(sum(sent for day, sent in per_day.items() if block_start <= day <= block_end))
        block_end = block_start - timedelta(days=1)
    shown = f"{variation:.2f}" if variation is not None else "n/a"
    if len(blocks) < SEASONAL_MIN_BLOCKS:
        return (
            Pattern.STEADY,
            f"day-to-day variation {shown} < {detection.spiky_cv:g}; seasonality needs "
            f"{SEASONAL_MIN_BLOCKS} full {detection.window_days}-day blocks of data (have {len(blocks)})",
            None,
        )
    quietest, busiest = min(blocks), max(blocks)
    if quietest == 0 or busiest / quietest >= detection.seasonal_ratio:
        ratio = "∞" if quietest == 0 else f"{busiest / quietest:.1f}"
        return (
            Pattern.SEASONAL,
            f"busiest {detection.window_days}-day block sent {ratio}× the quietest (≥ {detection.seasonal_ratio:g}×)",
            busiest,
        )
    return (
        Pattern.STEADY,
        f"day-to-day variation {shown} < {detection.spiky_cv:g}; busiest block "
        f"{busiest / quietest:.1f}× the quietest (< {detection.seasonal_ratio:g}×)",
        None,
    )


def sent_per_day(dataset: Dataset) -> dict[date, int]:
    """Messages sent per day over every IP and mailbox provider."""
    if not dataset.has_stats():
        return {}
    import polars as pl

    per_day = dataset.frame().group_by("day").agg(pl.col("sent").sum()).sort("day")
    return dict(zip(per_day["day"].to_list(), per_day["sent"].to_list(), strict=True))


def totals_between(dataset: Dataset, start: date, end: date) -> Totals:
    """Summed counts of every record from ``start`` to ``end``; a count no record reports stays None."""
    import polars as pl

    names = REPORTABLE_COUNTS
    rows = dataset.frame().filter(pl.col("day").is_between(start, end))
    sums = rows.select(
        pl.col("sent").sum(),
        *(pl.col(n).sum().alias(n) for n in names),
        *(pl.col(n).count().alias(f"{n}#") for n in names),
    ).row(0, named=True)
    return Totals(sums["sent"], *(sums[n] if sums[f"{n}#"] else None for n in names))
