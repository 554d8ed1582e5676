"""Daily charts for one IP (textual-plotext), per mailbox provider: volume, and one chart per rate.

Rates and volume never share an axis, and each rate has its own chart, so a 0.07% complaint rate
is not drawn on a 6% bounce scale. Rate charts carry the warn and critical levels of the IP's
threshold preset (given by the caller, from the presets the analysis used) as horizontal lines.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from textual.color import Color
from textual_plotext import PlotextPlot

from ipdash.domain.verdicts import METRIC_LABELS
from ipdash.ui.widgets.chart_axes import count_label, date_ticks, percent_label, value_ticks
from ipdash.ui.widgets.chart_data import MIN_DAILY_SENT, ChartData, Line

#: What a chart says while its days are still being read (not "no day": they are not known yet).
DAYS_LOADING = "loading the day-by-day history …"


@dataclass(frozen=True, slots=True)
class Levels:
    """A metric's warn and critical levels (fractions) and the preset they come from."""

    warn: float | None
    critical: float | None
    preset: str


def _theme_rgb(plot: PlotextPlot, variable: str) -> tuple[int, int, int] | None:
    value = plot.app.get_css_variables().get(variable)
    if value is None:
        return None
    color = Color.parse(value)
    return (color.r, color.g, color.b)


#: Theme variables the providers' lines are drawn in, in order (never literal colours).
LINE_COLOURS = ("primary", "accent", "secondary", "foreground", "warning")
#: Up to this many days every day's point carries its provider's symbol; past it, some of them.
SYMBOLS_UP_TO_DAYS = 45
SYMBOLS_ALONG_A_LINE = 15
#: The axis starts this fraction below 0, so a 0 line is drawn inside the frame, not over its edge.
ZERO_MARGIN = 0.04


def _draw_lines(plot: PlotextPlot, lines: Sequence[Line], days: int) -> None:
    """A braille line per provider in a theme colour, with the provider's symbol on its points (on
    every point while the range is short, on about SYMBOLS_ALONG_A_LINE of them past that), so the
    lines are told apart by shape as well as colour; the legend names the symbols."""
    every = 1 if days <= SYMBOLS_UP_TO_DAYS else math.ceil(days / SYMBOLS_ALONG_A_LINE)
    for n, line in enumerate(lines):
        xs, ys = [x for x, _ in line.points], [y for _, y in line.points]
        colour = _theme_rgb(plot, LINE_COLOURS[n % len(LINE_COLOURS)])
        plot.plt.plot(xs, ys, marker="braille", color=colour)
        # Offset per line, so symbols of lines lying on each other do not all land on the same days.
        marked = [(x, y) for i, (x, y) in enumerate(line.points) if (i + n) % every == 0]
        plot.plt.scatter(
            [x for x, _ in marked], [y for _, y in marked], marker=line.marker, label=line.label, color=colour
        )


def _date_axis(plot: PlotextPlot, data: ChartData) -> None:
    positions, labels = date_ticks(data.days)
    plot.plt.xticks([float(p) for p in positions], labels)


class VolumeChart(PlotextPlot):
    """Sent per day, a line per mailbox provider (or per IP: ``by``)."""

    by = "mailbox provider"

    def plot_chart(self, data: ChartData, *, pending: bool = False) -> None:
        """``pending``: the days are still being read (``DataReady.days_pending``): said, not drawn."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(f"Sent per day by {self.by} ({len(data.days)} days)")
        top = 0.0 if pending else max((y for line in data.volume for _, y in line.points), default=0.0)
        if pending:
            plt.xlabel(DAYS_LOADING)
        if top > 0:
            _draw_lines(self, data.volume, len(data.days))
            ticks = value_ticks(top)
            plt.yticks(ticks, [count_label(t) for t in ticks])
            plt.ylim(-ticks[-1] * ZERO_MARGIN, ticks[-1])
        plt.xlim(0, max(1, len(data.days) - 1))
        _date_axis(self, data)
        self.refresh()


class RateChart(PlotextPlot):
    """One rate per day, a line per mailbox provider, with the preset's warn and critical lines."""

    by = "mailbox provider"

    def __init__(self, metric: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.metric = metric

    def plot_chart(self, data: ChartData, levels: Levels | None, *, pending: bool = False) -> None:
        """``pending``: the days are still being read (``DataReady.days_pending``): said, not drawn."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        lines = () if pending else data.rates.get(self.metric, ())
        name = METRIC_LABELS.get(self.metric, self.metric)
        marks = []
        if levels is not None:
            marks = [
                (v, w) for v, w in ((levels.warn, "warn"), (levels.critical, "critical")) if v is not None
            ]
        title = f"{name.capitalize()} rate per day, by {self.by}"
        if levels is not None and marks:
            title += f" ({levels.preset} preset)"
        plt.title(title)
        top = max([y for line in lines for _, y in line.points] + [v for v, _ in marks], default=0.0)
        if lines:
            _draw_lines(self, lines, len(data.days))
        elif pending:
            plt.xlabel(DAYS_LOADING)
        else:
            plt.xlabel(f"no day with ≥ {MIN_DAILY_SENT} sent to a provider in this range")
        right = max(1, len(data.days) - 1)
        for value, word in marks:
            color = _theme_rgb(self, "warning" if word == "warn" else "error")
            plt.horizontal_line(value, color=color)
            # Named on the line itself: a level is never told by its colour alone.
            plt.text(f"{word} {percent_label(value)}", right, value, alignment="right", color=color)
        if top > 0:
            ticks = value_ticks(top * 1.1)
            plt.yticks(ticks, [percent_label(t) for t in ticks])
            plt.ylim(-ticks[-1] * ZERO_MARGIN, ticks[-1])
        plt.xlim(0, max(1, len(data.days) - 1))
        _date_axis(self, data)
        self.refresh()
