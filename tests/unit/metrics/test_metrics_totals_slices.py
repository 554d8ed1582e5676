"""The period totals read in slices (each ``rows()`` call holds the interpreter's lock) are the
totals read at once."""

from __future__ import annotations

import polars as pl
import pytest

from ipdash.domain import metrics_engine
from ipdash.domain.metrics import REPORTABLE_COUNTS


def test_totals_in_slices_are_the_totals_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = 25
    frame = pl.DataFrame(
        {
            "ip": [f"10.0.0.{n}" for n in range(rows)],
            "period": ["w" if n % 2 else "p" for n in range(rows)],
            "sent": list(range(rows)),
            **{name: [n * 2 for n in range(rows)] for name in REPORTABLE_COUNTS},
            **{f"{name}#": [n % 3 for n in range(rows)] for name in REPORTABLE_COUNTS},
        }
    )
    whole = metrics_engine._totals(frame, ["ip", "period"])
    monkeypatch.setattr(metrics_engine, "ROWS_AT_ONCE", 4)
    assert metrics_engine._totals(frame, ["ip", "period"]) == whole
    assert len(whole) == rows
