"""Daily charts for one IP (textual-plotext): volume bars, and bounce / complaint rate lines."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from textual_plotext import PlotextPlot

from ipdash.domain.metrics import Totals

DailySeries = Sequence[tuple[date, Totals]]
TICKS = 6


def _ticks(days: Sequence[date]) -> tuple[list[int], list[str]]:
    if not days:
        return [], []
    step = max(1, len(days) // TICKS)
    positions = list(range(0, len(days), step))
    return positions, [days[i].strftime("%m-%d") for i in positions]


class VolumeChart(PlotextPlot):
    def plot_days(self, daily: DailySeries) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        days = [d for d, _ in daily]
        plt.title("Sent per day")
        if daily:
            plt.bar(list(range(len(days))), [t.sent for _, t in daily], marker="hd")
            plt.xticks(*_ticks(days))
        self.refresh()


class RateChart(PlotextPlot):
    def plot_days(self, daily: DailySeries) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        days = [d for d, _ in daily]
        plt.title("Bounce % (left, ●) · complaint % (right, ▪)")
        sending = [(i, t) for i, (_, t) in enumerate(daily) if t.sent > 0]
        bounce = [(i, t.bounce_rate * 100) for i, t in sending if t.bounce_rate is not None]
        complaint = [(i, t.complaint_rate * 100) for i, t in sending if t.complaint_rate is not None]
        if bounce:
            plt.plot([i for i, _ in bounce], [v for _, v in bounce], marker="●", label="bounce %")
        if complaint:
            plt.plot(
                [i for i, _ in complaint],
                [v for _, v in complaint],
                marker="▪",
                label="complaint %",
                yside="right",
            )
        if days:
            plt.xticks(*_ticks(days))
        self.refresh()
