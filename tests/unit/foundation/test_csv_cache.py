"""The parsed-CSV cache (sources/csv_cache): a hit is the same data as a parse; anything that could
make it differ (a changed file, options, reader code, a broken entry) is a miss and a parse."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

import ipdash.sources.csv_cache as csv_cache
from ipdash.domain.config import CsvFile
from ipdash.sources.csv_cache import ParsedCache
from ipdash.sources.csv_stats import CsvLoadResult, read_csv_file
from ipdash.sources.loader import LoadPlan, load_dataset

GOOD = "date,ip,sent,bounces\n2026-11-19,192.0.2.1,5000,10\n2026-11-20,192.0.2.1,5000,10\n"
BAD = GOOD + "2026-11-20,nope,5,1\n"
OPTIONS: dict[str, object] = {"columns": {}, "delimiter": None, "date_format": None}


def settled(path: Path, text: str) -> Path:
    """Written, with a modification time far enough back to be trusted."""
    path.write_text(text)
    old = time.time() - 60
    os.utime(path, (old, old))
    return path


def counted(path: Path, calls: list[int]) -> object:
    def read() -> CsvLoadResult:
        calls.append(1)
        return read_csv_file(path)

    return read


def test_a_second_read_is_a_hit_with_the_same_data(tmp_path: Path) -> None:
    path = settled(tmp_path / "stats.csv", GOOD)
    cache, calls = ParsedCache(tmp_path / "cache"), []
    first = cache.read_through(path, OPTIONS, counted(path, calls))  # type: ignore[arg-type]
    assert cache.last == "stored"
    second = ParsedCache(tmp_path / "cache").read_through(path, OPTIONS, counted(path, calls))  # type: ignore[arg-type]
    assert calls == [1]  # parsed once
    assert second.frame.equals(first.frame) and second.frame.schema == first.frame.schema
    assert (second.kind, second.rows, second.error_count) == ("stats", 2, 0)


def test_a_dataset_from_the_cache_equals_a_parsed_one(tmp_path: Path) -> None:
    path = settled(tmp_path / "stats.csv", GOOD)
    plan = LoadPlan(csv=(CsvFile(path=path),))
    parsed = load_dataset(plan)
    cache = ParsedCache(tmp_path / "cache")
    load_dataset(plan, cache=cache)
    cached = load_dataset(plan, cache=cache)
    assert cache.last == "hit"
    assert dict(cached.stats.items()) == dict(parsed.stats.items())
    assert [(s.name, s.kind, s.state, s.rows) for s in cached.sources] == [
        (s.name, s.kind, s.state, s.rows) for s in parsed.sources
    ]


@pytest.mark.parametrize("change", ["content", "same size", "touched", "replaced"])
def test_a_changed_file_is_parsed_again(tmp_path: Path, change: str) -> None:
    path = settled(tmp_path / "stats.csv", GOOD)
    cache, calls = ParsedCache(tmp_path / "cache"), []
    cache.read_through(path, OPTIONS, counted(path, calls))  # type: ignore[arg-type]
    if change == "content":
        settled(path, GOOD + "2026-11-21,192.0.2.1,5000,10\n")
    elif change == "same size":  # same length, other counts, same mtime second: the ns and inode differ
        stat = path.stat()
        path.write_text(GOOD.replace("5000,10", "5000,20"))
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    elif change == "touched":
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    else:  # another file moved over it, with the old times
        stat = path.stat()
        other = settled(tmp_path / "other.csv", GOOD.replace("192.0.2.1", "192.0.2.2"))
        os.utime(other, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        os.replace(other, path)
    result = cache.read_through(path, OPTIONS, counted(path, calls))  # type: ignore[arg-type]
    assert calls == [1, 1]
    assert result.frame.equals(read_csv_file(path).frame)


def test_other_options_or_reader_code_are_another_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = settled(tmp_path / "stats.csv", GOOD)
    calls: list[int] = []
    ParsedCache(tmp_path / "cache").read_through(path, OPTIONS, counted(path, calls))  # type: ignore[arg-type]
    ParsedCache(tmp_path / "cache").read_through(path, {**OPTIONS, "delimiter": ","}, counted(path, calls))  # type: ignore[arg-type]
    assert calls == [1, 1]
    monkeypatch.setattr(csv_cache, "reader_fingerprint", lambda: "a reader with a fix")
    ParsedCache(tmp_path / "cache").read_through(path, OPTIONS, counted(path, calls))  # type: ignore[arg-type]
    assert calls == [1, 1, 1]


def test_reads_with_row_errors_or_fresh_files_are_not_kept(tmp_path: Path) -> None:
    bad = settled(tmp_path / "bad.csv", BAD)
    cache = ParsedCache(tmp_path / "cache")
    result = cache.read_through(bad, OPTIONS, lambda: read_csv_file(bad))
    assert result.error_count == 1 and cache.last == "parsed"  # its errors are reported on every start
    fresh = tmp_path / "fresh.csv"
    fresh.write_text(GOOD)  # modified just now: its timestamp may not tell the next version apart
    cache.read_through(fresh, OPTIONS, lambda: read_csv_file(fresh))
    assert cache.last == "parsed"
    assert not list((tmp_path / "cache").glob("*.json"))


def test_a_file_changed_during_the_read_is_not_kept(tmp_path: Path) -> None:
    path = settled(tmp_path / "stats.csv", GOOD)
    cache = ParsedCache(tmp_path / "cache")

    def read_then_change() -> CsvLoadResult:
        result = read_csv_file(path)
        settled(path, GOOD + "2026-11-21,192.0.2.1,1,0\n")
        return result

    cache.read_through(path, OPTIONS, read_then_change)
    assert cache.last == "parsed"


@pytest.mark.parametrize(
    "damage", ["torn index", "no data file", "garbage data", "foreign schema", "bad rows"]
)
def test_a_broken_entry_is_a_miss(tmp_path: Path, damage: str) -> None:
    import polars as pl

    path = settled(tmp_path / "stats.csv", GOOD)
    folder = tmp_path / "cache"
    calls: list[int] = []
    ParsedCache(folder).read_through(path, OPTIONS, counted(path, calls))  # type: ignore[arg-type]
    (index,) = folder.glob("*.json")
    meta = json.loads(index.read_text())
    data = folder / meta["data"]
    if damage == "torn index":
        index.write_text(index.read_text()[:40])
    elif damage == "no data file":
        data.unlink()
    elif damage == "garbage data":
        data.write_bytes(b"PAR1 not really")
    elif damage == "foreign schema":
        pl.DataFrame({"day": [1], "ip": ["x"]}).write_parquet(data)
    else:
        index.write_text(json.dumps({**meta, "rows": "many"}))
    result = ParsedCache(folder).read_through(path, OPTIONS, counted(path, calls))  # type: ignore[arg-type]
    assert calls == [1, 1] and result.frame.equals(read_csv_file(path).frame)


def test_an_unwritable_cache_still_reads(tmp_path: Path) -> None:
    path = settled(tmp_path / "stats.csv", GOOD)
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the folder would be")
    cache = ParsedCache(blocker)
    result = cache.read_through(path, OPTIONS, lambda: read_csv_file(path))
    assert cache.last == "parsed" and result.rows == 2
    missing = ParsedCache(tmp_path / "elsewhere")
    with pytest.raises(Exception, match="file not found"):
        missing.read_through(tmp_path / "gone.csv", OPTIONS, lambda: read_csv_file(tmp_path / "gone.csv"))


def test_at_most_keep_entries_stay(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    cache = ParsedCache(folder, keep=2)
    for n in range(4):
        path = settled(tmp_path / f"s{n}.csv", GOOD)
        cache.read_through(path, OPTIONS, lambda path=path: read_csv_file(path))  # type: ignore[misc]
    assert len(list(folder.glob("*.json"))) == 2 and len(list(folder.glob("*.parquet"))) == 2


def test_a_replaced_entry_leaves_no_old_data_file(tmp_path: Path) -> None:
    path = settled(tmp_path / "stats.csv", GOOD)
    folder = tmp_path / "cache"
    ParsedCache(folder).read_through(path, OPTIONS, lambda: read_csv_file(path))
    settled(path, GOOD + "2026-11-21,192.0.2.1,5000,10\n")
    ParsedCache(folder).read_through(path, OPTIONS, lambda: read_csv_file(path))
    assert len(list(folder.glob("*.json"))) == 1 and len(list(folder.glob("*.parquet"))) == 1


def test_deferred_entries_are_written_on_flush(tmp_path: Path) -> None:
    path = settled(tmp_path / "stats.csv", GOOD)
    folder = tmp_path / "cache"
    cache = ParsedCache(folder, defer=True)
    cache.read_through(path, OPTIONS, lambda: read_csv_file(path))
    assert cache.last == "parsed" and not folder.exists()
    assert cache.flush() == 1 and cache.flush() == 0
    again = ParsedCache(folder)
    again.read_through(path, OPTIONS, lambda: read_csv_file(path))
    assert again.last == "hit"


def test_a_deferred_entry_judges_freshness_as_of_the_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Modified 1 s before the read, kept 10 s later: still too fresh to trust its timestamp."""
    from types import SimpleNamespace

    path = tmp_path / "stats.csv"
    path.write_text(GOOD)
    recent = time.time() - 1
    os.utime(path, (recent, recent))
    cache = ParsedCache(tmp_path / "cache", defer=True)
    cache.read_through(path, OPTIONS, lambda: read_csv_file(path))
    later = SimpleNamespace(time=lambda: recent + 11, time_ns=time.time_ns)
    monkeypatch.setattr(csv_cache, "time", later)
    assert cache.flush() == 0
