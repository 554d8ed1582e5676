"""Plausibility bounds for counts and days entering ipdash (``data/record_bounds.json``).

Checked where data comes in: the CSV readers (a row error), provider poll results (one refused
record, the rest of the poll kept) and the history store (a clear error instead of SQLite's
OverflowError). Beyond them a value would overflow 64-bit integers or date arithmetic.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from functools import cache
from operator import attrgetter
from typing import Any

from ipdash.domain.models import PollResult
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


_POLL_RECORDS = ("stats", "facts", "snds", "warmups", "listings", "account_days")


def plausible_poll(result: PollResult) -> PollResult:
    """The poll without its implausible records (a count past the bound, a day outside the range);
    each refused record is named in the detail, the rest of the poll is kept."""
    bounds = record_bounds()
    refused: list[str] = []
    kept: dict[str, Any] = {}
    for name in _POLL_RECORDS:
        records: tuple[Any, ...] = getattr(result, name)
        good = []
        for record in records:
            problem = _record_problem(record, bounds)
            if problem is None:
                good.append(record)
            else:
                refused.append(f"{_label(record)}: {problem}")
        if len(good) != len(records):
            kept[name] = tuple(good)
    if not refused:
        return result
    shown = "; ".join(refused[:3]) + (f"; and {len(refused) - 3} more" if len(refused) > 3 else "")
    note = f"{len(refused)} implausible record(s) refused ({shown})"
    return replace(result, **kept, detail=f"{result.detail}; {note}" if result.detail else note)


def _record_problem(record: Any, bounds: RecordBounds) -> str | None:
    """Why the record is refused, or None. Most records hold only plain ints, texts, days, flags
    and Nones, all within the bounds: those are passed over in one quick look at their values (read in
    one C call); a record with anything else, or anything out of bounds, is judged field by field."""
    limit, first_day, last_day = bounds.max_count, bounds.first_day, bounds.last_day
    for value in _values_of(record.__class__)(record):
        kind = value.__class__
        if kind is int:
            if -limit <= value <= limit:
                continue
        elif value is None or kind is str or kind is bool or kind is float or kind is tuple:
            continue  # never refused (a bool is no count)
        elif kind is date and first_day <= value <= last_day:
            continue
        return _field_problem(record, bounds)
    return None


@cache
def _values_of(record_type: type) -> Callable[[Any], tuple[Any, ...]]:
    """A record's field values as a tuple (every record type has more than one field)."""
    return attrgetter(*(item.name for item in fields(record_type)))


def _field_problem(record: Any, bounds: RecordBounds) -> str | None:
    for item in fields(record):
        value = getattr(record, item.name)
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int) and abs(value) > bounds.max_count:
            return (
                bounds.count_problem(item.name, abs(value))
                if value > 0
                else f"{item.name} is {_short(value)}"
            )
        if isinstance(value, date):  # datetime too
            day = value.date() if isinstance(value, datetime) else value
            problem = bounds.day_problem(day)
            if problem is not None:
                return f"{item.name} {problem}"
    return None


def _label(record: Any) -> str:
    parts = [getattr(record, name, None) for name in ("day", "ip", "scope", "mailbox_provider", "list_name")]
    return " ".join(str(part) for part in parts if part is not None)
