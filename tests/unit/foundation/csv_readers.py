"""The two ways the engine-pass tests read a stats CSV: the normal read, telling whether the engine
pass took the file, and the row reader alone (the engine pass declined by a stub)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ipdash.sources import csv_stats
from ipdash.sources.csv_stats import CsvLoadResult, read_csv_file


def engine_taken(
    path: Path, monkeypatch: pytest.MonkeyPatch, batch_rows: int | None = None
) -> tuple[CsvLoadResult, bool]:
    """The normal read (with chunks of about ``batch_rows`` rows when given), and whether the
    engine pass took the file."""
    taken: list[bool] = []
    real = csv_stats.read_fast

    def spy(*args: object, **kwargs: object) -> object:
        found = real(*args, **kwargs)  # type: ignore[arg-type]
        taken.append(found is not None)
        return found

    with monkeypatch.context() as patched:
        if batch_rows is not None:
            patched.setattr(csv_stats, "PROGRESS_EVERY_ROWS", batch_rows)
        patched.setattr(csv_stats, "read_fast", spy)
        result = read_csv_file(path)
    return result, taken == [True]


def row_reader(path: Path, monkeypatch: pytest.MonkeyPatch) -> CsvLoadResult:
    with monkeypatch.context() as patched:
        patched.setattr(csv_stats, "read_fast", lambda *args, **kwargs: None)
        return read_csv_file(path)
