"""Per-IP and per-(IP, mailbox provider) metrics over a window of days.

Rate definitions (fractions):

* bounce rate = bounced / sent
* hard-bounce rate = hard bounced / sent
* complaint rate = complaints / delivered (sent when delivered is not reported),
  as mailbox providers compute spam rates over mail that reached the mailbox
* unsubscribe rate = unsubscribes / delivered (same fallback)
* block rate = blocked / sent: bounces the provider classes as blocks (SparkPost
  count_block_bounce, Mailgun ESP-block failures, SendGrid blocks, a CSV "blocks" column)

A rate whose numerator the source does not report is ``None`` (unknown), not 0.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta

from ipdash.domain.models import DailyStat, Dataset

CONSISTENCY_SENDING_DAYS = 14


@dataclass(frozen=True, slots=True)
class Window:
    """An inclusive range of days."""

    start: date
    end: date

    @classmethod
    def ending(cls, end: date, days: int) -> Window:
        return cls(end - timedelta(days=days - 1), end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Window:
        return Window.ending(self.start - timedelta(days=1), self.days)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def _plus(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _ratio(numerator: int | None, denominator: int | None) -> float | None:
    """A rate as a fraction in [0, 1].

    Capped at 1: some exports date bounces and complaints by arrival, so a window
    can hold more of them than messages it sent. Every level is below 1, so the
    verdict is the same; the counts themselves stay as reported.
    """
    if numerator is None or not denominator:
        return None
    ratio = numerator / denominator
    return ratio if ratio < 1.0 else 1.0


@dataclass(frozen=True, slots=True)
class Totals:
    """Summed counts over some days, with the rates derived from them."""

    sent: int = 0
    delivered: int | None = None
    bounced: int | None = None
    hard_bounced: int | None = None
    complaints: int | None = None
    unsubscribes: int | None = None
    opens: int | None = None
    clicks: int | None = None
    blocked: int | None = None

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            sent=self.sent + other.sent,
            delivered=_plus(self.delivered, other.delivered),
            bounced=_plus(self.bounced, other.bounced),
            hard_bounced=_plus(self.hard_bounced, other.hard_bounced),
            complaints=_plus(self.complaints, other.complaints),
            unsubscribes=_plus(self.unsubscribes, other.unsubscribes),
            opens=_plus(self.opens, other.opens),
            clicks=_plus(self.clicks, other.clicks),
            blocked=_plus(self.blocked, other.blocked),
        )

    @classmethod
    def of(cls, stat: DailyStat) -> Totals:
        return cls(
            sent=stat.sent,
            delivered=stat.delivered,
            bounced=stat.bounced,
            hard_bounced=stat.hard_bounced,
            complaints=stat.complaints,
            unsubscribes=stat.unsubscribes,
            opens=stat.opens,
            clicks=stat.clicks,
            blocked=stat.blocked,
        )

    @property
    def _reached(self) -> int:
        return self.delivered if self.delivered is not None else self.sent

    def rate(self, metric: str) -> float | None:
        """One of RATE_PARTS' rates: its count over sent, or over delivered mail."""
        numerator, over_delivered = RATE_PARTS[metric]
        count = getattr(self, numerator)
        if count is None:
            return None
        # _ratio and _reached inlined: 36 rates per IP, 360k calls at 10k IPs.
        denominator = (
            (self.sent if self.delivered is None else self.delivered) if over_delivered else self.sent
        )
        if not denominator:
            return None
        ratio: float = count / denominator
        return ratio if ratio < 1.0 else 1.0

    @property
    def bounce_rate(self) -> float | None:
        return self.rate("bounce_rate")

    @property
    def hard_bounce_rate(self) -> float | None:
        return self.rate("hard_bounce_rate")

    @property
    def complaint_rate(self) -> float | None:
        return self.rate("complaint_rate")

    @property
    def unsubscribe_rate(self) -> float | None:
        return self.rate("unsubscribe_rate")

    @property
    def block_rate(self) -> float | None:
        return self.rate("block_rate")


#: Per rate: its numerator count, and whether its denominator is delivered mail (else sent); see
#: the module docstring. The vectorised onsets (domain.onset) build the same rates from it.
RATE_PARTS: dict[str, tuple[str, bool]] = {
    "bounce_rate": ("bounced", False),
    "hard_bounce_rate": ("hard_bounced", False),
    "complaint_rate": ("complaints", True),
    "unsubscribe_rate": ("unsubscribes", True),
    "block_rate": ("blocked", False),
}


#: Totals' counts in field order: ``sent``, then those a source may leave unreported (None).
TOTALS_COUNTS = tuple(f.name for f in fields(Totals))
REPORTABLE_COUNTS = TOTALS_COUNTS[1:]


RATE_METRICS = ("bounce_rate", "complaint_rate", "unsubscribe_rate", "block_rate")


def total(items: Iterable[Totals]) -> Totals:
    """The sum of ``items``: a count none of them reports stays None."""
    rows = list(items)
    if len(rows) == 1:
        return rows[0]
    summed: list[int | None] = []
    for name in REPORTABLE_COUNTS:
        known = [value for row in rows if (value := getattr(row, name)) is not None]
        summed.append(sum(known) if known else None)
    return Totals(sum(row.sent for row in rows), *summed)


@dataclass(frozen=True, slots=True)
class IpMetrics:
    ip: str
    window: Window
    totals: Totals
    previous: Totals
    by_provider: Mapping[str, Totals]
    previous_by_provider: Mapping[str, Totals]
    #: One entry per calendar day from the IP's first day to the window end (zero-sent days included).
    #: Built on first use (see :mod:`ipdash.domain.series`): read it for the IP being shown only.
    daily: Sequence[tuple[date, Totals]]
    daily_by_provider: Mapping[str, Sequence[tuple[date, Totals]]]
    consistency_cv: float | None
    last_sent_day: date | None
    idle_days: int | None
    largest_day_over_day_jump: float | None = None
    sending_days_in_window: int = 0
    notes: tuple[str, ...] = field(default=())
    #: Days with mail sent from the IP's first day to the window end, when compute_metrics counted
    #: them (None: count them in ``daily``, e.g. for metrics built by hand).
    sending_day_count: int | None = None

    @property
    def sending_days(self) -> int:
        """Days with mail sent from the IP's first day to the window end (cheap: no series built)."""
        if self.sending_day_count is not None:
            return self.sending_day_count
        return sum(1 for _, day in self.daily if day.sent > 0)

    @property
    def volume_change(self) -> float | None:
        """Window volume vs the previous window, as a fraction (+0.25 = 25% more)."""
        if not self.previous.sent:
            return None
        return self.totals.sent / self.previous.sent - 1

    def rate_change(self, metric: str) -> float | None:
        now, before = self.totals.rate(metric), self.previous.rate(metric)
        if now is None or before is None:
            return None
        return now - before


def compute_metrics(
    dataset: Dataset, window: Window, *, only_ips: Collection[str] | None = None
) -> dict[str, IpMetrics]:
    """Metrics for every IP the dataset knows (IPs with facts but no counts included), in IP order.

    ``only_ips`` limits the work to those IPs (incremental re-analysis after a poll or a
    file change touched a few of them); :func:`merge_metrics` folds the result into the
    previous one. Sums are vectorised group-bys over the dataset's frame; Python builds
    per-IP summaries only.
    """
    from ipdash.domain.metrics_engine import summaries

    ips = dataset.ips()
    if only_ips is not None:
        wanted = set(only_ips)
        ips = [ip for ip in ips if ip in wanted]
    found = summaries(dataset, window, None if only_ips is None else ips)
    return {ip: found.get(ip) or empty_metrics(ip, window) for ip in ips}


def merge_metrics(
    previous: Mapping[str, IpMetrics], updated: Mapping[str, IpMetrics], ips: Sequence[str]
) -> dict[str, IpMetrics]:
    """``previous`` with ``updated``'s IPs replaced, for the IPs in ``ips`` (the dataset's IP order).

    An IP in ``ips`` missing from both (new facts with no counts) is an error: recompute it.
    """
    return {ip: updated[ip] if ip in updated else previous[ip] for ip in ips}


def empty_metrics(ip: str, window: Window) -> IpMetrics:
    return IpMetrics(
        ip=ip,
        window=window,
        totals=Totals(),
        previous=Totals(),
        by_provider={},
        previous_by_provider={},
        daily=(),
        daily_by_provider={},
        consistency_cv=None,
        last_sent_day=None,
        idle_days=None,
    )


def sending_summary(sending: Sequence[int]) -> tuple[float | None, float | None]:
    """Consistency (CV) and the largest jump over the last CONSISTENCY_SENDING_DAYS sending days' volumes."""
    recent = list(sending[-CONSISTENCY_SENDING_DAYS:])
    return coefficient_of_variation(recent), _largest_jump(recent)


def coefficient_of_variation(values: list[int]) -> float | None:
    """Population standard deviation / mean; None with fewer than 2 values or no volume.

    Two-pass over floats with math.fsum (statistics.pstdev is exact but 30× slower; over
    daily volumes the difference is in the 16th digit)."""
    count = len(values)
    if count < 2:
        return None
    mean = math.fsum(values) / count
    if mean == 0:
        return None
    return math.sqrt(math.fsum((value - mean) ** 2 for value in values) / count) / mean


def _largest_jump(values: list[int]) -> float | None:
    """Largest ratio of a sending day to the mean of the up-to-7 sending days before it.

    Against a trailing mean rather than the day before, so a weekly rhythm
    (quiet weekends, busy Mondays) is not mistaken for a burst.
    """
    ratios = []
    for index in range(1, len(values)):
        before = values[max(0, index - 7) : index]
        mean = statistics.fmean(before)
        if mean > 0:
            ratios.append(values[index] / mean)
    return max(ratios) if ratios else None
