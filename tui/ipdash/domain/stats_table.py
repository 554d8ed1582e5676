"""Daily sending records in columns: one polars frame per Dataset, keyed by (day, IP, mailbox provider).

The frame holds one row per key (a later record replaces an earlier one for the same
key). Counts a source does not report are nulls, never 0. Python code reads per-IP
summaries computed from it; :class:`StatsView` keeps the old ``dataset.stats`` mapping
for callers that want a record or two (tests, the store, the detail screen).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableMapping
from datetime import date
from typing import TYPE_CHECKING, Any

import polars as pl

from ipdash.domain.models import COUNT_COLUMNS

if TYPE_CHECKING:
    from ipdash.domain.models import DailyStat

Key = tuple[date, str, str]
KEY_COLUMNS = ("day", "ip", "mailbox_provider")
SCHEMA: dict[str, Any] = {
    "day": pl.Date,
    "ip": pl.Categorical,
    "mailbox_provider": pl.Categorical,
    **dict.fromkeys(COUNT_COLUMNS, pl.Int64),
    "source": pl.Categorical,
}


def empty_frame() -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMA)


def frame_from_stats(stats: Iterable[DailyStat]) -> pl.DataFrame:
    """A frame from records, in order; a later record for the same key wins."""
    columns: dict[str, list[Any]] = {name: [] for name in SCHEMA}
    for stat in stats:
        for name, values in columns.items():
            values.append(getattr(stat, name))
    return unique_keys(pl.DataFrame(columns, schema=SCHEMA))


def conform(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with every column of SCHEMA, in order and of the right type (missing counts null)."""
    missing = [
        pl.lit(None, dtype=dtype).alias(name) for name, dtype in SCHEMA.items() if name not in frame.columns
    ]
    if missing:
        frame = frame.with_columns(missing)
    return frame.select([pl.col(name).cast(dtype) for name, dtype in SCHEMA.items()])


def unique_keys(frame: pl.DataFrame) -> pl.DataFrame:
    if frame.height < 2:
        return frame
    return frame.unique(subset=list(KEY_COLUMNS), keep="last", maintain_order=True)


def combine(earlier: pl.DataFrame, later: pl.DataFrame) -> pl.DataFrame:
    """Both frames' records; ``later`` (one row per key) replaces ``earlier`` for the same key.

    An anti-join on the keys, not a unique() over both: merging a poll's few records into
    a large history costs one hash probe per old record, and nothing is sorted.
    """
    if later.height == 0:
        return earlier
    if earlier.height == 0:
        return later
    kept = earlier.join(later.select(KEY_COLUMNS), on=list(KEY_COLUMNS), how="anti", maintain_order="left")
    return pl.concat([kept, later], how="vertical").rechunk()


def stat_of(row: dict[str, Any]) -> DailyStat:
    from ipdash.domain.models import DailyStat

    return DailyStat(**{name: row[name] for name in SCHEMA})


class StatsView(MutableMapping[Key, "DailyStat"]):
    """``dataset.stats`` as a mapping: reads build records on demand, writes add to the dataset."""

    __slots__ = ("_owner",)

    def __init__(self, owner: Any) -> None:
        self._owner = owner  # a Dataset or anything with frame() / add() / key_index()

    def _frame(self) -> pl.DataFrame:
        frame: pl.DataFrame = self._owner.frame()
        return frame

    def __getitem__(self, key: Key) -> DailyStat:
        index = self._owner.key_index().get(key)
        if index is None:
            raise KeyError(key)
        return stat_of(self._frame().row(index, named=True))

    def __setitem__(self, key: Key, stat: DailyStat) -> None:
        if key != (stat.day, stat.ip, stat.mailbox_provider):
            raise KeyError(f"{key} is not the key of {stat}")
        self._owner.add(stat)

    def __delitem__(self, key: Key) -> None:
        raise TypeError("records are replaced, not deleted: build a new Dataset")

    def __iter__(self) -> Iterator[Key]:
        frame = self._frame()
        return zip(*(frame[name].to_list() for name in KEY_COLUMNS), strict=True)

    def __len__(self) -> int:
        return self._frame().height

    def __contains__(self, key: object) -> bool:
        return key in self._owner.key_index()

    def values(self) -> Iterator[DailyStat]:  # type: ignore[override]
        return (stat_of(row) for row in self._frame().iter_rows(named=True))

    def items(self) -> Iterator[tuple[Key, DailyStat]]:  # type: ignore[override]
        for stat in self.values():
            yield (stat.day, stat.ip, stat.mailbox_provider), stat

    def update(self, other: Any = (), /, **kwargs: Any) -> None:
        records = other.values() if hasattr(other, "values") else (stat for _key, stat in other)
        self._owner.add_all(records)

    def __repr__(self) -> str:
        return f"StatsView({self._frame().height} records)"


def changed_ips(before: pl.DataFrame, after: pl.DataFrame) -> set[str]:
    """IPs with a record added, removed or changed between two frames (for re-analysing only those).

    Feed the result to ``compute_metrics(dataset, window, only_ips=...)`` and fold it into the
    previous metrics with ``merge_metrics``; when the window moved, every IP changed.
    """
    old, new = ip_digests(before), ip_digests(after)
    return {ip for ip in old.keys() | new.keys() if old.get(ip) != new.get(ip)}


def ip_digests(frame: pl.DataFrame) -> dict[str, tuple[int, int]]:
    """Per IP, a digest of its records (every column but ``source``) that ignores their order: the
    wrapping sum of the rows' 64-bit hashes, and the row count. One hash pass and one small
    group-by, where comparing two frames row by row costs an anti-join of all columns each way."""
    if frame.height == 0:
        return {}
    columns = [name for name in SCHEMA if name != "source"]
    hashed = frame.select(pl.col("ip"), frame.select(columns).hash_rows(seed=10).alias("digest"))
    digests = hashed.group_by("ip").agg(pl.col("digest").sum(), pl.len().alias("rows"))
    return {
        ip: (digest, rows)
        for ip, digest, rows in zip(
            digests["ip"].cast(pl.String).to_list(),
            digests["digest"].to_list(),
            digests["rows"].to_list(),
            strict=True,
        )
    }
