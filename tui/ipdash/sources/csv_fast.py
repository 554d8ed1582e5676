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
from ipdash.sources.record_bounds import record_bounds

#: More distinct odd count spellings, dates or IPs, or providers than these, and the row
#: reader (with its bounded caches) takes over.
MAX_ODD_VALUES = 10_000
MAX_DISTINCT = 100_000
MAX_PROVIDERS = 10_000
#: A cell longer than this is beyond csv's field limit or hostile: the row reader reports it.
MAX_CELL_BYTES = 4096
_LONE_CR = re.compile(rb"\r(?!\n)")
_PRINTABLE = r"^[\x20-\x7e]*$"


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
        # Pass 1, batch by batch: the checks and the distinct cells. Progress counts it as the
        # first half of the work; pass 2 (the grouping) is one streaming query.
        for batch in scan.collect_batches(chunk_size=batch_rows, engine="streaming"):
            if not folder.survey(batch):
                return None
            done = min(total, done + folder.last_bytes)
            if progress is not None and batch.height == batch_rows:  # like the row reader: every N rows
                progress(done // 2, total)
        return folder.group(scan, source, batch_rows)
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
    """Checks each batch of string cells (pass 1), then maps and sums the file per key (pass 2)."""

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
        self.count_digits = len(str(record_bounds().max_count)) - 1
        self.days: dict[str, date] = {}
        self.ips: dict[str, str] = {}
        self.providers: dict[str, str] = {}
        self.ip_codes: dict[str, int] = {}
        self.provider_codes: dict[str, int] = {}
        self.odd: dict[str, int] = {}
        self.vector_providers = False
        self.rows = 0
        self.last_bytes = 0

    def survey(self, batch: pl.DataFrame) -> bool:
        """Check one batch and learn its distinct cells; False when the row reader must decide."""
        if batch.height == 0:
            return True
        self.rows += batch.height
        survey = batch.select(self._survey(batch.columns)).row(0, named=True)
        if max((survey[f"{cell}:longest"] or 0) for cell in batch.columns) > MAX_CELL_BYTES:
            return False
        # A count cell with more digits than the count bound's could be over it: the row reader decides.
        if max((survey[f"{cell}:longest"] or 0) for cell in self.counts.values()) > self.count_digits:
            return False
        # A short row reads as empty trailing cells, like a row whose last cell is empty:
        # either way the row reader decides (it tells "missing column" from "not reported").
        if survey["last empty"]:
            return False
        self.last_bytes = int(survey["bytes"] or 0) + batch.height * batch.width
        try:
            self._learn(survey["days"], self.days, self.parse_date, MAX_DISTINCT)
            self._learn(survey["ips"], self.ips, canonical_ip, MAX_DISTINCT)
            distinct = survey.get("providers")
            if distinct is None or len(distinct) + len(self.providers) > MAX_PROVIDERS:
                self.vector_providers = True
            elif self.provider_cell:
                self._learn(distinct, self.providers, normalise_mailbox_provider, MAX_PROVIDERS)
            for name in self.counts:
                self._odd(survey[f"{name}:odd"])
        except (ValueError, _Refused):
            return False
        return True

    def group(self, scan: pl.LazyFrame, source: str, batch_rows: int) -> tuple[pl.DataFrame, int] | None:
        """Pass 2: typed columns from the learned cells; rows of the same key summed (one integer
        key per row, so the check for repeats and the grouping are on one column)."""
        ips = self._codes(self.ips, self.ip_codes)
        providers = None if self.vector_providers else self._codes(self.providers, self.provider_codes)
        columns = [
            pl.col(self.date_cell).replace_strict(self.days, return_dtype=pl.Date).alias("day"),
            pl.col(self.ip_cell).replace_strict(ips, return_dtype=pl.UInt32).alias("ip"),
            self._provider_code(providers).alias("mailbox_provider"),
            *(self._count(name, cell, self.odd) for name, cell in self.counts.items()),
        ]
        # One integer per (day, IP, provider): day + 2^20 in 21 bits, IP code in 17, provider in 14.
        key = (
            (pl.col("day").cast(pl.Int64) + (1 << 20)) * (1 << 31)
            + pl.col("ip").cast(pl.Int64) * (1 << 14)
            + pl.col("mailbox_provider").cast(pl.Int64)
        )
        rows = scan.select(columns).with_columns(key.alias("key"))
        if self.rows >= 2 * self._most_keys():  # most rows repeat a key (hourly exports)
            typed = self._grouped_by_batch(scan, columns, key.alias("key"), batch_rows)
            if typed is None:
                return None
        else:
            typed = self._typed(rows)
            if typed is None:
                return None
        ip_names = {code: name for name, code in self.ip_codes.items()}
        provider_names = {code: name for name, code in self.provider_codes.items()}
        frame = typed.select(
            "day",
            pl.col("ip").replace_strict(ip_names, return_dtype=pl.String),
            pl.col("mailbox_provider").replace_strict(provider_names, return_dtype=pl.String),
            *self.counts,
        )
        return conform(with_bounced(frame).with_columns(pl.lit(source).alias("source"))), self.rows

    def _most_keys(self) -> int:
        """An upper bound on the keys: distinct days × IPs × mailbox providers."""
        providers = (
            len(set(ALIASES.values())) + 1 if self.vector_providers else len(set(self.providers.values()))
        )
        return len(set(self.days.values())) * len(set(self.ips.values())) * max(1, providers)

    def _grouped_by_batch(
        self, scan: pl.LazyFrame, columns: list[pl.Expr], key: pl.Expr, batch_rows: int
    ) -> pl.DataFrame | None:
        """Sums per key as the file streams: each batch of text cells is typed and summed, and the
        partial sums are folded whenever they outgrow the keys, so memory holds one batch and about
        one row per key (typing the cells inside one streaming query held the whole file's text)."""
        first = [pl.col(name).first() for name in ("day", "ip", "mailbox_provider")]
        partial_sums = [*first, pl.col("row").min(), pl.col("sent").null_count().alias("sent:missing")]
        folded = [
            *first,
            pl.col("row").min(),
            pl.col("sent:missing").sum(),
        ]
        for name in self.counts:
            partial_sums += [
                pl.col(name).sum().alias(name),
                pl.col(name).count().alias(f"{name}#"),
                pl.col(name).min().alias(f"{name}:min"),
            ]
            folded += [pl.col(name).sum(), pl.col(f"{name}#").sum(), pl.col(f"{name}:min").min()]
        if "delivered" in self.counts:
            partial_sums.append((pl.col("delivered") > pl.col("sent")).any().alias("delivered>sent"))
            folded.append(pl.col("delivered>sent").any())
        partials: list[pl.DataFrame] = []
        held = offset = 0
        fold_at = 2 * max(self._most_keys(), batch_rows)
        for batch in scan.collect_batches(chunk_size=batch_rows, engine="streaming"):
            typed = batch.select(columns).with_columns(key).with_row_index("row", offset=offset)
            offset += batch.height
            partials.append(typed.group_by("key").agg(partial_sums))
            held += partials[-1].height
            if held > fold_at:
                partials = [pl.concat(partials).group_by("key").agg(folded)]
                held = partials[0].height
        if not partials:  # no data rows
            return (
                scan.head(0).collect().select(columns).select("day", "ip", "mailbox_provider", *self.counts)
            )
        grouped = pl.concat(partials).group_by("key").agg(folded).sort("row")
        checks = [
            pl.col("sent:missing").sum() > 0,
            pl.col("mailbox_provider").is_null().any(),
            *(pl.col(f"{name}:min").min() < 0 for name in self.counts),
            *([pl.col("delivered>sent").any()] if "delivered" in self.counts else []),
        ]
        checks = [check.alias(f"check {index}") for index, check in enumerate(checks)]
        if any(value for value in grouped.select(checks).row(0)):
            return None
        sums = [pl.when(pl.col(f"{name}#") > 0).then(pl.col(name)).alias(name) for name in self.counts]
        return grouped.select("day", "ip", "mailbox_provider", *sums)

    def _typed(self, rows: pl.LazyFrame) -> pl.DataFrame | None:
        """The typed rows, summed per key only where a key repeats."""
        typed = rows.collect(engine="streaming")
        checks = [
            pl.col("sent").null_count() > 0,  # an empty sent cell
            pl.col("mailbox_provider").null_count() > 0,  # a cell the vectorised mapping does not vouch for
            *(pl.col(name).min() < 0 for name in self.counts),
            *([(pl.col("delivered") > pl.col("sent")).any()] if "delivered" in self.counts else []),
        ]
        checks = [check.alias(f"check {index}") for index, check in enumerate(checks)]
        if typed.height and any(value for value in typed.select(checks).row(0)):
            return None  # the row reader names the row (empty sent, negative, delivered over sent)
        if typed["key"].n_unique() < typed.height:  # several rows per key (hourly exports): sum them
            aggregations: list[pl.Expr] = [pl.col(name).first() for name in ("day", "ip", "mailbox_provider")]
            for name in self.counts:
                summed = pl.col(name).sum()
                aggregations.append(pl.when(pl.col(name).count() > 0).then(summed).alias(name))
            typed = typed.group_by("key", maintain_order=True).agg(aggregations)
        return typed

    def _survey(self, cells: list[str]) -> list[pl.Expr]:
        """One pass over a batch: the checks, and the distinct cells Python must parse."""
        survey = [pl.col(cell).str.len_bytes().max().alias(f"{cell}:longest") for cell in cells]
        survey += [
            (pl.col(self.last_cell) == "").any().alias("last empty"),
            pl.sum_horizontal(pl.all().str.len_bytes().sum()).alias("bytes"),
            self._short(self.date_cell).unique().implode().alias("days"),
            self._short(self.ip_cell).unique().implode().alias("ips"),
        ]
        if self.provider_cell:
            # Up to MAX_PROVIDERS distinct cells are mapped in Python; past that, vectorised.
            distinct = self._short(self.provider_cell).unique()
            survey.append(
                pl.when(distinct.len() <= MAX_PROVIDERS)
                .then(distinct.implode())
                .otherwise(None)
                .alias("providers")
            )
        for name, cell in self.counts.items():
            column = pl.col(cell)
            odd = column.filter(column.cast(pl.Int64, strict=False).is_null() & (column != ""))
            survey.append(odd.unique().head(MAX_ODD_VALUES + 1).implode().alias(f"{name}:odd"))
        return survey

    @staticmethod
    def _short(cell: str) -> pl.Expr:
        """The cell where it is short enough to parse (a longer one fails the batch anyway)."""
        return pl.col(cell).filter(pl.col(cell).str.len_bytes() <= MAX_CELL_BYTES)

    def _learn(
        self, distinct: list[str], known: dict[str, Any], parse: Callable[[str], Any], limit: int
    ) -> None:
        for cell in distinct:
            if cell not in known:
                if len(known) >= limit:
                    raise _Refused
                known[cell] = parse(cell)

    def _odd(self, cells: list[str]) -> None:
        self._learn(
            cells, self.odd, lambda text: self.parse_count(text.strip().replace("_", "")), MAX_ODD_VALUES
        )

    @staticmethod
    def _codes(names: dict[str, str], codes: dict[str, int]) -> dict[str, int]:
        """Cells to small integer codes of their parsed names: grouping on integers is cheaper."""
        return {cell: codes.setdefault(name, len(codes)) for cell, name in names.items()}

    def _provider_code(self, providers: dict[str, int] | None) -> pl.Expr:
        if self.provider_cell is None:
            return pl.lit(
                self.provider_codes.setdefault(ALL_PROVIDERS, len(self.provider_codes)), dtype=pl.UInt32
            )
        if providers is not None:
            return pl.col(self.provider_cell).replace_strict(providers, return_dtype=pl.UInt32)
        for name in {*ALIASES.values(), OTHER}:
            self.provider_codes.setdefault(name, len(self.provider_codes))
        return self._provider(self.provider_cell).replace_strict(self.provider_codes, return_dtype=pl.UInt32)

    def _provider(self, cell: str) -> pl.Expr:
        """normalise_mailbox_provider, vectorised, for files with more distinct cells than Python
        maps: exact for printable-ASCII cells (where Python's strip/lower and polars' agree);
        any other cell maps to null, which sends the file to the row reader."""
        column = pl.col(cell)
        printable = column.str.contains(_PRINTABLE)
        value: Any = pl.when(printable & (column.str.len_bytes() > MAX_NAME_LENGTH)).then(pl.lit(OTHER))
        value = value.when(printable).then(
            column.str.strip_chars(" ")
            .str.to_lowercase()
            .replace_strict(ALIASES, default=OTHER, return_dtype=pl.String)
        )
        return value.otherwise(pl.lit(None))

    def _count(self, name: str, cell: str, odd: dict[str, int]) -> pl.Expr:
        number = pl.col(cell).cast(pl.Int64, strict=False)
        value: Any = pl.when(number.is_not_null()).then(number)
        if odd:
            value = value.when(pl.col(cell) != "").then(
                pl.col(cell).replace_strict(odd, default=None, return_dtype=pl.Int64)
            )
        return value.otherwise(None).alias(name)


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
    return frame.with_columns(
        pl.when(current.is_null() & known).then(derived).otherwise(current).alias("bounced")
    )
