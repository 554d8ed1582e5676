"""Plausibility bounds for counts and days entering ipdash (``data/record_bounds.json``).

Checked where data comes in: the CSV readers (a row error), provider poll results (one refused
record, the rest of the poll kept) and the history store (a clear error instead of SQLite's
OverflowError). Beyond them a value would overflow 64-bit integers or date arithmetic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache

from ipdash.sources.paths import package_data_dir


@dataclass(frozen=True, slots=True)
class RecordBounds:
    max_count: int
    first_day: date
    last_day: date

    def count_problem(self, name: str, value: int | None) -> str | None:
        """Why ``value`` is refused as a count, or None when it is plausible."""
        if value is None:
            return None
        if value < 0:
            return f"{name} is negative ({value})"
        if value > self.max_count:
            return (
                f"{name} is {_short(value)}, over the bound of {self.max_count:,} (data/record_bounds.json)"
            )
        return None

    def day_problem(self, day: date) -> str | None:
        if self.first_day <= day <= self.last_day:
            return None
        return f"{day.isoformat()} is outside {self.first_day.isoformat()}..{self.last_day.isoformat()}"


@cache
def record_bounds() -> RecordBounds:
    with open(package_data_dir() / "record_bounds.json", encoding="utf-8") as handle:
        raw = json.load(handle)
    return RecordBounds(
        max_count=int(raw["max_count"]),
        first_day=date.fromisoformat(raw["first_day"]),
        last_day=date.fromisoformat(raw["last_day"]),
    )


def _short(value: int) -> str:
    """A huge number without printing all 400 of its digits."""
    digits = str(value)
    return digits if len(digits) <= 24 else f"a {len(digits)}-digit number ({digits[:6]}…)"
