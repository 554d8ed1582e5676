"""Reading well-formed stats CSVs: encodings, quoting, line endings, unknowns, grouping, summing."""

from __future__ import annotations

from datetime import date

import pytest

from ipdash.domain.mailbox_providers import normalise_mailbox_provider, provider_sort_key
from ipdash.domain.models import canonical_ip
from ipdash.sources.csv_stats import read_csv_file

from .conftest import WriteCsv

DAY = date(2026, 1, 5)
IP = "192.0.2.1"


def test_utf8_bom_is_ignored(write_csv: WriteCsv) -> None:
    path = write_csv(b"\xef\xbb\xbfDate,IP,Sent\n2026-01-05,192.0.2.1,10\n")
    result = read_csv_file(path)
    assert result.errors == []
    assert result.stats[(DAY, IP, "all")].sent == 10


def test_quoted_fields_with_delimiters_and_newlines_keep_line_numbers(write_csv: WriteCsv) -> None:
    path = write_csv(
        "date,ip,sent,delivered,note\n"
        '2026-01-05,192.0.2.1,"1,000",990,"a note, with a comma\nand a second line"\n'
        '"2026-01-06","192.0.2.1","20","20",plain\n'
        "2026-01-07,not-an-ip,5,5,x\n"
    )
    result = read_csv_file(path)
    assert result.stats[(DAY, IP, "all")].sent == 1000
    assert result.stats[(date(2026, 1, 6), IP, "all")].delivered == 20
    assert [(e.line, e.column) for e in result.errors] == [(5, 2)]  # the quoted newline counts as a line


def test_crlf_line_endings(write_csv: WriteCsv) -> None:
    path = write_csv(
        "date,ip,sent\r\n2026-01-05,192.0.2.1,10\r\n2026-01-06,192.0.2.1,x\r\n2026-01-07,192.0.2.1,3\r\n"
    )
    result = read_csv_file(path)
    assert {key[0]: s.sent for key, s in result.stats.items()} == {DAY: 10, date(2026, 1, 7): 3}
    assert [(e.line, e.column) for e in result.errors] == [(3, 3)]


def test_no_trailing_newline_and_blank_lines(write_csv: WriteCsv) -> None:
    path = write_csv("date,ip,sent\n\n2026-01-05,192.0.2.1,10\n\n\n2026-01-06,192.0.2.1,1")
    result = read_csv_file(path)
    assert result.errors == []
    assert result.rows == 2
    assert len(result.stats) == 2


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('"1,000"', 1000),
        ('"12,345,678"', 12_345_678),
        ("1_000", 1000),
        (" 42 ", 42),
        ("1000.0", 1000),
        ("0", 0),
    ],
)
def test_count_cells(write_csv: WriteCsv, cell: str, expected: int) -> None:
    result = read_csv_file(write_csv(f"date,ip,sent\n2026-01-05,192.0.2.1,{cell}\n"))
    assert result.errors == []
    assert result.stats[(DAY, IP, "all")].sent == expected


@pytest.mark.parametrize(
    ("sent", "delivered", "expected"),
    [
        ("2,500", "2,400", (2500, 2400)),
        ("2.500", "2.400", (2500, 2400)),  # European grouping
        ("12.000", "1.000", (12_000, 1000)),  # not 12 and 1
        ("1.234.567", "1.234.000", (1_234_567, 1_234_000)),
    ],
)
def test_thousands_separators_in_a_semicolon_file(
    write_csv: WriteCsv, sent: str, delivered: str, expected: tuple[int, int]
) -> None:
    result = read_csv_file(write_csv(f"date;ip;sent;delivered\n2026-01-05;192.0.2.1;{sent};{delivered}\n"))
    assert result.errors == []
    record = result.stats[(DAY, IP, "all")]
    assert (record.sent, record.delivered) == expected


@pytest.mark.parametrize("cell", ["2,5", "1,00", "1.000,00", "1,234.00", "1.2.3", "1,000.000", "12,34,567"])
def test_decimal_commas_and_odd_grouping_are_errors_not_guesses(write_csv: WriteCsv, cell: str) -> None:
    result = read_csv_file(write_csv(f"date;ip;sent\n2026-01-05;192.0.2.1;{cell}\n"))
    assert [(e.line, e.column) for e in result.errors] == [(2, 3)]
    assert result.stats == {}


def test_a_grouped_negative_count_is_negative(write_csv: WriteCsv) -> None:
    result = read_csv_file(write_csv('date,ip,sent\n2026-01-05,192.0.2.1,"-1,000"\n'))
    assert [e.message for e in result.errors] == ["sent is negative (-1000)"]


def test_empty_optional_cells_are_unknown_not_zero(write_csv: WriteCsv) -> None:
    path = write_csv("date,ip,sent,delivered,complaints,unsubscribes,opens\n2026-01-05,192.0.2.1,100,,,3,\n")
    record = read_csv_file(path).stats[(DAY, IP, "all")]
    assert record.sent == 100
    assert record.delivered is None
    assert record.complaints is None
    assert record.unsubscribes == 3
    assert record.opens is None
    assert record.clicks is None  # no column at all: unknown too


def test_unknown_plus_known_on_the_same_key_is_the_known_value(write_csv: WriteCsv) -> None:
    path = write_csv(
        "date,ip,sent,delivered,complaints\n"
        "2026-01-05,192.0.2.1,100,,\n"
        "2026-01-05,192.0.2.1,50,49,\n"
        "2026-01-05,192.0.2.1,10,,2\n"
    )
    record = read_csv_file(path).stats[(DAY, IP, "all")]
    assert (record.sent, record.delivered, record.complaints) == (160, 49, 2)


@pytest.mark.parametrize(
    ("header", "cells", "bounced", "hard", "soft"),
    [
        ("hard_bounces,soft_bounces", "3,4", 7, 3, 4),
        ("hard_bounces", "3", 3, 3, None),
        ("soft bounces", "4", 4, None, 4),
        ("bounces,hard_bounces,soft_bounces", "9,3,4", 9, 3, 4),  # a total column is taken as given
        ("hard_bounces,soft_bounces", ",", None, None, None),
        ("delivered", "90", None, None, None),
    ],
)
def test_hard_plus_soft_is_bounced(
    write_csv: WriteCsv, header: str, cells: str, bounced: int | None, hard: int | None, soft: int | None
) -> None:
    record = read_csv_file(write_csv(f"date,ip,sent,{header}\n2026-01-05,192.0.2.1,100,{cells}\n")).stats[
        (DAY, IP, "all")
    ]
    assert (record.bounced, record.hard_bounced, record.soft_bounced) == (bounced, hard, soft)


def test_duplicate_keys_sum_within_a_file(write_csv: WriteCsv) -> None:
    path = write_csv(
        "timestamp,ip,isp,sent,delivered,hard bounces,soft bounces,complaints\n"
        "2026-01-05T01:00:00Z,192.0.2.1,hotmail.com,100,95,3,2,1\n"
        "2026-01-05T02:00:00Z,192.0.2.1,outlook.com,200,190,6,4,0\n"
        "2026-01-05T03:00:00Z,::ffff:192.0.2.1,Live.com,10,10,0,0,0\n"
        "2026-01-05T03:00:00Z,192.0.2.1,gmail.com,7,7,0,0,0\n"
    )
    result = read_csv_file(path)
    assert result.rows == 4
    outlook = result.stats[(DAY, IP, "outlook.com")]
    assert (outlook.sent, outlook.delivered, outlook.bounced, outlook.complaints) == (310, 295, 15, 1)
    assert result.stats[(DAY, IP, "gmail.com")].sent == 7
    assert len(result.stats) == 2


def test_records_carry_the_source_name(write_csv: WriteCsv) -> None:
    path = write_csv("date,ip,sent\n2026-01-05,192.0.2.1,1\n", name="march.csv")
    assert read_csv_file(path).stats[(DAY, IP, "all")].source == "march.csv"
    assert read_csv_file(path, source="esp-export").stats[(DAY, IP, "all")].source == "esp-export"


@pytest.mark.parametrize(
    ("raw", "scope"),
    [
        ("gmail.com", "gmail.com"),
        ("GMAIL.COM", "gmail.com"),
        ("googlemail.com", "gmail.com"),
        ("Google", "gmail.com"),
        ("hotmail.com", "outlook.com"),
        ("Hotmail", "outlook.com"),
        (" live.com ", "outlook.com"),
        ("msn.com", "outlook.com"),
        ("Outlook/Hotmail", "outlook.com"),
        ("aol.com", "yahoo.com"),
        ("AOL", "yahoo.com"),
        ("ymail.com", "yahoo.com"),
        ("Yahoo/AOL", "yahoo.com"),
        ("icloud.com", "icloud.com"),
        ("me.com", "icloud.com"),
        ("example.org", "other"),
        ("gmail.co.uk", "other"),
        ("others", "other"),
        ("", "other"),
        ("   ", "other"),
    ],
)
def test_mailbox_provider_grouping(raw: str, scope: str) -> None:
    assert normalise_mailbox_provider(raw) == scope


def test_grouping_through_the_reader_and_no_column_means_all(write_csv: WriteCsv) -> None:
    grouped = read_csv_file(
        write_csv(
            "date,ip,domain,sent\n"
            "2026-01-05,192.0.2.1,AOL.com,1\n"
            "2026-01-05,192.0.2.1,unknown-isp.example,2\n"
            "2026-01-05,192.0.2.1,,4\n"
        )
    )
    assert {key[2]: s.sent for key, s in grouped.stats.items()} == {"yahoo.com": 1, "other": 6}
    ungrouped = read_csv_file(write_csv("date,ip,sent\n2026-01-05,192.0.2.1,1\n", name="b.csv"))
    assert list(ungrouped.stats) == [(DAY, IP, "all")]


def test_provider_display_order() -> None:
    names = ["other", "zz.example", "all", "yahoo.com", "gmail.com", "outlook.com"]
    assert sorted(names, key=provider_sort_key) == [
        "gmail.com",
        "outlook.com",
        "yahoo.com",
        "other",
        "all",
        "zz.example",
    ]


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("192.0.2.1", "192.0.2.1"),
        (" 192.0.2.1\t", "192.0.2.1"),
        ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        ("2001:0db8:0025:0000:0000:0000:0000:0010", "2001:db8:25::10"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("::FFFF:C000:0201", "192.0.2.1"),
        ("::1", "::1"),
    ],
)
def test_canonical_ip(text: str, canonical: str) -> None:
    assert canonical_ip(text) == canonical


@pytest.mark.parametrize(
    "text", ["", "192.0.2.256", "192.0.2", "192.0.2.1/32", "01.2.3.4", "host.example", "1:2:3"]
)
def test_canonical_ip_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        canonical_ip(text)


def test_ipv6_spellings_fold_into_one_key(write_csv: WriteCsv) -> None:
    result = read_csv_file(
        write_csv(
            "date,ip,sent\n"
            "2026-01-05,2001:DB8:25:0:0:0:0:10,1\n"
            "2026-01-05,2001:db8:25::10,2\n"
            '2026-01-05,"2001:0db8:0025::0010",4\n'
        )
    )
    assert result.errors == []
    assert {key: s.sent for key, s in result.stats.items()} == {(DAY, "2001:db8:25::10", "all"): 7}


@pytest.mark.parametrize(
    ("cell", "day"),
    [
        ("2026-01-05", DAY),
        ("2026/01/05", DAY),
        ("2026-01-05T23:59:59+02:00", DAY),
        ("2026-01-05 08:00", DAY),
    ],
)
def test_date_cells(write_csv: WriteCsv, cell: str, day: date) -> None:
    result = read_csv_file(write_csv(f"date,ip,sent\n{cell},192.0.2.1,1\n"))
    assert result.errors == []
    assert next(iter(result.stats))[0] == day


def test_date_format_from_the_config(write_csv: WriteCsv) -> None:
    path = write_csv("date;ip;sent\n05/01/2026;192.0.2.1;1\n31/12/2025;192.0.2.1;2\n")
    result = read_csv_file(path, date_format="%d/%m/%Y")
    assert result.errors == []
    assert {key[0] for key in result.stats} == {DAY, date(2025, 12, 31)}


def test_header_only_is_zero_rows_not_an_error(write_csv: WriteCsv) -> None:
    result = read_csv_file(write_csv("date,ip,sent,delivered\n"))
    assert (result.rows, result.stats, result.errors, result.kind) == (0, {}, [], "stats")


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_a_bad_record_spanning_lines_is_reported_at_its_first_line(write_csv: WriteCsv, newline: str) -> None:
    content = newline.join(
        [
            "date,ip,sent,note",
            '2026-01-05,192.0.2.1,1,"one',
            'two"',
            f'2026-01-05,bad-ip,1,"three{newline}four{newline}five"',
            "2026-01-05,192.0.2.1,x,six",
            "",
        ]
    )
    result = read_csv_file(write_csv(content))
    assert [(e.line, e.column) for e in result.errors] == [(4, 2), (7, 3)]
    assert result.stats[(DAY, IP, "all")].sent == 1
