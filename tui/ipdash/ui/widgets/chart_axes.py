"""Axis ticks for the charts: round steps, labels as people write them (31k, 0.1%, 2%)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

DATE_TICKS = 6
VALUE_TICKS = 4


def nice_step(top: float, ticks: int = VALUE_TICKS) -> float:
    """A 1, 2, 2.5 or 5 × 10^k step that covers 0..top in about ``ticks`` steps."""
    if top <= 0 or not math.isfinite(top):
        return 1.0
    raw = top / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * magnitude >= raw:
            return factor * magnitude
    return 10 * magnitude


def value_ticks(top: float, ticks: int = VALUE_TICKS) -> list[float]:
    """0, step, 2·step … up to the first tick at or above ``top``."""
    step = nice_step(top, ticks)
    count = max(1, math.ceil(top / step - 1e-9))
    return [round(i * step, 12) for i in range(count + 1)]


def count_label(value: float) -> str:
    """31000 -> '31k', 1500000 -> '1.5M', 250 -> '250'."""
    for size, suffix in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
        if abs(value) >= size:
            scaled = value / size
            return f"{scaled:.{0 if scaled == int(scaled) or abs(scaled) >= 10 else 1}f}{suffix}"
    return f"{value:.0f}"


def percent_label(fraction: float) -> str:
    """0.001 -> '0.1%', 0.0025 -> '0.25%', 0.02 -> '2%': no trailing zeros."""
    text = f"{fraction * 100:.3f}".rstrip("0").rstrip(".")
    return f"{text}%"


def date_ticks(days: Sequence[date], ticks: int = DATE_TICKS) -> tuple[list[int], list[str]]:
    """Positions (0-based) and MM-DD labels for about ``ticks`` of the days; the last day always."""
    if not days:
        return [], []
    step = max(1, math.ceil(len(days) / ticks))
    positions = list(range(0, len(days), step))
    if positions[-1] != len(days) - 1 and len(days) - 1 - positions[-1] >= step / 2:
        positions.append(len(days) - 1)
    fmt = "%Y-%m" if len(days) > 120 else "%m-%d"
    return positions, [days[i].strftime(fmt) for i in positions]
