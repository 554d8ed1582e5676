"""Hostile values in a stats CSV: huge counts, far dates, a stray NUL byte, an unterminated quote.

Each is a row error at the row's own line; the rest of the file loads; nothing overflows.
"""

from __future__ import annotations

from datetime import date

import pytest

from ipdash.sources.csv_stats import read_csv_file
from ipdash.sources.record_bounds import record_bounds

from .conftest import WriteCsv

HEADER = "date,ip,mailbox provider,sent,delivered\n"
GOOD = "2026-01-05,192.0.2.1,gmail.com,100,90\n"
DAY = date(2026, 1, 5)
KEY = (DAY, "192.0.2.1", "gmail.com")


@pytest.mark.parametrize(
    ("bad_row", "column", "message"),
    [
        (
            "2026-01-05,192.0.2.1,gmail.com," + "9" * 400 + ",90",
            4,
            "sent is a 400-digit number (999999…), over the bound of 1,000,000,000,000",
        ),
        ("2026-01-05,192.0.2.1,gmail.com,1000.0e300,90", 4, "sent is a 304-digit number (100000…)"),
        ("2026-01-05,192.0.2.1,gmail.com,9223372036854775808,90", 4, "sent is 9223372036854775808, over"),
        ("2026-01-05,192.0.2.1,gmail.com,1000000000001,1", 4, "sent is 1000000000001, over the bound"),
        ("2026-01-05,192.0.2.1,gmail.com,100,1.0e13", 5, "delivered is 10000000000000, over the bound"),
        ("0001-01-01,192.0.2.1,gmail.com,100,90", 1, "implausible date: 0001-01-01 is outside 1990-01-01"),
        ("9999-12-31,192.0.2.1,gmail.com,100,90", 1, "implausible date: 9999-12-31 is outside"),
        ("0000-01-01,192.0.2.1,gmail.com,100,90", 1, "not a date: '0000-01-01'"),
    ],
)
def test_an_implausible_value_is_a_row_error_and_the_rest_loads(
    write_csv: WriteCsv, bad_row: str, column: int, message: str
) -> None:
    result = read_csv_file(write_csv(HEADER + GOOD * 3 + bad_row + "\n" + GOOD))
    assert [(e.line, e.column) for e in result.errors] == [(5, column)]
    assert result.errors[0].message.startswith(message), result.errors[0].message
    assert len(result.errors[0].message) < 200  # a 400-digit number is not printed whole
    assert result.rows == 5
    assert result.stats[KEY].sent == 400 and result.stats[KEY].delivered == 360


def test_the_largest_plausible_count_is_kept(write_csv: WriteCsv) -> None:
    bound = record_bounds().max_count
    result = read_csv_file(write_csv(HEADER + f"2026-01-05,192.0.2.1,gmail.com,{bound},{bound}\n"))
    assert result.errors == []
    assert result.stats[KEY].sent == bound


def test_large_counts_in_a_big_file_take_the_exact_path(write_csv: WriteCsv) -> None:
    """The fast engine pass hands over any file whose count cells could pass the bound."""
    rows = GOOD * 5000 + "2026-01-05,192.0.2.1,gmail.com,5000000000000,1\n" + GOOD
    result = read_csv_file(write_csv(HEADER + rows))
    assert [(e.line, e.column) for e in result.errors] == [(5002, 4)]
    assert result.stats[KEY].sent == 5001 * 100


def test_sums_of_many_large_rows_stay_exact(write_csv: WriteCsv) -> None:
    row = "2026-01-05,192.0.2.1,gmail.com,999999999999,999999999999\n"
    result = read_csv_file(write_csv(HEADER + row * 3000))
    assert result.errors == []
    assert result.stats[KEY].sent == 3000 * 999_999_999_999


@pytest.mark.parametrize("where", ["in a count", "in the provider", "in an unmapped column", "whole row"])
def test_a_stray_nul_byte_is_one_row_error_not_a_refused_file(write_csv: WriteCsv, where: str) -> None:
    bad = {
        "in a count": "2026-01-05,192.0.2.1,gmail.com,10\x000,90\n",
        "in the provider": "2026-01-05,192.0.2.1,gm\x00ail.com,100,90\n",
        "in an unmapped column": "2026-01-05,192.0.2.1,gmail.com,100,90,x\x00\n",
        "whole row": "\x00\x00\x00\x00\n",
    }[where]
    header = HEADER.replace("\n", ",note\n") if where == "in an unmapped column" else HEADER
    good = GOOD.replace("\n", ",ok\n") if where == "in an unmapped column" else GOOD
    result = read_csv_file(write_csv(header + good * 2 + bad + good * 2000))
    assert [(e.line, e.message) for e in result.errors] == [(4, "holds a NUL byte (\\x00): row skipped")]
    assert result.stats[KEY].sent == 2002 * 100
    assert result.rows == 2003


def test_a_nul_in_the_header_line_is_still_a_binary_file(write_csv: WriteCsv) -> None:
    from ipdash.sources.csv_stats import CsvReadError

    with pytest.raises(CsvReadError, match="not a text CSV file"):
        read_csv_file(write_csv("date,ip,s\x00ent\n" + GOOD))
    with pytest.raises(CsvReadError, match="not a text CSV file"):
        read_csv_file(write_csv(b"\x00" * 4096))


def test_an_unterminated_quote_is_reported_where_it_opened_and_the_rows_after_it_load(
    write_csv: WriteCsv,
) -> None:
    rows = [
        "2026-01-05,192.0.2.1,gmail.com,100,90",
        '2026-01-05,"192.0.2.1,gmail.com,100,90',  # the quote that never closes (line 3)
        "2026-01-05,192.0.2.1,gmail.com,10,9",
        "2026-01-05,192.0.2.1,gmail.com,20,19",
        "2026-01-05,192.0.2.1,gmail.com,30,29",
    ]
    path = write_csv(HEADER + "\n".join(rows) + "\n")
    result = read_csv_file(path)
    assert [(e.line, e.column) for e in result.errors] == [(3, 2)]
    message = result.errors[0].message
    assert message.startswith("unterminated quote: the quoted field opened on this line runs to the end")
    assert "(4 lines, to line 6)" in message and "the 3 lines after it are read as rows" in message
    assert result.stats[KEY].sent == 160  # the three rows after it are not swallowed
    assert result.error_count == 1


def test_an_unterminated_quote_on_the_last_line_without_a_newline(write_csv: WriteCsv) -> None:
    result = read_csv_file(write_csv(HEADER + GOOD + '2026-01-05,192.0.2.1,"gmail.com,100,90'))
    assert [(e.line, e.column) for e in result.errors] == [(3, 3)]
    assert "(1 lines, to line 3)" in result.errors[0].message
    assert result.stats[KEY].sent == 100


def test_a_quote_closed_by_a_later_one_is_reported_where_it_opened_and_the_lines_it_swallowed_load(
    write_csv: WriteCsv,
) -> None:
    rows = [
        '2026-01-05,"192.0.2.1,gmail.com,100,90',  # line 2: the stray quote, column 2
        "2026-01-05,192.0.2.1,gmail.com,10,9",
        '2026-01-05,192.0.2.1,gmail.com,"20",19',  # this quote closes the one on line 2
        "2026-01-05,192.0.2.1,gmail.com,30,29",
    ]
    path = write_csv(HEADER + "\n".join(rows) + "\n")
    result = read_csv_file(path)
    assert [(e.file, e.line, e.column) for e in result.errors] == [(str(path), 2, 2)]
    assert result.errors[0].message == (
        "a quoted cell opened on this line (column 2) runs over 3 lines, to line 4: an unterminated quote? "
        "(missing column (row has 3 of 5)); the 2 lines after it are read again as rows"
    )
    assert result.stats[KEY].sent == 10 + 20 + 30  # lines 3 and 4 are not lost
    assert result.error_count == 1 and result.rows == 4


def test_swallowed_lines_read_again_are_checked_like_any_row(write_csv: WriteCsv) -> None:
    rows = [
        "2026-01-05,192.0.2.1,gmail.com,1,1",
        '"2026-01-05,192.0.2.1,gmail.com,100,90',  # line 3: a stray quote in column 1
        "2026-01-05,192.0.2.1,gmail.com,10,9",
        "2026-01-05,not-an-ip,gmail.com,5,5",  # line 5: bad on its own
        '2026-01-05,192.0.2.1,gmail.com,20",19',  # line 6: the quote that closed line 3's
        "2026-01-05,192.0.2.1,gmail.com,30,29",
        '2026-01-05,192.0.2.1,"gmail.com,4,4',  # line 8: another one, never closed
        "2026-01-05,192.0.2.1,gmail.com,2,2",
    ]
    result = read_csv_file(write_csv(HEADER + "\n".join(rows) + "\n"))
    found = [(e.line, e.column, e.message.split(":")[0]) for e in result.errors]
    assert found == [
        (3, 1, "a quoted cell opened on this line (column 1) runs over 4 lines, to line 6"),
        (5, 2, "not an IP address"),
        (6, 4, "sent is not a whole number"),
        (8, 3, "unterminated quote"),
    ]
    assert result.stats[KEY].sent == 1 + 10 + 30 + 2


def test_a_quoted_multi_line_cell_that_closes_is_not_an_unterminated_quote(write_csv: WriteCsv) -> None:
    result = read_csv_file(write_csv(HEADER + GOOD + '2026-01-05,192.0.2.1,"gmail.com\nx",100,90\n' + GOOD))
    assert [e.line for e in result.errors] == []  # a line break in a provider name: just "other"
    assert result.stats[KEY].sent == 200


def test_snds_rows_with_implausible_counts_or_days_are_row_errors(write_csv: WriteCsv) -> None:
    rows = [
        "192.0.2.1,1/1/2026 1:00 AM,1/1/2026 2:00 AM," + "9" * 400 + ",10,10,GREEN,< 0.1%,0,helo,0",
        "192.0.2.2,12/31/9999 1:00 PM,12/31/9999 2:00 PM,10,10,10,GREEN,< 0.1%,0,helo,0",
        "192.0.2.3,1/1/0001 1:00 PM,1/1/0001 2:00 PM,10,10,10,GREEN,< 0.1%,0,helo,0",
        "192.0.2.4,3/1/2026 1:00 PM,3/1/2026 2:00 PM,10,10,10,GREEN,< 0.1%,0,helo,0",
    ]
    result = read_csv_file(write_csv("\n".join(rows) + "\n"))
    assert [(e.line, e.column) for e in result.errors] == [(1, 4), (2, 2), (3, 2)]
    assert result.errors[0].message.startswith("RCPT commands is a 400-digit number")
    assert "implausible date: 9999-12-31" in result.errors[1].message
    assert [ip for ip, _day in result.snds] == ["192.0.2.4"]
