"""The row reader moves its sums into columnar partials every FLUSH_KEYS keys (ipdash.sources.csv_stats).

Flushing after every key or two must give exactly what one dict for the whole file gives: the
same records in the same first-seen order (a key seen again after a flush is summed with its
earlier rows), the same row count and the same errors, on any mix of good, bad, short and
quoted rows, and on files whose stray quotes make the reader re-read lines.
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

HEADER = ["date", "ip", "isp", "sent", "delivered", "hard bounces", "soft bounces"]
row_strategy = st.one_of(
    st.tuples(
        st.sampled_from(["2026-01-05", "2026-01-06", "2026/01/05", "bad", ""]),
        st.sampled_from(["192.0.2.1", "::ffff:192.0.2.1", "2001:db8::1", "x"]),
        st.sampled_from(["gmail.com", "Hotmail", "", "zz.example"]),
        *(st.sampled_from(["0", "1", "7", "900", "", "-1", "1,000", "2.5", "abc"]) for _ in range(4)),
    ).map(list),
    st.lists(st.sampled_from(["2026-01-05", "192.0.2.1", "1"]), max_size=4),  # short rows, blank lines
)


def _summary(result: CsvLoadResult) -> tuple[object, ...]:
    return (result.rows, result.error_count, [str(e) for e in result.errors], list(result.stats.items()))


def _read(path: Path, monkeypatch: pytest.MonkeyPatch, flush_keys: int) -> CsvLoadResult:
    with monkeypatch.context() as patched:
        patched.setattr(csv_stats, "read_fast", lambda *args, **kwargs: None)  # the row reader only
        patched.setattr(csv_stats, "FLUSH_KEYS", flush_keys)
        return read_csv_file(path)


def _agrees(path: Path, monkeypatch: pytest.MonkeyPatch, flush_keys: int) -> CsvLoadResult:
    flushed = _read(path, monkeypatch, flush_keys)
    assert _summary(flushed) == _summary(_read(path, monkeypatch, 10**9))
    return flushed


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row_strategy, max_size=50), flush_keys=st.integers(1, 4))
def test_flushed_sums_agree_with_one_dict(
    rows: list[list[str]], flush_keys: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    path = tmp_path / "mixed.csv"
    path.write_text(buffer.getvalue())
    _agrees(path, monkeypatch, flush_keys)


def test_a_key_seen_again_after_a_flush_is_summed_where_it_was_first_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [
        f"2026-01-0{day},192.0.2.{ip},gmail.com,{day * 10 + ip},1,0,0" for ip in (1, 2) for day in (1, 2)
    ]
    path = tmp_path / "again.csv"
    path.write_text(
        ",".join(HEADER) + "\n" + "\n".join(lines * 3) + "\n2026-01-05,192.0.2.9,aol.com,x,1,0,0\n"
    )
    result = _agrees(path, monkeypatch, flush_keys=1)
    assert [(key[0].day, key[1], stat.sent) for key, stat in result.stats.items()] == [
        (1, "192.0.2.1", 33),
        (2, "192.0.2.1", 63),
        (1, "192.0.2.2", 36),
        (2, "192.0.2.2", 66),
    ]
    assert [(e.line, e.column) for e in result.errors] == [(14, 4)]


@pytest.mark.parametrize(
    "content",
    [
        '2026-01-05,192.0.2.1,"gmail.com,5,4,0,0\n2026-01-05,192.0.2.2,aol.com,5,4,0,0\n',
        '2026-01-05,192.0.2.1,gmail.com,5,4,0,0\n2026-01-05,"192.0.2.2,aol.com,5,4,0,0\n'
        '2026-01-06,192.0.2.3,aol.com,5,4,0,0\n2026-01-06,192.0.2.4",aol.com,5,4,0,0\n'
        "2026-01-07,192.0.2.1,gmail.com,5,4,0,0\n",
        "2026-01-05,192.0.2.1,gmail.com,5,4,0,0\x00\n2026-01-05,192.0.2.2,aol.com,5,4,0,0\n",
    ],
    ids=["unterminated quote", "quote closed lines later", "NUL"],
)
def test_lines_read_again_are_flushed_like_any_row(
    content: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "quoted.csv"
    path.write_text(",".join(HEADER) + "\n" + content, newline="")
    result = _agrees(path, monkeypatch, flush_keys=1)
    assert result.errors and result.stats
