"""The optimised row loop agrees with the field-by-field slow path on any mix of good and bad rows.

With every cache limit at 0, each row goes through ``_slow_row`` (the plain, obviously-correct
parser); with the defaults most rows take the fast path. Both must give the same records, errors
and row count.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipdash.sources import csv_stats
from ipdash.sources.csv_stats import CsvLoadResult, read_csv_file

HEADER = ["date", "ip", "isp", "sent", "delivered", "hard bounces", "soft bounces", "complaints"]
DATES = ["2026-01-05", "2026-01-06", "2026/01/05", "2026-01-05T10:00:00Z", "bad", ""]
IPS = ["192.0.2.1", "::ffff:192.0.2.1", "2001:DB8::1", "2001:db8::1", "x", ""]
PROVIDERS = ["gmail.com", "Hotmail", "aol.com", "", "zz.example"]
COUNTS = ["0", "1", "7", "42", "900", "", "-1", "1,000", "3.0", "2.5", "abc", " 5", "1_0", "+3"]

row_strategy = st.one_of(
    st.tuples(
        st.sampled_from(DATES),
        st.sampled_from(IPS),
        st.sampled_from(PROVIDERS),
        *(st.sampled_from(COUNTS) for _ in range(5)),
    ).map(list),
    st.lists(st.sampled_from(["2026-01-05", "192.0.2.1", "1"]), max_size=4),  # short rows, blank lines
)


def _write(rows: list[list[str]], path: Path) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _summary(result: CsvLoadResult) -> tuple[object, ...]:
    return (result.rows, result.error_count, [str(e) for e in result.errors], result.stats)


def _read_slowly(path: Path, monkeypatch: pytest.MonkeyPatch) -> CsvLoadResult:
    with monkeypatch.context() as patched:
        for name in ("_CACHE_LIMIT", "_PROVIDER_CACHE_LIMIT", "_COUNT_CACHE_LIMIT"):
            patched.setattr(csv_stats, name, 0)
        return read_csv_file(path)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row_strategy, max_size=60))
def test_fast_path_agrees_with_the_slow_path(
    rows: list[list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(rows, tmp_path / "mixed.csv")
    assert _summary(read_csv_file(path)) == _summary(_read_slowly(path, monkeypatch))


def test_the_count_memo_gives_way_to_int_when_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_stats, "_COUNT_CACHE_LIMIT", 10)
    rows = [
        ["2026-01-05", "192.0.2.1", "gmail.com", str(100 + i), str(90 + i), "1", "2", "0"] for i in range(50)
    ]
    rows.append(
        ["2026-01-05", "192.0.2.1", "gmail.com", "5", "-2", "0", "0", "0"]
    )  # negative after the switch
    rows.append(["2026-01-05", "192.0.2.1", "gmail.com", "5", "6", "0", "0", "0"])  # delivered > sent too
    result = read_csv_file(_write(rows, tmp_path / "varied.csv"))
    record = next(iter(result.stats.values()))
    assert record.sent == sum(100 + i for i in range(50))
    assert record.bounced == 150
    assert [(e.line, e.column) for e in result.errors] == [(52, 5), (53, 5)]
    assert result.errors[0].message == "delivered is negative (-2)"
