"""The engine pass reads a file in chunks of whole records (ipdash.sources.csv_fast.Chunks).

With chunks of a few rows, every file below crosses many chunk boundaries: inside a quoted
multi-line cell's record, between rows of one key, right before a short, wide, blank or bad row.
The engine must then give exactly what the row reader gives (records in the same first-seen
order, row count, errors with file:line:column), and decline what only the row reader reports.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipdash.sources import csv_fast, csv_stats
from ipdash.sources.csv_fast import Chunks
from ipdash.sources.csv_stats import CsvLoadResult

from .csv_readers import engine_taken, row_reader

HEADER = "date,ip,isp,sent,delivered,complaints\n"
ROW = "2026-01-{day:02d},192.0.2.{ip},{isp},{sent},{delivered},0\n"


def _rows(count: int, *, isp: str = "gmail.com") -> str:
    return "".join(
        ROW.format(day=n % 5 + 1, ip=n % 3 + 1, isp=isp, sent=10 + n, delivered=5 + n) for n in range(count)
    )


def _summary(result: CsvLoadResult) -> tuple[object, ...]:
    records = list(result.stats.items())  # in the frame's order: first seen in the file
    return (result.rows, result.error_count, [str(e) for e in result.errors], records)


def _agrees(path: Path, monkeypatch: pytest.MonkeyPatch, batch_rows: int = 2) -> bool:
    """Asserts the engine's read equals the row reader's; returns whether the engine took the file."""
    engine, taken = engine_taken(path, monkeypatch, batch_rows)
    assert _summary(engine) == _summary(row_reader(path, monkeypatch))
    return taken


# --- the chunks themselves ---------------------------------------------------------------------

cell = st.text(alphabet='ab,"\n\r 1', max_size=6)
record = st.lists(cell, min_size=1, max_size=4)


@settings(max_examples=200, deadline=None)
@given(records=st.lists(record, max_size=30), batch_rows=st.integers(1, 5), crlf=st.booleans())
def test_chunks_are_the_file_cut_between_whole_records(
    records: list[list[str]], batch_rows: int, crlf: bool
) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n" if crlf else "\n").writerows([["h"], *records])
    data = buffer.getvalue().encode()
    chunks = Chunks(io.BytesIO(data), batch_rows, longest_record=1 << 20)
    assert chunks.header is not None
    pieces = list(chunks)
    assert chunks.header.rstrip(b"\r\n") == b"h"
    body = data[len(chunks.header) :]
    # A lone CR (inside a quoted cell here): polars would read it differently, so the chunks stop.
    assert chunks.declined == (b"\r" in body.replace(b"\r\n", b""))
    if chunks.declined:
        return
    assert b"".join(pieces) == body
    assert chunks.consumed == len(data)
    whole = list(csv.reader(io.StringIO(body.decode(), newline="")))
    cut = [row for piece in pieces for row in csv.reader(io.StringIO(piece.decode(), newline=""))]
    assert cut == whole


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"a,b\nc,\x00\n", "a NUL"),
        (b"a,b\nc\rd\n", "a lone CR"),
        (b'a,b\n"c,d\n', "a quote open at the end of the file"),
        (b'a,b\n"c,d\n' + b"e,f\n" * 2000, "a quote that no line break in reach closes"),
    ],
    ids=["NUL", "lone CR", "open quote at the end", "open quote"],
)
def test_chunks_stop_at_what_polars_would_read_differently(body: bytes, why: str) -> None:
    chunks = Chunks(io.BytesIO(b"h,i\n" + body), 1, longest_record=1000)
    list(chunks)
    assert chunks.declined, why


def test_a_first_record_longer_than_any_read_is_declined_before_reading_on() -> None:
    handle = io.BytesIO(b"h\n" + b"x" * 200_000 + b"\n")
    chunks = Chunks(handle, 50_000, longest_record=1000)
    assert chunks.declined
    assert list(chunks) == []
    assert handle.tell() < 100_000  # the sample, not the file


def test_a_header_with_an_open_quote_is_not_a_header() -> None:
    assert Chunks(io.BytesIO(b'date,"ip\nx",sent\n'), 5, longest_record=1000).header is None


# --- the engine pass over many chunks ----------------------------------------------------------

good_row = st.tuples(
    st.sampled_from(["2026-01-05", "2026/01/06", " 2026-01-07 ", "2026-01-05T10:00:00Z"]),
    st.sampled_from(["192.0.2.1", "::ffff:192.0.2.1", "2001:DB8::1", "192.0.2.9"]),
    st.sampled_from(["gmail.com", " Hotmail", "", "zz.example", "a,b", 'say "hi"', "two\nlines"]),
    st.sampled_from(["1000", "2000", "1,000"]),
    st.sampled_from(["0", "1", "", "3.0", "007"]),
    st.sampled_from(["0", "1", " 5", "+3"]),
).map(list)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(good_row, max_size=40), batch_rows=st.integers(1, 6), crlf=st.booleans())
def test_clean_files_in_many_chunks_agree_with_the_row_reader(
    rows: list[list[str]], batch_rows: int, crlf: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(HEADER.strip().split(","))
    writer.writerows(rows)
    path = tmp_path / "clean.csv"
    path.write_bytes(buffer.getvalue().encode())
    assert _agrees(path, monkeypatch, batch_rows)


def test_keys_repeating_across_chunks_are_summed_in_first_seen_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "hourly.csv"
    path.write_text(HEADER + _rows(60) + _rows(60, isp="yahoo.com") + _rows(60))
    assert _agrees(path, monkeypatch, batch_rows=7)
    engine, _taken = engine_taken(path, monkeypatch, batch_rows=7)
    assert len(engine.stats) == 30 and engine.rows == 180


@pytest.mark.parametrize(
    ("tail", "taken"),
    [
        ("", True),
        ('2026-01-05,192.0.2.1,"multi\nline, quoted",5,4,0\n', True),
        ("2026-01-05,192.0.2.1,gmail.com,5,4,0,extra,cells\n", True),
        ("2026-01-05,192.0.2.1,gmail.com,5\n", False),  # a short row
        ("\n", False),  # a blank line
        ("2026-01-05,192.0.2.1,gmail.com,5,9,0\n", False),  # delivered over sent
        ("2026-01-05,192.0.2.1,gmail.com,x,1,0\n", False),  # not a number
        ("2026-13-05,192.0.2.1,gmail.com,5,4,0\n", False),  # not a date
        ("2026-01-05,192.0.2.300,gmail.com,5,4,0\n", False),  # not an IP
        ("2026-01-05,192.0.2.1,gmail.com,5,4,\x000\n", False),  # a NUL
        ("2026-01-05,192.0.2.1,gmail.com,5,4,0\r", False),  # a lone CR
        ('2026-01-05,192.0.2.1,"gmail.com,5,4,0\n', False),  # an unterminated quote
        ("2026-01-05,192.0.2.1," + "g" * 6000 + ",5,4,0\n", False),  # a huge cell
    ],
)
def test_a_row_deep_in_the_file_is_judged_like_the_row_reader_judges_it(
    tail: str, taken: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "deep.csv"
    path.write_text(HEADER + _rows(40) + tail + _rows(9), newline="")
    assert _agrees(path, monkeypatch, batch_rows=3) is taken


@pytest.mark.parametrize(
    "content",
    [
        HEADER,
        HEADER.rstrip("\n"),
        "\ufeff" + HEADER + _rows(20),
        HEADER.replace("\n", "\r\n") + _rows(20).replace("\n", "\r\n"),
        HEADER + _rows(20).rstrip("\n"),
        HEADER + _rows(5) + "\n\n" + _rows(5),
        HEADER + '"2026-01-05","192.0.2.1","gmail.com","5","4","0"\n' * 20,
    ],
    ids=[
        "header only",
        "header without a line break",
        "BOM",
        "CRLF",
        "last row without a line break",
        "blank lines",
        "every cell quoted",
    ],
)
def test_odd_but_whole_files_agree_with_the_row_reader(
    content: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "odd.csv"
    path.write_text(content, newline="")
    _agrees(path, monkeypatch, batch_rows=2)


def test_a_wide_first_row_in_a_chunk_does_not_shift_the_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wide = "2026-01-05,192.0.2.1,gmail.com,5,4,0,9,9,9\n"
    path = tmp_path / "wide.csv"
    path.write_text(HEADER + (wide + _rows(1)) * 10)
    for batch_rows in (1, 2, 3):
        assert _agrees(path, monkeypatch, batch_rows)


def test_many_distinct_providers_switch_to_the_vectorised_mapping_midway(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_fast, "MAX_PROVIDERS", 4)
    rows = "".join(f"2026-01-05,192.0.2.1,d{n}.example,2,1,0\n" for n in range(30))
    path = tmp_path / "domains.csv"
    # Cells before the switch are mapped in Python (any text); after it, printable ASCII only.
    path.write_text(HEADER + _rows(6, isp="ÿahoo") + rows + _rows(6, isp=" Hotmail "))
    assert _agrees(path, monkeypatch, batch_rows=3)
    path.write_text(HEADER + rows + _rows(6, isp="ÿahoo"))
    assert not _agrees(path, monkeypatch, batch_rows=3)


# --- a declined file: the row reader reads on from the first declined chunk --------------------

bad_line = st.sampled_from(
    [
        "2026-01-05,192.0.2.1,gmail.com,x,1,0",  # not a number
        "2026-01-05,192.0.2.1,gmail.com,5",  # a short row
        "",  # a blank line
        '2026-01-05,"192.0.2.1,gmail.com,5,4,0',  # a stray quote (closed by a later one, or never)
        "2026-01-05,192.0.2.1,gmail.com,5,9,0",  # delivered over sent
        "2026-01-05,192.0.2.1,gmail.com,5,4,\x000",  # a NUL
        '"2026-01-06","192.0.2.2","aol.com","5","4","0"',  # good, quoted
    ]
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    good=st.integers(0, 30),
    inserted=st.lists(st.tuples(st.integers(0, 30), bad_line), min_size=1, max_size=4),
    batch_rows=st.integers(1, 6),
)
def test_bad_rows_anywhere_in_many_chunks_give_the_row_readers_records_and_errors(
    good: int,
    inserted: list[tuple[int, str]],
    batch_rows: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lines = _rows(good).splitlines()
    for position, line in inserted:
        lines.insert(min(position, len(lines)), line)
    path = tmp_path / "flagged.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n", newline="")
    _agrees(path, monkeypatch, batch_rows)


def test_the_row_reader_reads_on_from_the_first_declined_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started_after: list[int] = []
    real = csv_stats._RowParser.run

    def spy(self: object, *args: object, lines_before: int = 0) -> None:
        started_after.append(lines_before)
        real(self, *args, lines_before=lines_before)  # type: ignore[arg-type]

    monkeypatch.setattr(csv_stats._RowParser, "run", spy)
    path = tmp_path / "late.csv"
    path.write_text(HEADER + _rows(40) + "2026-01-05,192.0.2.1,gmail.com,x,1,0\n" + _rows(10))
    engine, taken = engine_taken(path, monkeypatch, batch_rows=5)
    assert not taken
    assert started_after and 30 <= started_after[0] <= 40  # lines after the header it did not read
    assert [(e.line, e.column) for e in engine.errors] == [(42, 4)]
    assert engine.rows == 51
    assert _summary(engine) == _summary(row_reader(path, monkeypatch))
