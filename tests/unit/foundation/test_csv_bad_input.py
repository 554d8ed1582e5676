"""Bad rows are reported as file:line:column and skipped; unreadable files raise one clear CsvReadError."""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from ipdash.sources.csv_stats import CsvReadError, read_csv_file

from .conftest import WriteCsv

DAY = date(2026, 1, 5)
IP = "192.0.2.1"
HEADER = "date,ip,mailbox provider,sent,delivered,complaints\n"
GOOD_BEFORE = "2026-01-05,192.0.2.1,gmail.com,100,90,1\n"
GOOD_AFTER = "2026-01-05,192.0.2.1,gmail.com,10,9,0\n"


@pytest.mark.parametrize(
    ("bad_row", "column", "message"),
    [
        ("2026-01-05,192.0.2.1,gmail.com,lots,90,1", 4, "sent is not a whole number: 'lots'"),
        ("2026-01-05,192.0.2.1,gmail.com,100,12.5,1", 5, "delivered is not a whole number: '12.5'"),
        ("2026-01-05,192.0.2.1,gmail.com,100,90,1e3", 6, "complaints is not a whole number: '1e3'"),
        ("2026-01-05,192.0.2.1,gmail.com,,90,1", 4, "sent is not a whole number: ''"),
        ("2026-01-05,192.0.2.1,gmail.com,-5,0,0", 4, "sent is negative (-5)"),
        ("2026-01-05,192.0.2.1,gmail.com,100,90,-1", 6, "complaints is negative (-1)"),
        ("2026-01-05,192.0.2.1,gmail.com,100,101,1", 5, "delivered (101) is more than sent (100)"),
        ('2026-01-05,192.0.2.1,gmail.com,"1,000","1,001",1', 5, "delivered (1001) is more than sent (1000)"),
        ("2026-01-05,192.0.2.300,gmail.com,100,90,1", 2, "not an IP address: '192.0.2.300'"),
        ("2026-01-05,mta1.example,gmail.com,100,90,1", 2, "not an IP address: 'mta1.example'"),
        ("2026-01-05,,gmail.com,100,90,1", 2, "not an IP address: ''"),
        ("2026-13-05,192.0.2.1,gmail.com,100,90,1", 1, "not a date: '2026-13-05'"),
        ("2026-02-30,192.0.2.1,gmail.com,100,90,1", 1, "not a date: '2026-02-30'"),
        ("yesterday,192.0.2.1,gmail.com,100,90,1", 1, "not a date: 'yesterday'"),
        ("05.01.2026,192.0.2.1,gmail.com,100,90,1", 1, "not a date: '05.01.2026'"),
        ("2026-01-05,192.0.2.1,gmail.com,100", 5, "missing column (row has 4 of 6)"),
        ("2026-01-05", 2, "missing column (row has 1 of 6)"),
    ],
)
def test_bad_row_is_reported_at_its_line_and_column_and_skipped(
    write_csv: WriteCsv, bad_row: str, column: int, message: str
) -> None:
    path = write_csv(HEADER + GOOD_BEFORE + bad_row + "\n" + GOOD_AFTER)
    result = read_csv_file(path)
    assert [(e.file, e.line, e.column, e.message) for e in result.errors] == [(str(path), 3, column, message)]
    assert result.error_count == 1
    record = result.stats[(DAY, IP, "gmail.com")]
    assert (record.sent, record.delivered, record.complaints) == (110, 99, 1)  # both good rows, nothing else
    assert str(result.errors[0]) == f"{path}:3:{column}: {message}"


def test_the_first_problem_in_a_row_is_reported(write_csv: WriteCsv) -> None:
    result = read_csv_file(write_csv(HEADER + "someday,bad-ip,gmail.com,x,y,z\n"))
    assert [(e.line, e.column) for e in result.errors] == [(2, 1)]


def test_several_bad_rows_each_get_their_own_line(write_csv: WriteCsv) -> None:
    rows = [GOOD_BEFORE, "x,192.0.2.1,a,1,1,1\n", GOOD_AFTER, "2026-01-05,192.0.2.1,a,1,2,0\n", GOOD_AFTER]
    result = read_csv_file(write_csv(HEADER + "".join(rows)))
    assert [(e.line, e.column) for e in result.errors] == [(3, 1), (5, 5)]
    assert result.rows == 5


@pytest.mark.parametrize("quoted", [False, True])
def test_a_field_over_the_csv_size_limit_is_reported_and_parsing_continues(
    write_csv: WriteCsv, quoted: bool
) -> None:
    huge = "9" * 300_000
    cell = f'"{huge}"' if quoted else huge
    path = write_csv(HEADER + GOOD_BEFORE + f"2026-01-05,192.0.2.1,gmail.com,{cell},1,1\n" + GOOD_AFTER)
    result = read_csv_file(path)
    assert len(result.errors) == 1
    error = result.errors[0]
    assert error.line == 3
    assert "field larger than field limit" in error.message
    assert len(str(error)) < 300
    assert result.stats[(DAY, IP, "gmail.com")].sent == 110


def test_a_five_megabyte_data_line_is_skipped(write_csv: WriteCsv) -> None:
    path = write_csv(HEADER + GOOD_BEFORE + "x" * 5_000_000 + "\n" + GOOD_AFTER)
    result = read_csv_file(path)
    assert [e.line for e in result.errors] == [3]
    assert len(str(result.errors[0])) < 300
    assert result.stats[(DAY, IP, "gmail.com")].sent == 110


def test_error_list_is_capped_but_the_count_is_exact(write_csv: WriteCsv) -> None:
    from ipdash.sources.csv_stats import MAX_KEPT_ERRORS

    bad = MAX_KEPT_ERRORS + 537
    path = write_csv(HEADER + "2026-01-05,bad,gmail.com,1,1,1\n" * bad + GOOD_AFTER)
    result = read_csv_file(path)
    assert len(result.errors) == MAX_KEPT_ERRORS
    assert result.error_count == bad
    assert result.errors[-1].line == MAX_KEPT_ERRORS + 1
    assert result.stats[(DAY, IP, "gmail.com")].sent == 10


@pytest.mark.parametrize(
    "cell",
    ["\x1b[31mred\x1b[0m", "\x1b]0;pwned\x07", "\x9b31m", "tab\there", "\u202egnp.exe", "\r", "\x7f"],
)
def test_control_characters_and_escapes_are_not_echoed(write_csv: WriteCsv, cell: str) -> None:
    path = write_csv(HEADER + f'2026-01-05,"{cell}",gmail.com,1,1,1\n' + f'"{cell}",192.0.2.1,x,1,1,1\n')
    result = read_csv_file(path)
    assert len(result.errors) == 2
    for error in result.errors:
        text = str(error)
        assert text.isprintable(), repr(text)


# --- whole-file failures ------------------------------------------------------------------------


def _expect_read_error(path: Path, *fragments: str) -> str:
    with pytest.raises(CsvReadError) as caught:
        read_csv_file(path)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_missing_file(tmp_path: Path) -> None:
    _expect_read_error(tmp_path / "nope.csv", "file not found")


def test_directory(tmp_path: Path) -> None:
    _expect_read_error(tmp_path, "is a directory")


def test_unreadable_file(write_csv: WriteCsv) -> None:
    import os

    if os.geteuid() == 0:
        pytest.skip("root can read a file without read permission")
    path = write_csv(HEADER + GOOD_BEFORE)
    path.chmod(0)
    _expect_read_error(path, "cannot open")


@pytest.mark.parametrize("content", [b"", b"   ", b"\n\n\n", b" \r\n\t\r\n"])
def test_empty_and_whitespace_only_files(write_csv: WriteCsv, content: bytes) -> None:
    _expect_read_error(write_csv(content), "empty")


def test_blank_first_line_is_not_a_header(write_csv: WriteCsv) -> None:
    _expect_read_error(write_csv("\n" + HEADER + GOOD_BEFORE), "no header row")


BINARY_JUNK = {
    "random bytes": random.Random(7).randbytes(4096),
    "PNG": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(1).randbytes(200),
    "ZIP": b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + zlib.compress(b"date,ip,sent\n" * 50),
    "gzip": b"\x1f\x8b\x08\x00" + zlib.compress(b"date,ip,sent\n" * 50),
    "NUL bytes in the header": b"date,ip,sent\x00\x00\n2026-01-05,192.0.2.1,1\n",
    "UTF-16": "date,ip,sent\n2026-01-05,192.0.2.1,1\n".encode("utf-16"),
    "latin-1": "date,ip,sent,domaine\n2026-01-05,192.0.2.1,10,société.fr\n".encode("latin-1"),
    "latin-1 at the very end": "date,ip,sent,domaine\n2026-01-05,192.0.2.1,10,café".encode("latin-1"),
    "latin-1 before the last newline": "date,ip,sent,isp\n2026-01-05,192.0.2.1,10,é\n".encode("latin-1"),
}


@pytest.mark.parametrize("content", BINARY_JUNK.values(), ids=BINARY_JUNK.keys())
def test_binary_and_non_utf8_files(write_csv: WriteCsv, content: bytes) -> None:
    _expect_read_error(write_csv(content), "not a text CSV file")


def test_utf8_multibyte_character_cut_by_the_sniff_window_is_fine(write_csv: WriteCsv) -> None:
    from ipdash.sources import csv_stats

    prefix = "date,ip,sent,isp\n"
    row = "2026-01-05,192.0.2.1,1,é\n"
    # Place a two-byte "é" so that the sniff window ends between its bytes.
    filler_rows = (csv_stats._SNIFF_BYTES - len(prefix.encode())) // len(row.encode()) + 1
    content = (prefix + row * filler_rows).encode()
    cut = csv_stats._SNIFF_BYTES
    shift = next(k for k in range(len(row.encode())) if content[cut - 1 - k : cut + 1 - k] == "é".encode())
    padded = (prefix.replace("isp", "isp" + "_" * shift) + row * filler_rows).encode()
    assert padded[cut - 1 : cut + 1] == "é".encode()
    result = read_csv_file(write_csv(padded))
    assert result.errors == []
    assert result.stats[(DAY, IP, "other")].sent == filler_rows


@pytest.mark.parametrize(
    ("content", "found"),
    [
        ("foo,bar,baz\n1,2,3\n", "'foo', 'bar', 'baz'"),
        ("# exported by tool v2\ndate,ip,sent\n", "'# exported by tool v2'"),
        ("date,sent\n2026-01-05,1\n", "'date', 'sent'"),
        ("This is not a CSV file at all.\nJust prose.\n", "'This is not a CSV file at all.'"),
    ],
)
def test_no_recognisable_header_lists_the_columns_found(
    write_csv: WriteCsv, content: str, found: str
) -> None:
    message = _expect_read_error(write_csv(content), "no recognisable header", f"found: {found}")
    assert "[[csv]] columns" in message


def test_missing_required_columns_are_named(write_csv: WriteCsv) -> None:
    _expect_read_error(write_csv("date,sent\n"), "missing ip column")
    _expect_read_error(write_csv("when,where,what\n"), "missing date, ip, sent column")


# --- hostile input ------------------------------------------------------------------------------


def test_a_ten_thousand_column_header_of_junk(write_csv: WriteCsv) -> None:
    header = ",".join(f"col{i}" for i in range(10_000))
    message = _expect_read_error(write_csv(header + "\n" + "1," * 9_999 + "1\n"), "no recognisable header")
    assert len(message) < 1000


def test_a_ten_thousand_column_file_with_the_fields_at_the_end(write_csv: WriteCsv) -> None:
    junk = [f"col{i}" for i in range(10_000)]
    header = ",".join([*junk, "date", "ip", "sent"])
    row = ",".join(["x"] * 10_000 + ["2026-01-05", "192.0.2.1", "4"])
    result = read_csv_file(write_csv(f"{header}\n{row}\n{row}\n"))
    assert result.errors == []
    assert result.stats[(DAY, IP, "all")].sent == 8


@pytest.mark.parametrize(
    "line",
    ["x" * 5_000_000, '"' + "x" * 5_000_000 + '"', ",".join(["abc"] * 1_250_000)],
    ids=["one unquoted field", "one quoted field", "1.25M columns"],
)
def test_a_five_megabyte_first_line(write_csv: WriteCsv, line: str) -> None:
    message = _expect_read_error(write_csv(line + "\n" + GOOD_BEFORE))
    assert len(message) < 1000


def test_a_header_with_control_characters_is_listed_safely(write_csv: WriteCsv) -> None:
    message = _expect_read_error(write_csv("\x1b[2J\x1b[31mfoo,b\x07ar\n1,2\n"), "no recognisable header")
    assert message.isprintable(), repr(message)


def test_progress_is_reported_and_ends_at_the_total(
    write_csv: WriteCsv, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ipdash.sources import csv_stats

    monkeypatch.setattr(csv_stats, "PROGRESS_EVERY_ROWS", 100)
    path = write_csv(HEADER + GOOD_BEFORE * 1000)
    calls: list[tuple[int, int]] = []
    read_csv_file(path, progress=lambda done, total: calls.append((done, total)))
    size = path.stat().st_size
    assert len(calls) >= 10
    assert all(total == size for _, total in calls)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert calls[-1] == (size, size)
    assert all(0 < done <= size for done, _ in calls)


def test_progress_ends_at_the_total_for_a_small_file(write_csv: WriteCsv) -> None:
    path = write_csv(HEADER + GOOD_BEFORE)
    calls: list[tuple[int, int]] = []
    read_csv_file(path, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(path.stat().st_size, path.stat().st_size)]


def test_a_row_missing_only_its_last_column_is_reported(write_csv: WriteCsv) -> None:
    path = write_csv("date,ip,sent,isp\n2026-01-05,192.0.2.1,5\n2026-01-05,192.0.2.1,6,aol.com\n")
    result = read_csv_file(path)
    assert [(e.line, e.column, e.message) for e in result.errors] == [
        (2, 4, "missing column (row has 3 of 4)")
    ]
    assert result.stats[(DAY, IP, "yahoo.com")].sent == 6


def _memory_of_reading(path: Path) -> tuple[int, int]:
    """(peak, retained after the result is dropped) bytes allocated while reading ``path``."""
    import tracemalloc

    tracemalloc.start()
    try:
        read_csv_file(path)
        retained, peak = tracemalloc.get_traced_memory()
        return peak, retained
    finally:
        tracemalloc.stop()


def test_distinct_recipient_domains_fold_into_other_without_growing_memory(write_csv: WriteCsv) -> None:
    rows = 50_000
    one_domain = write_csv(
        "date,ip,domain,sent\n" + "2026-01-05,192.0.2.1,a.example,1\n" * rows, name="one.csv"
    )
    distinct = write_csv(
        "date,ip,domain,sent\n" + "".join(f"2026-01-05,192.0.2.1,d{i}.example,1\n" for i in range(rows)),
        name="distinct.csv",
    )
    result = read_csv_file(distinct)
    assert {key: s.sent for key, s in result.stats.items()} == {(DAY, IP, "other"): rows}
    growth = _memory_of_reading(distinct)[0] - _memory_of_reading(one_domain)[0]
    assert growth < 3_000_000, f"{growth:,} bytes more for {rows:,} distinct domains"


HUGE_CELL_ROWS = {
    "domain": lambda i, pad: f"2026-01-05,192.0.2.1,{i}{pad},1",
    "date followed by junk": lambda i, pad: f"2026-01-05 {i}{pad},192.0.2.1,a,1",
    "ip padded with spaces": lambda i, pad: f"2026-01-05,{' ' * i}192.0.2.1{pad},a,1",
}


@pytest.mark.parametrize("make_row", HUGE_CELL_ROWS.values(), ids=HUGE_CELL_ROWS.keys())
def test_huge_distinct_cells_are_not_kept_in_memory(
    write_csv: WriteCsv, make_row: Callable[[int, str], str]
) -> None:
    rows, pad = 100, " " * 100_000
    path = write_csv("date,ip,domain,sent\n" + "".join(make_row(i, pad) + "\n" for i in range(rows)))
    size = path.stat().st_size
    peak, retained = _memory_of_reading(path)  # first: nothing cached yet
    assert peak < size / 4, f"peak {peak:,} bytes while reading a {size:,}-byte file"
    assert retained < size / 20, f"{retained:,} bytes still held after reading a {size:,}-byte file"
    result = read_csv_file(path)
    assert result.errors == []
    assert sum(s.sent for s in result.stats.values()) == rows
