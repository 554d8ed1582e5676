"""The engine pass (polars, ipdash.sources.csv_fast) gives exactly what the row reader gives.

Each file is read twice: normally (the engine pass, unless it declines) and with the engine
pass switched off (the row reader alone). Records, row count and errors must be equal; the
engine pass must have been taken for clean files and declined for files with bad rows.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipdash.sources import csv_fast
from ipdash.sources.csv_stats import CsvLoadResult

from .csv_readers import engine_taken, row_reader

HEADER = ["date", "ip", "isp", "sent", "delivered", "hard bounces", "soft bounces", "complaints"]
GOOD_DATES = ["2026-01-05", "2026-01-06", "2026/01/05", "2026-01-05T10:00:00Z", " 2026-01-07 "]
GOOD_IPS = ["192.0.2.1", "::ffff:192.0.2.1", "2001:DB8::1", "2001:db8::1", " 192.0.2.7 "]
GOOD_PROVIDERS = ["gmail.com", "Hotmail", "aol.com", "", "zz.example", " GMAIL.com ", "Yahoo\u00a0", "ÿahoo"]
GOOD_COUNTS = ["0", "1", "7", "42", "900", "1,000", "3.0", " 5", "1_0", "+3", "007"]
BAD = ["bad", "", "-1", "2.5", "abc", "x"]


def _write(rows: list[list[str]], path: Path, *, delimiter: str = ",", bom: bool = False) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    path.write_text(("\ufeff" if bom else "") + buffer.getvalue(), encoding="utf-8")
    return path


def _summary(result: CsvLoadResult) -> tuple[object, ...]:
    return (result.rows, result.error_count, [str(e) for e in result.errors], dict(result.stats.items()))


good_row = st.tuples(
    st.sampled_from(GOOD_DATES),
    st.sampled_from(GOOD_IPS),
    st.sampled_from(GOOD_PROVIDERS),
    st.sampled_from(["1000", "2000", "1.000", "5000"]),  # sent: never below the delivered cells
    *(st.sampled_from([*GOOD_COUNTS[:5], "", "3.0"]) for _ in range(3)),
    st.sampled_from(GOOD_COUNTS[:5]),  # the last cell is never empty: see csv_fast
).map(list)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(good_row, max_size=40), delimiter=st.sampled_from([",", ";", "\t", "|"]), bom=st.booleans()
)
def test_clean_files_take_the_engine_pass_and_agree_with_the_row_reader(
    rows: list[list[str]], delimiter: str, bom: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(rows, tmp_path / "clean.csv", delimiter=delimiter, bom=bom)
    engine, taken = engine_taken(path, monkeypatch)
    assert taken
    assert _summary(engine) == _summary(row_reader(path, monkeypatch))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(good_row, min_size=1, max_size=20),
    position=st.integers(0, 19),
    column=st.integers(0, 7),
    bad=st.sampled_from(BAD),
)
def test_a_bad_cell_sends_the_file_to_the_row_reader_for_exact_errors(
    rows: list[list[str]],
    position: int,
    column: int,
    bad: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows[position % len(rows)][column] = bad
    path = _write(rows, tmp_path / "bad.csv")
    engine, _taken = engine_taken(path, monkeypatch)
    assert _summary(engine) == _summary(row_reader(path, monkeypatch))


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("date,ip,sent,delivered\n2026-01-05,192.0.2.1,5\n", "a short row"),
        ("date,ip,sent,delivered\n2026-01-05,192.0.2.1,5,6\n", "delivered over sent"),
        ("date,ip,sent,delivered\n2026-01-05,192.0.2.1,-5,1\n", "a negative count"),
        ("date,ip,sent,delivered\r2026-01-05,192.0.2.1,5,1\r", "lone CR line breaks"),
        (
            "date,ip,sent,delivered\n"
            + "2026-01-05,192.0.2.1,5,1\n" * 3000
            + "2026-01-05,192.0.2.1,5,1\x00\n",
            "a NUL",
        ),
        ("date,ip,sent,delivered\n2026-01-05,192.0.2.1,,1\n", "an empty sent cell"),
        ("date,ip,sent,delivered\n2026-01-05,192.0.2.1,5," + "9" * 5000 + "\n", "a huge cell"),
    ],
)
def test_the_engine_pass_declines_what_only_the_row_reader_can_report(
    content: str, why: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(content.encode())
    engine, taken = engine_taken(path, monkeypatch)
    assert not taken, why
    assert _summary(engine) == _summary(row_reader(path, monkeypatch))


def test_many_distinct_recipient_domains_are_mapped_vectorised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_fast, "MAX_PROVIDERS", 3)
    rows = [["2026-01-05", "192.0.2.1", f"d{i}.example", "1", "1", "0", "0", "0"] for i in range(20)]
    rows += [["2026-01-05", "192.0.2.1", " Hotmail ", "2", "1", "0", "0", "0"]]
    path = _write(rows, tmp_path / "domains.csv")
    engine, taken = engine_taken(path, monkeypatch)
    assert taken
    assert {key[2]: s.sent for key, s in engine.stats.items()} == {"other": 20, "outlook.com": 2}
    assert _summary(engine) == _summary(row_reader(path, monkeypatch))
