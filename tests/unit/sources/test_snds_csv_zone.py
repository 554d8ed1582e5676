"""A hand-exported SNDS file lands on the same UTC times and days as the API feed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from ipdash.sources.csv_stats import read_csv_file
from ipdash.sources.snds_csv import parse_snds_lines

ROW = "1.1.1.0,12/31/2019 8:00 AM,9/29/2020 9:00 PM,14129,14129,13025,GREEN,< 0.1%,,,41,,,\n"


def test_a_hand_imported_file_converts_pacific_times_like_the_api(tmp_path: Path) -> None:
    path = tmp_path / "snds-export.csv"
    path.write_text(ROW, encoding="utf-8")
    loaded = read_csv_file(path)
    [record] = loaded.snds.values()
    assert record.activity_start == datetime(2019, 12, 31, 16, 0, tzinfo=UTC)  # 8:00 AM PST
    assert record.activity_end == datetime(2020, 9, 30, 4, 0, tzinfo=UTC)  # 9:00 PM PDT
    assert record.day == date(2020, 9, 29)  # the Pacific day: the UTC day it overlaps most
    assert list(loaded.snds) == [("1.1.1.0", date(2020, 9, 29))]


def test_the_file_and_the_feed_give_identical_records(tmp_path: Path) -> None:
    path = tmp_path / "snds.csv"
    path.write_text(ROW, encoding="utf-8")
    from_file = next(iter(read_csv_file(path, source="snds").snds.values()))
    [from_feed], _ = parse_snds_lines([ROW], "snds")
    assert from_file == from_feed


def test_times_across_the_spring_dst_change_stay_exact() -> None:
    # 8 March 2020: PST (UTC-8) until 2:00, PDT (UTC-7) after.
    row = "10.0.0.1,3/8/2020 1:00 AM,3/8/2020 11:00 PM,5,5,5,GREEN,,,,0,,,"
    [record], errors = parse_snds_lines([row], "snds")
    assert errors == []
    assert record.activity_start == datetime(2020, 3, 8, 9, 0, tzinfo=UTC)
    assert record.activity_end == datetime(2020, 3, 9, 6, 0, tzinfo=UTC)
    assert record.day == date(2020, 3, 8)


def test_a_date_only_end_is_midnight_pacific() -> None:
    row = "10.0.0.1,,6/10/2025,5,5,5,GREEN,,,,0,,,"
    [record], _ = parse_snds_lines([row], "snds")
    assert record.activity_start is None
    assert record.activity_end == datetime(2025, 6, 10, 7, 0, tzinfo=UTC)
    assert record.day == date(2025, 6, 10)
