"""The TUI's first read of a stats CSV, kept as Parquet in the user cache dir for the next start.

A start of ``ipdash --csv FILE`` on the file it read last time reads the parsed per-key sums
(1k IPs × 90 days: 1.8 MB, ~20 ms) instead of parsing the CSV again (~0.8 s of CPU). Only a clean
read is kept: a stats file with no row errors, unchanged while it was read, and last modified
more than ``SETTLE_SECONDS`` before the read began (a file still being written, or rewritten
within the clock's granularity with the same size, is not trusted to its timestamp). An entry is
used only while the file's size, modification time (ns), inode and device are the ones it was
read at, and the reader's code and data, the options and the polars version are the same; anything
else, or an entry that cannot be read whole, is a miss and the CSV is parsed as before. One entry per
file and options (a changed file replaces its own), at most ``KEEP`` entries. Best effort: a cache
that cannot be written costs nothing but the next start's time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ipdash.sources.csv_stats import CsvLoadResult

FORMAT = 1
KEEP = 8
SETTLE_SECONDS = 2.0
_PACKAGE = Path(__file__).resolve().parents[1]
#: What decides how a stats CSV parses: a change to any of these is a new cache.
READER_FILES = (
    "sources/csv_stats.py",
    "sources/csv_fast.py",
    "sources/csv_format.py",
    "sources/csv_swallowed.py",
    "sources/record_bounds.py",
    "domain/models.py",
    "domain/mailbox_providers.py",
    "domain/stats_table.py",
    "data/record_bounds.json",
    "data/providers.json",
)


def reader_fingerprint(files: Sequence[str] = READER_FILES) -> str:
    digest = hashlib.sha256()
    for name in files:
        digest.update(name.encode())
        with contextlib.suppress(OSError):
            digest.update((_PACKAGE / name).read_bytes())
    return digest.hexdigest()


def _stat_key(stat: os.stat_result) -> list[int]:
    return [stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_dev]


class ParsedCache:
    """Parsed stats CSVs in ``folder``: ``<key>.json`` names its file, size, times and ``<key>-….parquet``."""

    def __init__(
        self, folder: Path, *, keep: int = KEEP, settle_seconds: float = SETTLE_SECONDS, defer: bool = False
    ) -> None:
        import polars as pl

        self.folder = folder
        #: Keep new entries only on ``flush()`` (the TUI writes them once its data is on its way).
        self.defer = defer
        self._pending: list[Callable[[], bool]] = []
        self.keep = keep
        self.settle_seconds = settle_seconds
        self._versions = {"format": FORMAT, "reader": reader_fingerprint(), "polars": pl.__version__}
        #: what the last read_through did, for tests and the benchmark: "hit", "stored", "parsed"
        self.last: str = ""

    def read_through(
        self, path: Path, options: dict[str, Any], read: Callable[[], CsvLoadResult]
    ) -> CsvLoadResult:
        """The cached result for ``path`` read with ``options``, else ``read()`` (kept when clean)."""
        try:
            before = os.stat(path)
        except OSError:
            self.last = "parsed"
            return read()  # the reader says what is wrong with it
        key = self._key(path, options)
        found = self._load(path, key, before)
        if found is not None:
            self.last = "hit"
            return found
        started = time.time()
        result = read()
        if self.defer:
            self.last = "parsed"
            self._pending.append(lambda: self._store(path, key, before, result, started))
        else:
            self.last = "stored" if self._store(path, key, before, result, started) else "parsed"
        return result

    def flush(self) -> int:
        """Keep the entries deferred so far; how many were kept."""
        pending, self._pending = self._pending, []
        return sum(store() for store in pending)

    def _key(self, path: Path, options: dict[str, Any]) -> dict[str, Any]:
        return {"path": str(path.resolve()), "options": options, **self._versions}

    def _name(self, key: dict[str, Any]) -> str:
        return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:32]

    def _load(self, path: Path, key: dict[str, Any], stat: os.stat_result) -> CsvLoadResult | None:
        import polars as pl

        from ipdash.domain.stats_table import SCHEMA
        from ipdash.sources.csv_stats import CsvLoadResult

        name = self._name(key)
        try:
            meta = json.loads((self.folder / f"{name}.json").read_text(encoding="utf-8"))
            if meta.get("key") != key or meta.get("stat") != _stat_key(stat):
                return None
            frame = pl.read_parquet(self.folder / Path(meta["data"]).name)
            rows = meta["rows"]
        except (OSError, ValueError, KeyError, TypeError, AttributeError, pl.exceptions.PolarsError):
            return None  # missing, torn or foreign: parse the CSV
        if dict(frame.schema) != SCHEMA or not isinstance(rows, int) or rows < frame.height:
            return None
        return CsvLoadResult(path=path, kind="stats", frame=frame, rows=rows)

    def _store(
        self, path: Path, key: dict[str, Any], before: os.stat_result, result: CsvLoadResult, started: float
    ) -> bool:
        if result.kind != "stats" or result.frame is None or result.error_count or result.errors:
            return False
        if started - before.st_mtime < self.settle_seconds:
            return False  # still being written, or its timestamp cannot tell two versions apart
        name = self._name(key)
        index = self.folder / f"{name}.json"
        data = self.folder / f"{name}-{os.getpid()}-{time.time_ns()}.parquet"  # the index names it
        try:
            if _stat_key(os.stat(path)) != _stat_key(before):
                return False  # changed while it was read
            self.folder.mkdir(parents=True, exist_ok=True)
            earlier = _data_of(index)
            result.frame.write_parquet(data)
            meta = {"key": key, "stat": _stat_key(before), "rows": result.rows, "data": data.name}
            partial = index.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(json.dumps(meta), encoding="utf-8")
            os.replace(partial, index)  # the switch: readers see the old entry or the new, whole
        except Exception:  # best effort: a full disk or a read-only cache costs only the next start
            with contextlib.suppress(OSError):
                data.unlink(missing_ok=True)
            return False
        if earlier is not None and earlier != data.name:
            with contextlib.suppress(OSError):
                (self.folder / earlier).unlink(missing_ok=True)
        self._prune()
        return True

    def _prune(self) -> None:
        with contextlib.suppress(OSError):
            entries = sorted(self.folder.glob("*.json"), key=lambda entry: entry.stat().st_mtime)
            for stale in entries[: max(0, len(entries) - self.keep)]:
                data = _data_of(stale)
                stale.unlink(missing_ok=True)
                if data is not None:
                    (self.folder / data).unlink(missing_ok=True)


def _data_of(index: Path) -> str | None:
    """The data file an index names (a bare file name), or None."""
    try:
        data = json.loads(index.read_text(encoding="utf-8")).get("data")
    except (OSError, ValueError, AttributeError):
        return None
    return Path(data).name if isinstance(data, str) and data else None
