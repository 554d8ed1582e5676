"""One IP's chart data over the analysis window, and the threshold levels its rate charts draw."""

from __future__ import annotations

from typing import Any

from ipdash.domain.analysis import IpAnalysis
from ipdash.domain.thresholds import UnknownPresetError, resolve_levels
from ipdash.domain.verdicts import IP_SCOPE
from ipdash.ui.widgets.chart_data import ChartData, build, chart_days
from ipdash.ui.widgets.charts import Levels


def ip_chart_data(analysis: IpAnalysis) -> ChartData:
    metrics = analysis.metrics
    first = next((day for day, totals in metrics.daily if totals.sent > 0), None)
    return build(metrics.daily_by_provider, chart_days(metrics.window, first))


def chart_levels(app: Any, metric: str) -> Levels | None:
    """The IP-wide warn/critical levels of ``metric`` in the preset the analysis judged with
    (config overrides applied): the same levels the verdicts use."""
    presets = getattr(app, "presets", None)
    config = getattr(getattr(app, "plan", None), "config", None)
    if presets is None or config is None:
        return None
    try:
        name, levels = resolve_levels(presets, config.thresholds, IP_SCOPE)
    except UnknownPresetError:
        return None
    level = levels.get(metric)
    if level is None or (level.warn is None and level.critical is None):
        return None
    return Levels(level.warn, level.critical, name)
