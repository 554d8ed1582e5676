"""The vocabulary of verdicts: statuses, bands, scopes and rate formatting.

Kept apart from the judging code (thresholds, score) and free of pydantic, so
the UI can draw labels without importing the whole domain before its first frame.
"""

from __future__ import annotations

from enum import StrEnum

IP_SCOPE = "ip"
METRIC_LABELS = {
    "bounce_rate": "bounce",
    "complaint_rate": "complaint",
    "unsubscribe_rate": "unsubscribe",
    "block_rate": "block",
}


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    CRITICAL = "critical"
    INSUFFICIENT_VOLUME = "insufficient-volume"
    NO_DATA = "no-data"
    NOT_JUDGED = "not-judged"  # the preset sets no level for this metric

    @property
    def is_breach(self) -> bool:
        return self is Status.WARN or self is Status.CRITICAL


class Band(StrEnum):
    HEALTHY = "healthy"
    WATCH = "watch"
    AT_RISK = "at risk"
    CRITICAL = "critical"
    UNKNOWN = "n/a"


def format_rate(value: float | None) -> str:
    """0.00123 -> '0.12%'; sub-0.1% rates keep two decimals so 0.1% limits stay readable."""
    if value is None:
        return "—"
    percent = value * 100
    if percent >= 10:
        return f"{percent:.1f}%"
    if percent >= 0.01 or percent == 0:
        return f"{percent:.2f}%"
    return f"{percent:.3f}%"
