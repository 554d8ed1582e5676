"""The engine's pass over a stats CSV: polars reads and groups the file; Python checks distinct values.

It accepts only what it can prove the row-by-row reader (:mod:`ipdash.sources.csv_stats`)
would accept with the same result: every date, IP and mailbox-provider cell is parsed by
the same Python functions, once per distinct value; counts are plain digits, empty (not
reported), or a few distinct odd spellings the row reader's parser accepts ("1,000").
Anything else (a bad cell, a short row, delivered over sent, a lone CR line break, a NUL,
a huge cell) returns None, and the caller re-reads the file row by row for exact
file:line:column errors. Memory: the streaming engine holds the per-key sums, not the file.
"""

from __future__ import annotations

import gc
import mmap
import re
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from ipdash.domain.mailbox_providers import ALIASES, MAX_NAME_LENGTH, OTHER, normalise_mailbox_provider
from ipdash.domain.models import ALL_PROVIDERS, canonical_ip
from ipdash.domain.stats_table import conform
from ipdash.sources.csv_format import COUNT_FIELDS

#: More distinct odd count spellings, dates or IPs, or providers than these, and the row
#: reader (with its bounded caches) takes over.
MAX_ODD_VALUES = 10_000
MAX_DISTINCT = 100_000
MAX_PROVIDERS = 10_000
#: A cell longer than this is beyond csv's field limit or hostile: the row reader reports it.
MAX_CELL_BYTES = 4096
_LONE_CR = re.compile(rb"\r(?!\n)")


@contextmanager
def bulk_load() -> Any:
    """Garbage collection out of the way of a bulk load: no generation-2 sweeps over the
    new objects while they are built; what survives is frozen afterwards, so later
    collections skip it."""
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.freeze()


def read_fast(
    path: Path,
    *,
    separator: str,
    width: int,
    positions: Mapping[str, int],
    parse_date: Callable[[str], date],
    parse_count: Callable[[str], int],
    source: str,
    batch_rows: int,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[pl.DataFrame, int] | None:
    """(one row per key in first-seen order, data rows) or None when the row reader must decide."""
    if len(separator) != 1 or not separator.isascii() or separator == '"' or not _plain_bytes(path):
        return None
    try:
        scan = pl.scan_csv(
            path,
            separator=separator,
            has_header=True,
            infer_schema=False,
            encoding="utf8-lossy",
            truncate_ragged_lines=True,
            empty_string_is_null=False,
            raise_if_empty=False,
        )
        names = scan.collect_schema().names()
        if len(names) != width:
            return None
        scan = scan.rename({name: f"c{index}" for index, name in enumerate(names)})
        folder = _Folder(positions, width, parse_date, parse_count)
        done, total = 0, path.stat().st_size
        for batch in scan.collect_batches(chunk_size=batch_rows, engine="streaming"):
            if not folder.add(batch):
                return None
            done = min(total, done + folder.last_bytes)
            if progress is not None and batch.height == batch_rows:  # like the row reader: every N rows
                progress(done, total)
        return folder.result(source)
    except (pl.exceptions.PolarsError, OSError, ValueError, OverflowError):
        return None


def _plain_bytes(path: Path) -> bool:
    """No NUL and no lone CR line break anywhere (polars would read those differently)."""
    with path.open("rb") as handle:
        if path.stat().st_size == 0:
            return True
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return data.find(b"\x00") == -1 and (data.find(b"\r") == -1 or _LONE_CR.search(data) is None)


class _Folder:
    """Checks each batch of string cells, maps it to typed columns and sums it per key."""

    def __init__(
        self,
        positions: Mapping[str, int],
        width: int,
        parse_date: Callable[[str], date],
        parse_count: Callable[[str], int],
    ) -> None:
        self.date_cell, self.ip_cell = f"c{positions['date']}", f"c{positions['ip']}"
        self.provider_cell = f"c{positions['mailbox_provider']}" if "mailbox_provider" in positions else None
        self.counts = {name: f"c{positions[name]}" for name in COUNT_FIELDS if name in positions}
        self.last_cell = f"c{width - 1}"
        self.parse_date, self.parse_count = parse_date, parse_count
        self.days: dict[str, date] = {}
        self.ips: dict[str, str] = {}
        self.providers: dict[str, str] = {}
        self.odd: dict[str, int] = {}
        self.partials: list[pl.DataFrame] = []
        self.rows = 0
        self.last_bytes = 0

    def add(self, batch: pl.DataFrame) -> bool:
        """Fold one batch in; False when the row reader must read the file instead."""
        if batch.height == 0:
            return True
        self.rows += batch.height
        lengths = batch.select(pl.all().str.len_bytes().max()).row(0)
        if max((length or 0) for length in lengths) > MAX_CELL_BYTES:
            return False
        # A short row reads as empty trailing cells, like a row whose last cell is empty:
        # either way the row reader decides (it tells "missing column" from "not reported").
        if (batch[self.last_cell] == "").any():
            return False
        self.last_bytes = int(batch.select(pl.all().str.len_bytes().sum()).sum_horizontal()[0]) + batch.height * (
            batch.width
        )
        try:
            days = self._learn(batch[self.date_cell], self.days, self.parse_date, MAX_DISTINCT)
            ips = self._learn(batch[self.ip_cell], self.ips, canonical_ip, MAX_DISTINCT)
            columns = [
                pl.col(self.date_cell).replace_strict(days, return_dtype=pl.Date).alias("day"),
                pl.col(self.ip_cell).replace_strict(ips, return_dtype=pl.String).alias("ip"),
                (self._provider(batch, self.provider_cell) if self.provider_cell else pl.lit(ALL_PROVIDERS)).alias(
                    "mailbox_provider"
                ),
            ]
            for name, cell in self.counts.items():
                columns.append(self._count(batch, name, cell))
        except (ValueError, _Refused):
            return False
        typed = batch.select(columns)
        if "sent" in self.counts and typed["sent"].null_count():
            return False  # an empty sent cell: an error the row reader names
        if "delivered" in self.counts and (typed["delivered"] > typed["sent"]).any():
            return False
        if any((typed[name].min() or 0) < 0 for name in self.counts):  # type: ignore[operator]
            return False
        aggregations: list[pl.Expr] = []
        for name in self.counts:
            aggregations += [pl.col(name).sum().alias(name), pl.col(name).count().alias(f"{name}#")]
        self.partials.append(typed.group_by("day", "ip", "mailbox_provider", maintain_order=True).agg(aggregations))
        return True

    def _learn(
        self, cells: pl.Series, known: dict[str, Any], parse: Callable[[str], Any], limit: int
    ) -> dict[str, Any]:
        distinct = cells.unique().to_list()
        for cell in distinct:
            if cell not in known:
                if len(known) >= limit:
                    raise _Refused
                known[cell] = parse(cell)
        return {cell: known[cell] for cell in distinct}

    def _provider(self, batch: pl.DataFrame, cell: str) -> pl.Expr:
        """normalise_mailbox_provider, vectorised for printable-ASCII cells (where Python's
        strip/lower and polars' agree); any other distinct cell goes through the function."""
        column = pl.col(cell)
        printable = column.str.contains(r"^[\x20-\x7e]*$")
        value = pl.when(printable & (column.str.len_bytes() > MAX_NAME_LENGTH)).then(pl.lit(OTHER))
        value = value.when(printable).then(
            column.str.strip_chars(" ").str.to_lowercase().replace_strict(ALIASES, default=OTHER, return_dtype=pl.String)
        )
        odd = batch.filter(~batch.select(printable.alias("p"))["p"])[cell]
        if odd.len():
            mapping = self._learn(odd, self.providers, normalise_mailbox_provider, MAX_PROVIDERS)
            value = value.when(~printable).then(column.replace_strict(mapping, default=OTHER, return_dtype=pl.String))
        return value.otherwise(pl.lit(OTHER))

    def _count(self, batch: pl.DataFrame, name: str, cell: str) -> pl.Expr:
        number = pl.col(cell).cast(pl.Int64, strict=False)
        odd_cells = batch.filter(number.is_null() & (pl.col(cell) != ""))[cell].unique().to_list()
        value = pl.when(number.is_not_null()).then(number)
        if odd_cells:
            mapping = {}
            for text in odd_cells:
                if text not in self.odd:
                    if len(self.odd) >= MAX_ODD_VALUES:
                        raise _Refused
                    self.odd[text] = self.parse_count(text.strip().replace("_", ""))
                mapping[text] = self.odd[text]
            value = value.when(pl.col(cell) != "").then(
                pl.col(cell).replace_strict(mapping, default=None, return_dtype=pl.Int64)
            )
        return value.otherwise(None).alias(name)

    def result(self, source: str) -> tuple[pl.DataFrame, int]:
        if not self.partials:
            return conform(pl.DataFrame({"day": [], "ip": [], "mailbox_provider": []})), self.rows
        combined = pl.concat(self.partials)
        self.partials = []
        grouped = combined.group_by("day", "ip", "mailbox_provider", maintain_order=True).agg(
            [pl.col(name).sum() for name in self.counts] + [pl.col(f"{name}#").sum() for name in self.counts]
        )
        sums = [pl.when(pl.col(f"{name}#") > 0).then(pl.col(name)).alias(name) for name in self.counts]
        frame = grouped.select("day", "ip", "mailbox_provider", *sums)
        return conform(with_bounced(frame).with_columns(pl.lit(source).alias("source"))), self.rows


class _Refused(Exception):
    """More distinct values than the fast pass keeps: the row reader's bounded caches take over."""


def with_bounced(frame: pl.DataFrame) -> pl.DataFrame:
    """bounced = hard + soft where the file has no bounced count but has either of those."""
    parts = [pl.col(name) for name in ("hard_bounced", "soft_bounced") if name in frame.columns]
    if not parts:
        return frame
    derived = pl.sum_horizontal([part.fill_null(0) for part in parts])
    known = pl.any_horizontal([part.is_not_null() for part in parts])
    current = pl.col("bounced") if "bounced" in frame.columns else pl.lit(None, dtype=pl.Int64)
    return frame.with_columns(pl.when(current.is_null() & known).then(derived).otherwise(current).alias("bounced"))
