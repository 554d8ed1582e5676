"""Per-IP and per-(IP, mailbox provider) metrics over a window of days.

Rate definitions (fractions):

* bounce rate = bounced / sent
* hard-bounce rate = hard bounced / sent
* complaint rate = complaints / delivered (sent when delivered is not reported),
  as mailbox providers compute spam rates over mail that reached the mailbox
* unsubscribe rate = unsubscribes / delivered (same fallback)

A rate whose numerator the source does not report is ``None`` (unknown), not 0.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
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
    return min(numerator / denominator, 1.0)


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
        )

    @property
    def _reached(self) -> int:
        return self.delivered if self.delivered is not None else self.sent

    @property
    def bounce_rate(self) -> float | None:
        return _ratio(self.bounced, self.sent)

    @property
    def hard_bounce_rate(self) -> float | None:
        return _ratio(self.hard_bounced, self.sent)

    @property
    def complaint_rate(self) -> float | None:
        return _ratio(self.complaints, self._reached)

    @property
    def unsubscribe_rate(self) -> float | None:
        return _ratio(self.unsubscribes, self._reached)

    def rate(self, metric: str) -> float | None:
        value: float | None = getattr(self, metric)
        return value


RATE_METRICS = ("bounce_rate", "complaint_rate", "unsubscribe_rate")


def total(items: Iterable[Totals]) -> Totals:
    result = Totals()
    for item in items:
        result = result + item
    return result


@dataclass(frozen=True, slots=True)
class IpMetrics:
    ip: str
    window: Window
    totals: Totals
    previous: Totals
    by_provider: Mapping[str, Totals]
    previous_by_provider: Mapping[str, Totals]
    #: One entry per calendar day from the IP's first day to the window end (zero-sent days included).
    daily: tuple[tuple[date, Totals], ...]
    daily_by_provider: Mapping[str, tuple[tuple[date, Totals], ...]]
    consistency_cv: float | None
    last_sent_day: date | None
    idle_days: int | None
    largest_day_over_day_jump: float | None = None
    sending_days_in_window: int = 0
    notes: tuple[str, ...] = field(default=())

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


def compute_metrics(dataset: Dataset, window: Window) -> dict[str, IpMetrics]:
    """Metrics for every IP the dataset knows (IPs with facts but no counts included)."""
    by_ip: dict[str, dict[str, dict[date, Totals]]] = defaultdict(lambda: defaultdict(dict))
    for (day, ip, provider), stat in dataset.stats.items():
        if day <= window.end:
            by_ip[ip][provider][day] = Totals.of(stat)
    return {ip: ip_metrics(ip, by_ip.get(ip, {}), window) for ip in dataset.ips()}


def ip_metrics(ip: str, per_provider: Mapping[str, Mapping[date, Totals]], window: Window) -> IpMetrics:
    previous_window = window.previous()
    by_provider = {p: total(t for d, t in days.items() if d in window) for p, days in per_provider.items()}
    previous_by_provider = {
        p: total(t for d, t in days.items() if d in previous_window) for p, days in per_provider.items()
    }
    all_days = sorted({d for days in per_provider.values() for d in days})
    daily = _daily_series(all_days, [per_provider[p] for p in per_provider], window.end)
    daily_by_provider = {p: _daily_series(all_days, [days], window.end) for p, days in per_provider.items()}
    sending = [(d, t) for d, t in daily if t.sent > 0]
    last_sent = sending[-1][0] if sending else None
    return IpMetrics(
        ip=ip,
        window=window,
        totals=total(by_provider.values()),
        previous=total(previous_by_provider.values()),
        by_provider=by_provider,
        previous_by_provider=previous_by_provider,
        daily=daily,
        daily_by_provider=daily_by_provider,
        consistency_cv=coefficient_of_variation([t.sent for _, t in sending[-CONSISTENCY_SENDING_DAYS:]]),
        last_sent_day=last_sent,
        idle_days=(window.end - last_sent).days if last_sent else None,
        largest_day_over_day_jump=_largest_jump([t.sent for _, t in sending[-CONSISTENCY_SENDING_DAYS:]]),
        sending_days_in_window=sum(1 for d, _ in sending if d in window),
    )


def _daily_series(
    all_days: list[date], sources: list[Mapping[date, Totals]], end: date
) -> tuple[tuple[date, Totals], ...]:
    if not all_days:
        return ()
    series = []
    day = all_days[0]
    while day <= end:
        series.append((day, total(source[day] for source in sources if day in source)))
        day += timedelta(days=1)
    return tuple(series)


def coefficient_of_variation(values: list[int]) -> float | None:
    """Population standard deviation / mean; None with fewer than 2 values or no volume."""
    if len(values) < 2:
        return None
    mean = statistics.fmean(values)
    if mean == 0:
        return None
    return statistics.pstdev(values) / mean


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
