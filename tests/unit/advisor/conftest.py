"""Shared helpers for the advisor tests: build inputs tersely, run the advisor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ipdash.domain.advisor import Recommendation, advise, validate_inputs

#: A sender who clears every general floor with room to spare, steady, clean list.
HEALTHY: dict[str, Any] = {
    "monthly_volume": 400_000,
    "sends_per_month": 20,
    "sending_days_per_week": 5,
    "pattern": "steady",
    "streams": "both",
    "bounce_rate": 0.01,
    "complaint_rate": 0.0005,
    "unsubscribe_rate": 0.003,
    "opt_in": "double",
    "engagement_window_months": 6,
    "watcher": "team",
}


@pytest.fixture
def run() -> Callable[..., Recommendation]:
    """run(**changes) advises on HEALTHY with the changes applied (None removes an answer)."""

    def _run(**changes: Any) -> Recommendation:
        answers = {**HEALTHY, **changes}
        return advise(validate_inputs({k: v for k, v in answers.items() if v is not None}))

    return _run
