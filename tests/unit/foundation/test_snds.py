"""Microsoft SNDS data feed: recognised by shape, parsed per documented column order, bad rows reported."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from ipdash.sources.csv_stats import read_csv_file
from ipdash.sources.snds_csv import parse_complaint_rate, parse_snds_lines

from .conftest import FIXTURES, REPO, WriteCsv

GOOD = "198.51.100.10,7/24/2026 12:00 AM,7/24/2026 11:59 PM,8352,8350,8312,GREEN,< 0.1%,,,0,mta10.example,bounces@mta10.example,"


def test_the_documented_fixture_loads() -> None:
    path = FIXTURES / "snds_data.csv"
    result = read_csv_file(path)
    assert result.kind == "snds"
    assert result.errors == []
    assert result.rows == 3
    assert result.stats == {}
    by_ip = {ip: record for (ip, _day), record in result.snds.items()}
    assert set(by_ip) == {"1.1.1.0", "1.1.1.1", "1.1.1.2"}
    first = by_ip["1.1.1.0"]
    assert first.day == date(2020, 9, 29)  # the activity end fixes the day
    # Pacific times (8:00 AM PST, 9:00 PM PDT) stored in UTC, as the API source stores them
    assert first.activity_start == datetime(2019, 12, 31, 16, 0, tzinfo=UTC)
    assert first.activity_end == datetime(2020, 9, 30, 4, 0, tzinfo=UTC)
    assert (first.rcpt_commands, first.data_commands, first.recipients) == (14129, 14129, 13025)
    assert first.filter_result == "GREEN"
    assert first.complaint_rate_text == "< 0.1%"
    assert first.complaint_rate_max == pytest.approx(0.001)
    assert first.trap_hits == 41
    assert first.source == "snds_data.csv"
    assert [by_ip[ip].filter_result for ip in ("1.1.1.1", "1.1.1.2")] == ["YELLOW", "RED"]
    assert [by_ip[ip].trap_hits for ip in ("1.1.1.1", "1.1.1.2")] == [40, 26]


def test_the_sample_feed_loads_without_errors() -> None:
    path = REPO / "sample_data" / "snds.csv"
    result = read_csv_file(path)
    lines = path.read_bytes().count(b"\r\n")
    assert result.kind == "snds"
    assert result.errors == []
    assert result.rows == lines == len(result.snds)
    assert {record.filter_result for record in result.snds.values()} == {"GREEN", "YELLOW", "RED"}
    assert all(":" not in ip for ip, _ in result.snds)  # SNDS covers IPv4 only
    red = sorted(day for (ip, day), r in result.snds.items() if r.filter_result == "RED")
    assert red == [date(2026, 11, 16), date(2026, 11, 17)]  # the weekdays of the bad import


def test_sample_records_carry_every_column() -> None:
    result = read_csv_file(REPO / "sample_data" / "snds.csv")
    record = result.snds[("203.0.113.20", date(2026, 11, 16))]
    assert record.trap_hits == 5
    assert record.sample_helo == "mail20.acme-shop.example"
    assert record.sample_mail_from == "bounces@mail20.acme-shop.example"
    assert record.comments == ""


@pytest.mark.parametrize(
    ("text", "fraction"),
    [
        ("< 0.1%", 0.001),
        ("<0.1%", 0.001),
        ("0.3%", 0.003),
        (" 0.3 % ", 0.003),
        ("12%", 0.12),
        ("0%", 0.0),
        ("100%", 1.0),
        ("", None),
        ("junk", None),
        ("0.3", None),
        ("-1%", None),
        ("1e3%", None),
        ("%", None),
        ("> 0.1%", None),
        ("0.1%%", None),
    ],
)
def test_parse_complaint_rate(text: str, fraction: float | None) -> None:
    assert parse_complaint_rate(text) == (pytest.approx(fraction) if fraction is not None else None)


def test_an_empty_complaint_rate_is_unknown() -> None:
    records, errors = parse_snds_lines([GOOD.replace("< 0.1%", "")], "feed")
    assert errors == []
    assert records[0].complaint_rate_max is None
    assert records[0].complaint_rate_text == ""


@pytest.mark.parametrize(
    ("old", "new", "column", "fragment"),
    [
        ("GREEN", "BLUE", 7, "filter result must be GREEN, YELLOW or RED, not 'BLUE'"),
        ("GREEN", "", 7, "filter result must be"),
        ("198.51.100.10", "198.51.100.300", 1, "not an IP address"),
        ("7/24/2026 11:59 PM", "yesterday", 3, "activity end is not a date/time"),
        ("8352,8350", "8352,lots", 5, "not a whole number: 'lots'"),
        ("8352,8350", "-1,8350", 4, "not a whole number: '-1'"),
        ("< 0.1%", "high", 8, "complaint rate is not a percentage: 'high'"),
        (",0,mta10", ",x,mta10", 11, "not a whole number: 'x'"),
    ],
)
def test_bad_rows_are_reported_with_their_column(old: str, new: str, column: int, fragment: str) -> None:
    bad = GOOD.replace(old, new, 1)
    records, errors = parse_snds_lines(
        [GOOD + "\r\n", bad + "\r\n", GOOD.replace("7/24", "7/25") + "\r\n"], "feed"
    )
    assert len(records) == 2
    assert [(e.file, e.line, e.column) for e in errors] == [("feed", 2, column)]
    assert fragment in errors[0].message


def test_lower_case_colours_are_accepted() -> None:
    records, errors = parse_snds_lines([GOOD.replace("GREEN", "green")], "feed")
    assert errors == []
    assert records[0].filter_result == "GREEN"


@pytest.mark.parametrize("cells", [5, 10])
def test_short_rows_are_missing_columns(cells: int) -> None:
    short = ",".join(GOOD.split(",")[:cells])
    records, errors = parse_snds_lines([GOOD + "\n", short + "\n"], "feed", file_label="/x/feed.csv")
    assert len(records) == 1
    assert [(e.file, e.line, e.column) for e in errors] == [("/x/feed.csv", 2, cells + 1)]
    assert "missing column" in errors[0].message


def test_rows_without_the_optional_tail_load() -> None:
    eleven = ",".join(GOOD.split(",")[:11])
    records, errors = parse_snds_lines([eleven], "feed")
    assert errors == []
    assert (records[0].sample_helo, records[0].sample_mail_from, records[0].comments) == ("", "", "")


def test_blank_lines_are_skipped_and_line_numbers_stay_true() -> None:
    records, errors = parse_snds_lines(["\r\n", GOOD + "\r\n", "\r\n", "bad\r\n"], "feed")
    assert len(records) == 1
    assert [e.line for e in errors] == [4]


def test_error_text_never_echoes_control_characters() -> None:
    bad = GOOD.replace("GREEN", "\x1b[31mGREEN")
    _, errors = parse_snds_lines([bad], "feed")
    assert len(errors) == 1
    assert str(errors[0]).isprintable(), str(errors[0])


def test_an_snds_file_with_bad_rows_through_the_reader(write_csv: WriteCsv) -> None:
    content = "\r\n".join([GOOD, GOOD.replace("GREEN", "PURPLE"), GOOD.replace("7/24", "7/25")]) + "\r\n"
    path = write_csv(content, name="snds.csv")
    result = read_csv_file(path)
    assert result.kind == "snds"
    assert result.rows == 3
    assert len(result.snds) == 2
    assert [(e.file, e.line, e.column) for e in result.errors] == [(str(path), 2, 7)]


def test_snds_progress_ends_at_the_total(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    path = FIXTURES / "snds_data.csv"
    read_csv_file(path, progress=lambda done, total: calls.append((done, total)))
    size = path.stat().st_size
    assert calls and calls[-1] == (size, size)
