"""What the charts draw, from the analysis' daily series: per mailbox provider, over the time range.

No Textual here: the series are plain lists, tested on their own. Rates are the analysis' own
``Totals`` rates per day; nothing is judged here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ipdash.domain.mailbox_providers import provider_sort_key
from ipdash.domain.metrics import Totals, Window

DailySeries = Sequence[tuple[date, Totals]]

#: Lines drawn per chart: the biggest providers by volume; the rest are summed as "others".
MAX_PROVIDERS = 4
#: A provider's daily rate is drawn only on days it was sent at least this many messages: one bounce in
#: ten sends is a 10% "spike" that says nothing. Stated in the chart's title.
MIN_DAILY_SENT = 100
#: Charts show at least this many days, so a 1-day range still shows a trend.
MIN_CHART_DAYS = 7
MARKERS = ("●", "▲", "■", "◆", "✚")


@dataclass(frozen=True, slots=True)
class Line:
    label: str
    marker: str
    points: tuple[tuple[int, float], ...]  # (day index, value)


@dataclass(frozen=True, slots=True)
class ChartData:
    days: tuple[date, ...]
    volume: tuple[Line, ...]
    #: metric -> one line per provider
    rates: Mapping[str, tuple[Line, ...]]
    skipped_days: int = 0  # provider-days left out of rate lines for low volume


def chart_days(window: Window, first: date | None = None) -> tuple[date, ...]:
    """The calendar days a chart spans: the window from the IP's first day (``first``) on, widened
    to MIN_CHART_DAYS for short ranges and new IPs."""
    start = max(window.start, first) if first is not None else window.start
    start = min(start, window.end - timedelta(days=MIN_CHART_DAYS - 1))
    return tuple(start + timedelta(days=i) for i in range((window.end - start).days + 1))


def top_providers(daily_by_provider: Mapping[str, DailySeries], days: Sequence[date]) -> list[str]:
    span = set(days)
    sent = {
        provider: sum(t.sent for d, t in series if d in span)
        for provider, series in daily_by_provider.items()
    }
    ranked = sorted((p for p in sent if sent[p] > 0), key=lambda p: (-sent[p], provider_sort_key(p)))
    return ranked


def build(
    daily_by_provider: Mapping[str, DailySeries],
    days: Sequence[date],
    metrics: Sequence[str] = ("bounce_rate", "complaint_rate"),
) -> ChartData:
    index = {day: i for i, day in enumerate(days)}
    ranked = top_providers(daily_by_provider, days)
    shown, rest = ranked[:MAX_PROVIDERS], ranked[MAX_PROVIDERS:]
    groups: list[tuple[str, dict[date, Totals]]] = [
        (provider, dict(daily_by_provider[provider])) for provider in shown
    ]
    if rest:
        merged: dict[date, Totals] = {}
        for provider in rest:
            for day, totals in daily_by_provider[provider]:
                merged[day] = merged[day] + totals if day in merged else totals
        groups.append((f"{len(rest)} others", merged))
    volume = tuple(
        Line(
            label,
            MARKERS[n % len(MARKERS)],
            tuple((index[d], float(t.sent)) for d, t in sorted(by_day.items()) if d in index),
        )
        for n, (label, by_day) in enumerate(groups)
    )
    skipped = 0
    rates: dict[str, tuple[Line, ...]] = {}
    for metric in metrics:
        lines = []
        for n, (label, by_day) in enumerate(groups):
            points = []
            for day, totals in sorted(by_day.items()):
                if day not in index or totals.sent == 0:
                    continue
                value = totals.rate(metric)
                if value is None:
                    continue
                if totals.sent < MIN_DAILY_SENT:
                    skipped += 1
                    continue
                points.append((index[day], value))
            if points:
                lines.append(Line(label, MARKERS[n % len(MARKERS)], tuple(points)))
        rates[metric] = tuple(lines)
    return ChartData(tuple(days), volume, rates, skipped)
