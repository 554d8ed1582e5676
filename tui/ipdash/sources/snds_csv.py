"""Microsoft SNDS data feed (CSV, no header) -> SndsDay records.

Column order (reference/providers.md §7, from client implementations; Microsoft's
own page could not be retrieved): IP, activity start, activity end, RCPT
commands, DATA commands, message recipients, filter result, complaint rate,
trap message start, trap message end, trap hits, sample HELO, sample MAIL FROM,
comments.

SNDS times are Pacific (``day_zone`` in data/providers.json), in the API feed and in a
hand-exported file alike: every record leaves this parser with UTC activity times and its
day labelled with the UTC day it overlaps most, so both paths land on the same days.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from ipdash.domain.models import RowError, SndsDay, canonical_ip
from ipdash.sources.providers.day_zones import day_zone, to_utc, utc_day
from ipdash.sources.record_bounds import record_bounds

_COLOURS = ("GREEN", "YELLOW", "RED")
_RATE = re.compile(r"^\s*(<)?\s*([0-9]+(?:\.[0-9]+)?)\s*%\s*$")
_MIN_COLUMNS = 11
_SNDS_COUNTS = {3: "RCPT commands", 4: "DATA commands", 5: "recipients", 10: "trap hits"}


def parse_snds_lines(
    lines: Iterable[str], source: str, *, file_label: str | None = None
) -> tuple[list[SndsDay], list[RowError]]:
    """Parse SNDS data rows. Bad rows become RowErrors (line, column, reason); the rest load."""
    label = file_label or source
    zone = day_zone("snds")
    records: list[SndsDay] = []
    errors: list[RowError] = []
    reader = csv.reader(lines)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            errors.append(RowError(label, reader.line_num, None, f"malformed CSV: {error}"))
            continue
        if not any(cell.strip() for cell in row):
            continue
        parsed = _parse_row(row, reader.line_num, label, source)
        if isinstance(parsed, RowError):
            errors.append(parsed)
        else:
            records.append(_in_utc(parsed, zone))
    return records, errors


def _in_utc(record: SndsDay, zone: ZoneInfo) -> SndsDay:
    return replace(
        record,
        day=utc_day(record.day, zone),
        activity_start=to_utc(record.activity_start, zone),
        activity_end=to_utc(record.activity_end, zone),
    )


def parse_complaint_rate(text: str) -> float | None:
    """'< 0.1%' -> 0.001 (an upper bound); '0.3%' -> 0.003; anything else -> None."""
    match = _RATE.match(text)
    if match is None:
        return None
    return float(match.group(2)) / 100


def _parse_row(row: list[str], line: int, label: str, source: str) -> SndsDay | RowError:
    if len(row) < _MIN_COLUMNS:
        return RowError(label, line, len(row) + 1, f"missing column (SNDS rows have 14, this has {len(row)})")
    try:
        ip = canonical_ip(row[0])
    except ValueError:
        return RowError(label, line, 1, f"not an IP address: {row[0][:40]!r}")
    start, end = _parse_time(row[1]), _parse_time(row[2])
    if end is None:
        return RowError(label, line, 3, f"activity end is not a date/time: {row[2][:40]!r}")
    bounds = record_bounds()
    for column, moment in ((2, start), (3, end)):
        problem = None if moment is None else bounds.day_problem(moment.date())
        if problem is not None:
            return RowError(label, line, column, f"implausible date: {problem}")
    counts: list[int] = []
    for column in (3, 4, 5, 10):
        cell = row[column].strip() or "0"
        if not cell.isdigit():
            return RowError(label, line, column + 1, f"not a whole number: {row[column][:40]!r}")
        value = int(cell) if len(cell) <= 4000 else 10**4000  # int() refuses 4300+ digits
        problem = bounds.count_problem(_SNDS_COUNTS[column], value)
        if problem is not None:
            return RowError(label, line, column + 1, problem)
        counts.append(value)
    colour = row[6].strip().upper()
    if colour not in _COLOURS:
        return RowError(label, line, 7, f"filter result must be GREEN, YELLOW or RED, not {row[6][:20]!r}")
    rate_text = row[7].strip()
    rate = parse_complaint_rate(rate_text)
    if rate_text and rate is None:
        return RowError(label, line, 8, f"complaint rate is not a percentage: {rate_text[:20]!r}")
    extra = [*row[11:14], "", "", ""]
    return SndsDay(
        ip=ip,
        day=end.date(),  # an SNDS row describes one day; its end fixes which
        activity_start=start,
        activity_end=end,
        rcpt_commands=counts[0],
        data_commands=counts[1],
        recipients=counts[2],
        filter_result=colour,  # type: ignore[arg-type]
        complaint_rate_text=rate_text,
        complaint_rate_max=rate,
        trap_hits=counts[3],
        sample_helo=extra[0],
        sample_mail_from=extra[1],
        comments=extra[2],
        source=source,
    )


def _parse_time(text: str) -> datetime | None:
    text = text.strip()
    for pattern in ("%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M", "%m/%d/%Y"):
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None
