"""The engine's pass over a stats CSV: polars parses and sums the file chunk by chunk; Python
checks distinct values.

It accepts only what it can prove the row-by-row reader (:mod:`ipdash.sources.csv_stats`)
would accept with the same result: every date, IP and mailbox-provider cell is parsed by
the same Python functions, once per distinct value; counts are plain digits, empty (not
reported), or a few distinct odd spellings the row reader's parser accepts ("1,000").
Anything else (a bad cell, a short row, delivered over sent, a lone CR line break, a NUL,
a huge cell, an unbalanced quote) in a chunk returns None, and the caller reads the file row
by row from that chunk on (the accepted chunks' sums handed over as a :class:`Prefix`) for
exact file:line:column errors.

Memory: the file is read in chunks of whole records (cut at a line break outside quotes), each
parsed by polars, checked, typed and summed per key before the next is read; the partial sums
are folded whenever they outgrow the keys. So memory holds one chunk of text and about one row
per key, never the file (a streaming query over the whole file read ahead well over 100 MB).
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

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
#: Chunks are sized to about ``batch_rows`` records, within these bounds.
MAX_CHUNK_BYTES = 8 << 20
_SAMPLE_BYTES = 64 << 10
_LONE_CR = re.compile(rb"\r(?!\n)")
_PRINTABLE = r"^[\x20-\x7e]*$"
_QUOTE = b'"'


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
    on_decline: Callable[[Prefix], None] | None = None,
) -> tuple[pl.DataFrame, int] | None:
    """(one row per key in first-seen order, data rows) or None when the row reader must decide.

    When a chunk is declined after others were accepted, ``on_decline`` gets those chunks' sums
    (:class:`Prefix`): the row reader need read only from there on.
    """
    if len(separator) != 1 or not separator.isascii() or separator == '"':
        return None
    options: dict[str, Any] = {
        "separator": separator,
        "has_header": False,
        "infer_schema": False,
        "encoding": "utf8-lossy",
        "truncate_ragged_lines": True,
        "empty_string_is_null": False,
        "raise_if_empty": False,
    }
    names = [f"c{index}" for index in range(width)]
    folder = _Folder(positions, width, parse_date, parse_count)
    try:
        with path.open("rb") as handle:
            total = path.stat().st_size
            chunks = Chunks(handle, batch_rows, longest_record=(width + 1) * (MAX_CELL_BYTES + 3))
            if chunks.header is None or pl.read_csv(chunks.header, **options).width != width:
                return None
            accepted_bytes, accepted_lines = chunks.consumed, 1
            for body in chunks:
                lines = body.count(b"\n")
                # Without a header, a chunk is as wide as its first row: a wider one's extra cells
                # are cut, like a longer row under the header; a narrower one is a short row.
                try:
                    batch = pl.read_csv(body, **options)
                except pl.exceptions.PolarsError:
                    batch = None
                del body
                if batch is None or batch.width < width:
                    break
                batch = batch.select(pl.nth(range(width)))
                batch.columns = names
                if not folder.fold(batch):
                    break
                accepted_bytes, accepted_lines = chunks.consumed, accepted_lines + lines
                if progress is not None and chunks.consumed < total:  # like the row reader: every N rows
                    progress(chunks.consumed, total)
            else:
                if not chunks.declined:
                    return folder.result(source)
            if on_decline is not None and folder.rows:
                on_decline(Prefix(folder.named_sums(), folder.rows, accepted_bytes, accepted_lines))
            return None
    except (pl.exceptions.PolarsError, OSError, ValueError, OverflowError):
        return None


@dataclass(frozen=True, slots=True)
class Prefix:
    """The accepted chunks of a declined file: their sums per key (first-seen order; columns day,
    ip, mailbox_provider and the file's counts, as the row reader's partials), their data rows,
    and where they end (a byte offset at a record boundary, and the physical lines up to it,
    the header's included)."""

    sums: pl.DataFrame
    rows: int
    offset: int
    lines: int


class Chunks:
    """A binary file's data lines in chunks of whole records: each chunk is cut after a line break
    with an even number of quotes before it (outside any quoted cell, as polars and csv read it).

    ``header`` is the first line (None when it cannot be one: an odd number of quotes, a NUL, a
    lone CR). Iteration stops early with ``declined`` set when a chunk holds a NUL or a lone CR
    (polars would read those differently), a record runs past ``longest_record`` bytes, or the
    file ends inside a quote.
    """

    def __init__(self, handle: BinaryIO, batch_rows: int, *, longest_record: int) -> None:
        self._handle = handle
        self._longest = longest_record
        self.declined = False
        header = handle.readline()
        self.consumed = len(header)
        self.header: bytes | None = header if header.count(_QUOTE) % 2 == 0 and _plain(header) else None
        if self.header is not None and not header.endswith(b"\n"):
            self.header += b"\n"
        sample = handle.read(_SAMPLE_BYTES)
        lines = sample.count(b"\n")
        if not lines and len(sample) > longest_record:
            self.declined = True  # the first record is longer than any the fast pass reads
        # A little under batch_rows lines, so progress comes at least every batch_rows rows.
        line = len(sample) / max(1, lines)
        self.chunk_bytes = max(1, min(MAX_CHUNK_BYTES, int(line * batch_rows * 0.9)))
        self._pending = sample

    def __iter__(self) -> Iterator[bytes]:
        data, self._pending = self._pending, b""
        ended = self.declined
        while not self.declined:
            if not ended and len(data) < self.chunk_bytes:
                more = self._handle.read(self.chunk_bytes - len(data))
                ended = not more
                data += more
                continue
            if not data:
                return
            cut = len(data) if ended else _record_end(data, self.chunk_bytes) or _record_end(data, len(data))
            if not cut:  # no record ends in what is read so far
                if len(data) > self._longest + self.chunk_bytes:
                    break  # and none will in reach: a huge cell or a stray quote
                more = self._handle.read(max(self.chunk_bytes, len(data)))
                ended = not more
                data += more
                continue
            chunk, data = data[:cut], data[cut:]
            if not _plain(chunk) or (ended and not data and chunk.count(_QUOTE) % 2):
                break  # a NUL, a lone CR, or a quote still open at the end of the file
            self.consumed += len(chunk)
            yield chunk
            del chunk
        self.declined = True


def _plain(data: bytes) -> bool:
    """No NUL and no lone CR line break (polars would read those differently from csv)."""
    return b"\x00" not in data and (b"\r" not in data or _LONE_CR.search(data) is None)


def _record_end(data: bytes, near: int) -> int:
    """Just past the last line break at or before ``near`` that no quoted cell spans, or 0."""
    end = data.rfind(b"\n", 0, near) if near < len(data) else data.rfind(b"\n")
    if end == -1:
        return 0
    odd = data.count(_QUOTE, 0, end) % 2
    while odd:  # the break is inside a quoted cell: step back to the one before
        before = data.rfind(b"\n", 0, end)
        if before == -1:
            return 0
        odd ^= data.count(_QUOTE, before, end) % 2
        end = before
    return end + 1


class _Folder:
    """Checks, types and sums each chunk of string cells; folds the partial sums per key."""

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
        self.partials: list[pl.DataFrame] = []
        self.held = 0
        self.fold_at = 0
        # One integer per (day, IP, provider): day + 2^20 in 21 bits, IP code in 17, provider in 14.
        self.key = (
            (pl.col("day").cast(pl.Int64) + (1 << 20)) * (1 << 31)
            + pl.col("ip").cast(pl.Int64) * (1 << 14)
            + pl.col("mailbox_provider").cast(pl.Int64)
        ).alias("key")
        first = [pl.col(name).first() for name in ("day", "ip", "mailbox_provider")]
        # A sum is null where no row reported the count (unknown, never 0), so partial sums fold alike.
        self.sums = [
            *first,
            *(pl.when(pl.col(name).count() > 0).then(pl.col(name).sum()).alias(name) for name in self.counts),
        ]

    def fold(self, batch: pl.DataFrame) -> bool:
        """Check one chunk, learn its distinct cells, and add its sums per key; False when the row
        reader must decide."""
        if batch.height == 0:
            return True
        survey = self._survey(batch)
        if survey is None:
            return False
        typed = batch.select(self._typed_columns(survey))
        del batch
        checks = [
            pl.col("sent").null_count() > 0,  # an empty sent cell
            pl.col("mailbox_provider").null_count() > 0,  # a cell the vectorised mapping does not vouch for
            *(pl.col(name).min() < 0 for name in self.counts),
            *([(pl.col("delivered") > pl.col("sent")).any()] if "delivered" in self.counts else []),
        ]
        checks = [check.alias(f"check {index}") for index, check in enumerate(checks)]
        if any(typed.select(checks).row(0)):
            return False  # the row reader names the row (empty sent, negative, delivered over sent)
        self.rows += typed.height
        if typed.select(self.key.n_unique()).item() < typed.height:  # rows repeat a key (hourly exports)
            typed = self._summed(typed)
        self.partials.append(typed)
        self.held += typed.height
        if self.held > self.fold_at:
            # Folding costs a pass over what is held: fold again only once that has doubled, so
            # files whose keys never repeat across chunks are not folded over and over.
            self.partials = self._folded(self.partials)
            self.held = sum(partial.height for partial in self.partials)
            self.fold_at = max(2 * self.held, self.fold_at)
        return True

    def _folded(self, partials: list[pl.DataFrame]) -> list[pl.DataFrame]:
        """Partials with one row per key between them, in first-seen order (each partial is in
        first-seen order, and they are in file order): as they are when no key repeats across them."""
        if len(partials) < 2:
            return partials
        held = pl.concat(partials, how="vertical", rechunk=False)
        if held.select(self.key.n_unique()).item() == held.height:
            return partials
        return [self._summed(held)]

    def _summed(self, rows: pl.DataFrame) -> pl.DataFrame:
        """One row per key, in first-seen order, with the columns of the typed rows."""
        return rows.group_by(self.key, maintain_order=True).agg(self.sums).select(rows.columns)

    def named_sums(self) -> pl.DataFrame:
        """The sums so far: one row per key in first-seen order; day, ip, mailbox_provider (named,
        categorical) and the counts."""
        pieces = self._folded(self.partials)
        self.partials = []
        if not pieces:  # no data rows
            schema: dict[str, Any] = {"day": pl.Date, "ip": pl.UInt32, "mailbox_provider": pl.UInt32}
            pieces = [pl.DataFrame(schema=schema | dict.fromkeys(self.counts, pl.Int64))]
        frame = stacked(pieces)
        return frame.with_columns(
            _names(self.ip_codes).gather(frame["ip"]).alias("ip"),
            _names(self.provider_codes).gather(frame["mailbox_provider"]).alias("mailbox_provider"),
        )

    def result(self, source: str) -> tuple[pl.DataFrame, int]:
        """The sums as a frame of stats_table.SCHEMA, and the data rows read."""
        frame = with_bounced(self.named_sums())
        return conform(frame.with_columns(pl.lit(source, dtype=pl.Categorical).alias("source"))), self.rows

    def _survey(self, batch: pl.DataFrame) -> dict[str, Any] | None:
        """The chunk's checks and distinct cells (new ones parsed and learned); None when the row
        reader must decide."""
        survey = batch.select(self._survey_columns(batch.columns)).row(0, named=True)
        if max((survey[f"{cell}:longest"] or 0) for cell in batch.columns) > MAX_CELL_BYTES:
            return None
        # A count cell with more digits than the count bound's could be over it: the row reader decides.
        if max((survey[f"{cell}:longest"] or 0) for cell in self.counts.values()) > self.count_digits:
            return None
        # A short row reads as empty trailing cells, like a row whose last cell is empty:
        # either way the row reader decides (it tells "missing column" from "not reported").
        if survey["last empty"]:
            return None
        try:
            self._learn(survey["days"], self.days, self.parse_date, MAX_DISTINCT)
            self._learn(survey["ips"], self.ips, canonical_ip, MAX_DISTINCT)
            distinct = survey.get("providers")
            if distinct is None or len(distinct) + len(self.providers) > MAX_PROVIDERS:
                self.vector_providers = True
            elif self.provider_cell and not self.vector_providers:
                self._learn(distinct, self.providers, normalise_mailbox_provider, MAX_PROVIDERS)
            for name in self.counts:
                self._learn(survey[f"{name}:odd"], self.odd, self._parse_odd, MAX_ODD_VALUES)
        except (ValueError, _Refused):
            return None
        return survey

    def _parse_odd(self, text: str) -> int:
        return self.parse_count(text.strip().replace("_", ""))

    def _typed_columns(self, survey: dict[str, Any]) -> list[pl.Expr]:
        """The chunk's cells as day, IP code, provider code and counts (mapped by its distinct cells)."""
        days: list[str] = survey["days"]
        ips: list[str] = survey["ips"]
        ip_codes = [self.ip_codes.setdefault(self.ips[cell], len(self.ip_codes)) for cell in ips]
        return [
            pl.col(self.date_cell)
            .replace_strict(days, [self.days[cell] for cell in days], return_dtype=pl.Date)
            .alias("day"),
            pl.col(self.ip_cell).replace_strict(ips, ip_codes, return_dtype=pl.UInt32).alias("ip"),
            self._provider_code(survey.get("providers")).alias("mailbox_provider"),
            *(self._count(name, cell, survey[f"{name}:odd"]) for name, cell in self.counts.items()),
        ]

    def _survey_columns(self, cells: list[str]) -> list[pl.Expr]:
        """One pass over a chunk: the checks, and the distinct cells Python must parse."""
        survey = [pl.col(cell).str.len_bytes().max().alias(f"{cell}:longest") for cell in cells]
        survey += [
            (pl.col(self.last_cell) == "").any().alias("last empty"),
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
        """The cell where it is short enough to parse (a longer one fails the chunk anyway)."""
        return pl.col(cell).filter(pl.col(cell).str.len_bytes() <= MAX_CELL_BYTES)

    def _learn(
        self, distinct: list[str], known: dict[str, Any], parse: Callable[[str], Any], limit: int
    ) -> None:
        for cell in distinct:
            if cell not in known:
                if len(known) >= limit:
                    raise _Refused
                known[cell] = parse(cell)

    def _provider_code(self, distinct: list[str] | None) -> pl.Expr:
        if self.provider_cell is None:
            return pl.lit(
                self.provider_codes.setdefault(ALL_PROVIDERS, len(self.provider_codes)), dtype=pl.UInt32
            )
        if not self.vector_providers and distinct is not None:
            codes = self.provider_codes
            mapped = [codes.setdefault(self.providers[cell], len(codes)) for cell in distinct]
            return pl.col(self.provider_cell).replace_strict(distinct, mapped, return_dtype=pl.UInt32)
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

    def _count(self, name: str, cell: str, odd: list[str]) -> pl.Expr:
        number = pl.col(cell).cast(pl.Int64, strict=False)
        value: Any = pl.when(number.is_not_null()).then(number)
        if odd:
            value = value.when(pl.col(cell) != "").then(
                pl.col(cell).replace_strict(
                    odd, [self.odd[text] for text in odd], default=None, return_dtype=pl.Int64
                )
            )
        return value.otherwise(None).alias(name)


def stacked(pieces: list[pl.DataFrame]) -> pl.DataFrame:
    """The pieces one under the other, each column in one chunk; ``pieces`` is emptied.

    Column by column, each column's pieces dropped once it is whole: a frame of many chunks is
    copied whole by polars on its first group-by (140 MB at 10k IPs), and concatenating whole
    frames into one chunk would hold two copies of every column at once.
    """
    columns = []
    for name in pieces[0].columns:
        parts = [piece.drop_in_place(name) for piece in pieces]
        columns.append(pl.concat(parts, rechunk=True) if len(parts) > 1 else parts[0].rechunk())
        del parts
    pieces.clear()
    return pl.DataFrame(columns)


def _names(codes: dict[str, int]) -> pl.Series:
    """The names of ``codes`` as a categorical series indexed by code (gathered without strings)."""
    return pl.Series(sorted(codes, key=codes.__getitem__), dtype=pl.Categorical)


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
