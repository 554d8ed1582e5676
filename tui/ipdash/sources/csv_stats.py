"""Streaming reader for sending-stats CSV files (and SNDS data files, recognised by shape).

Rows are folded into per-(day, IP, mailbox provider) aggregates as they stream,
so memory grows with the number of distinct keys, not with the file; every
``FLUSH_KEYS`` keys the sums move from Python objects into a columnar partial,
so a file of millions of keys costs the columns, not a dict of lists. A bad
row is reported as file:line:column with its reason and skipped; a file that
cannot be read at all raises :class:`CsvReadError` with one clear message.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import add, itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ipdash.domain.stats_table import StatsView

from ipdash.domain.mailbox_providers import normalise_mailbox_provider
from ipdash.domain.models import ALL_PROVIDERS, Dataset, RowError, SndsDay, canonical_ip
from ipdash.sources.csv_fast import Prefix, bulk_load, read_fast, stacked, with_bounced
from ipdash.sources.csv_format import COUNT_FIELDS, looks_like_snds_row, map_columns, sniff_delimiter
from ipdash.sources.csv_swallowed import SingleLines, Span, lines_in, quote_column, swallowed_message
from ipdash.sources.record_bounds import record_bounds
from ipdash.sources.small_files import regular_file_problem

#: Row errors kept in full per file; beyond this they are only counted.
MAX_KEPT_ERRORS = 1000
PROGRESS_EVERY_ROWS = 50_000
#: Keys summed in a dict (~250 bytes each) before they move into a columnar partial (~60 bytes each).
FLUSH_KEYS = 100_000
_CACHE_LIMIT = 100_000
_PROVIDER_CACHE_LIMIT = 10_000
_COUNT_CACHE_LIMIT = 20_000
#: Longer cells are parsed but not cached, so hostile values cannot pile up in memory.
_MAX_CACHED_CELL = 64
_SNIFF_BYTES = 64 * 1024
_GROUPED = re.compile(r"-?\d{1,3}([.,])\d{3}(?:\1\d{3})*")

ProgressCallback = Callable[[int, int], None]  # (bytes read, total bytes)
Key = tuple[date, str, str]


class CsvReadError(Exception):
    """The file cannot be read at all. The message names the file."""


class DayOutOfRange(ValueError):
    """A real date, but not a plausible day of sending (data/record_bounds.json)."""


@dataclass(slots=True)
class CsvLoadResult:
    path: Path
    kind: str  # "stats" | "snds"
    #: The per-(day, IP, mailbox provider) sums, one row per key (schema stats_table.SCHEMA), or None.
    frame: Any = None
    snds: dict[tuple[str, date], SndsDay] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    rows: int = 0
    _records: Dataset | None = None

    @property
    def stats(self) -> StatsView:
        """The sums as records keyed by (day, IP, mailbox provider), built on demand."""
        if self._records is None:
            self._records = Dataset(frame=self.frame)
        return self._records.stats

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_KEPT_ERRORS:
            self.errors.append(error)


def read_csv_file(
    path: Path,
    *,
    columns: Mapping[str, str] | None = None,
    delimiter: str | None = None,
    date_format: str | None = None,
    source: str | None = None,
    progress: ProgressCallback | None = None,
) -> CsvLoadResult:
    """Read a stats CSV or an SNDS data CSV, whichever the file is."""
    raw, total = _open_checked(path)
    with raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
        first_line = text.readline()
        if not first_line.strip():
            raise CsvReadError(f"{path}: no header row (the first line is empty)")
        first_cells = _split_header(path, first_line, ",")
        source_name = source or path.name
        if looks_like_snds_row(first_cells):
            from ipdash.sources.snds_csv import parse_snds_lines

            result = CsvLoadResult(path=path, kind="snds")
            records, errors = parse_snds_lines(_chain(first_line, text), source_name, file_label=str(path))
            result.snds = {(record.ip, record.day): record for record in records}
            result.rows = len(records) + len(errors)
            for error in errors:
                result.add_error(error)
            if progress is not None:
                progress(total, total)
            return result
        separator = delimiter or sniff_delimiter(first_line, columns)
        header = _split_header(path, first_line, separator)
        column_map = map_columns(header, columns)
        missing = column_map.missing_required()
        if missing:
            shown = ", ".join(_printable(cell) for cell in header[:12]) or "nothing"
            raise CsvReadError(
                f"{path}: no recognisable header: missing {', '.join(missing)} column(s) "
                f"(found: {shown}); map them in the config's [[csv]] columns table"
            )
        parser = _RowParser(path, column_map.positions, date_format, source_name, separator)
        prefixes: list[Prefix] = []
        with bulk_load():
            fast = read_fast(
                path,
                separator=separator,
                width=len(header),
                positions=column_map.positions,
                parse_date=parser.parse_date,
                parse_count=_bounded_count,
                source=source_name,
                batch_rows=PROGRESS_EVERY_ROWS,
                progress=progress,
                on_decline=prefixes.append,
            )
            if fast is not None:
                parser.result.frame, parser.result.rows = fast
                if progress is not None:
                    progress(total, total)
                return parser.result
            lines_before = 0
            if prefixes:  # the engine pass summed the rows before the chunk it declined: read on from there
                prefix = prefixes.pop()
                parser.partials.append(prefix.sums)
                parser.prior_rows = prefix.rows
                lines_before = prefix.lines - 1  # the row reader counts lines after the header
                raw = text.detach()
                raw.seek(prefix.offset)
                text = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")
            reader: Any = csv.reader(text, delimiter=separator)
            if _has_nul(path):
                reader = _WithoutNulRows(reader, parser, lines_before)
            parser.run(reader, raw, total, progress, lines_before=lines_before)
        return parser.result


def _open_checked(path: Path) -> tuple[io.BufferedReader, int]:
    if (problem := regular_file_problem(path)) is not None:
        raise CsvReadError(f"{path}: {problem}")
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed by the caller's with-block
    except FileNotFoundError as error:
        raise CsvReadError(f"{path}: file not found") from error
    except OSError as error:
        raise CsvReadError(f"{path}: cannot open: {error.strerror or error}") from error
    try:
        total = path.stat().st_size
        head = raw.read(_SNIFF_BYTES)
        raw.seek(0)
    except OSError as error:
        raw.close()
        raise CsvReadError(f"{path}: cannot read: {error.strerror or error}") from error
    if not head.strip():
        raw.close()
        raise CsvReadError(f"{path}: file is empty")
    # A NUL in the header line is a binary file (or UTF-16); one further down is a bad row.
    if b"\x00" in head.split(b"\n", 1)[0] or not _is_utf8_prefix(head, cut=len(head) == _SNIFF_BYTES):
        raw.close()
        raise CsvReadError(f"{path}: not a text CSV file (binary or not UTF-8)")
    return raw, total


def _is_utf8_prefix(head: bytes, cut: bool) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # Only a character cut by the sniff window is forgiven, not a stray byte near the end.
        return cut and error.reason == "unexpected end of data"
    return True


def _split_header(path: Path, line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error as error:  # e.g. a first line that is one field over csv's size limit
        raise CsvReadError(f"{path}: the first line is not a CSV header ({error})") from error


def _chain(first: str, rest: io.TextIOWrapper):  # type: ignore[no-untyped-def]
    yield first
    yield from rest


def _printable(cell: str) -> str:
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in cell.strip())
    return repr(cleaned[:40])


class _RowParser:
    """The hot loop, kept apart so its caches and positions are plain attributes."""

    def __init__(
        self, path: Path, positions: Mapping[str, int], date_format: str | None, source: str, separator: str
    ):
        self.result = CsvLoadResult(path=path, kind="stats")
        self.path = str(path)
        self.file = path
        self.separator = separator
        self.bounds = record_bounds()
        self.source = source
        self.date_format = date_format
        self.i_date = positions["date"]
        self.i_ip = positions["ip"]
        self.i_mbp = positions.get("mailbox_provider")
        self.count_fields = [name for name in COUNT_FIELDS if name in positions]
        self.count_positions = [positions[name] for name in self.count_fields]
        self.i_delivered = self.count_fields.index("delivered") if "delivered" in positions else None
        self.width = max(positions.values()) + 1
        self.aggregates: dict[Key, list[int | None]] = {}
        self.partials: list[Any] = []  # polars frames of earlier sums, in file order
        self.prior_rows = 0  # rows the engine pass summed before the reader started
        self.dates: dict[str, date] = {}
        self.ips: dict[str, str] = {}
        self.providers: dict[str, str] = {}
        self.blank_lines = 0
        self.swallowed: list[Span] = []  # lines a stray quote swallowed, read again at the end
        self.rereading = False
        self.skipped_rows = 0  # rows reported before the parser saw them (a NUL byte)
        # Count cells repeat a lot (0, 1, 2 …): a memo lookup is cheaper than int(). Only cells that
        # parsed as non-negative whole numbers enter it; once it is full, plain int() takes over.
        self.count_cache: dict[str, int] = {}
        self.convert_count: Callable[[str], int] = self.count_cache.__getitem__

    def run(  # type: ignore[no-untyped-def]
        self,
        reader,
        raw: io.BufferedReader,
        total: int,
        progress: ProgressCallback | None,
        lines_before: int = 0,
    ) -> None:
        """Read every row of ``reader``, which starts ``lines_before`` lines after the header."""
        rows, last = self._consume(reader, lines_before, raw, total, progress)
        while (rest := self._unterminated_quote(last)) is not None:
            # The quote swallowed the rest of the file: the lines after the one it opened on are rows.
            text, after_line = rest
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=self.separator)
            more, last = self._consume(reader, after_line - 1, None, total, None)
            rows += more
        rows += self._reread_swallowed()
        if progress is not None:
            progress(total, total)
        self.result.rows = self.prior_rows + rows - self.blank_lines + self.skipped_rows
        self._finish()

    def _consume(  # type: ignore[no-untyped-def]
        self,
        reader,
        offset: int,
        raw: io.BufferedReader | None,
        total: int,
        progress: ProgressCallback | None,
    ) -> tuple[int, tuple[list[str], int] | None]:
        """Rows read from ``reader`` (its line numbers + ``offset`` are file lines after the header),
        and the last row with its first line."""
        # Locals, C-level helpers (itemgetter, map) and try/except instead of checks keep the
        # per-row cost near the bare csv.reader pass; anything unusual goes to _slow_row.
        aggregates = self.aggregates
        dates, ips, providers = self.dates, self.ips, self.providers  # raw cell -> parsed value
        i_date, i_ip, i_mbp = self.i_date, self.i_ip, self.i_mbp
        i_provider_cell = i_mbp if i_mbp is not None else i_date  # no provider column: read, never used
        counts_of = _tuple_getter(self.count_positions)
        convert = self.convert_count
        i_delivered = self.i_delivered if self.i_delivered is not None else 0  # 0: sent > sent never holds
        rows = 0
        row: list[str] | None = None
        while True:
            try:
                for row in reader:
                    rows += 1
                    if progress is not None and raw is not None and rows % PROGRESS_EVERY_ROWS == 0:
                        progress(raw.tell(), total)
                    try:
                        day = dates[row[i_date]]
                        ip = ips[row[i_ip]]
                        provider_cell = row[i_provider_cell]
                        counts: list[int | None] = list(map(convert, counts_of(row)))
                        if min(counts) < 0:  # type: ignore[type-var, operator]
                            raise ValueError
                    except (KeyError, ValueError, IndexError):
                        parsed = self._slow_row(row, _first_line(row, reader.line_num + offset))
                        convert = self.convert_count
                        if parsed is None:  # reported and skipped, or a blank line
                            continue
                        key, counts = parsed
                    else:
                        if counts[i_delivered] > counts[0]:  # type: ignore[operator]
                            self._delivered_over_sent(_first_line(row, reader.line_num + offset), counts)
                            continue
                        if i_mbp is None:
                            key = (day, ip, ALL_PROVIDERS)
                        else:  # a miss here is a new recipient domain, not a reason for the slow path
                            key = (day, ip, providers.get(provider_cell) or self._provider(provider_cell))
                    previous = aggregates.get(key)
                    if previous is None:
                        aggregates[key] = counts
                        if len(aggregates) >= FLUSH_KEYS:
                            self._flush()
                            aggregates = self.aggregates
                    else:
                        try:
                            previous[:] = map(add, previous, counts)
                        except TypeError:  # an unknown (None) count on either side
                            previous[:] = [_add(a, b) for a, b in zip(previous, counts, strict=True)]
            except csv.Error as error:
                self._error(reader.line_num + offset + 1, None, f"malformed CSV: {error}")
                continue
            break
        if row is None:
            return rows, None
        return rows, (row, _first_line(row, reader.line_num + offset))

    def _reread_swallowed(self) -> int:
        """The lines stray quotes swallowed, each read as a row of its own; the rows read."""
        spans, self.swallowed = self.swallowed, []
        self.rereading = True
        rows = 0
        for span, lines in zip(spans, lines_in(self.file, spans), strict=True):
            more, _last = self._consume(SingleLines(lines, self.separator), span.first - 2, None, 0, None)
            rows += more
        if spans:
            self.result.errors.sort(key=lambda error: error.line or 0)  # in file order, re-read ones too
        return rows

    def _unterminated_quote(self, last: tuple[list[str], int] | None) -> tuple[str, int] | None:
        """When the last row's last cell ran to the end of the file inside a quote: report it at the
        line the quote opened on, and give the lines after that one to read again."""
        if last is None or not last[0]:
            return None
        row, counted_from = last
        errors = self.result.errors
        reported = bool(errors) and len(errors) == self.result.error_count and errors[-1].line == counted_from
        if not reported and not _has_line_break(row[-1]):
            return None
        # The file's last line break is inside the cell too, so the row starts a line later than counted.
        first = counted_from + (1 if row[-1].endswith(("\n", "\r")) else 0)
        lines = _lines_from(self.file, first)
        try:
            list(csv.reader(io.StringIO("".join(lines), newline=""), delimiter=self.separator, strict=True))
        except csv.Error as error:
            if "unexpected end of data" not in str(error):
                return None
        else:
            return None
        if reported:
            errors.pop()  # the row's own error ("missing column") is replaced by the real cause
            self.result.error_count -= 1
        self.swallowed = [span for span in self.swallowed if span.first != counted_from + 1]
        consumed = len(lines)
        self._error(
            first,
            len(row),
            f"unterminated quote: the quoted field opened on this line runs to the end of the file "
            f"({consumed} lines, to line {first + consumed - 1}); the {consumed - 1} lines after it are read as rows",
        )
        return "".join(lines[1:]), first + 1

    def _slow_row(self, row: list[str], line: int) -> tuple[Key, list[int | None]] | None:
        """Parse one row field by field to say exactly what is wrong (or to cache new values). A bad
        row whose multi-line cell holds the delimiter (it swallowed cells of later lines) and that
        lacks columns, or whose multi-line cell is the bad one, is a stray quote: reported where it
        opened, and the lines it swallowed are read again afterwards (a multi-line cell in a row
        bad elsewhere, or one without a delimiter in it, is left as it is)."""
        errors_before = self.result.error_count
        parsed = self._parse_row(row, line)
        if parsed is None and self.result.error_count > errors_before and not self.rereading:
            breaks = sum(_line_breaks(cell) for cell in row)
            if breaks:
                self._maybe_swallowed(row, line, breaks)
        return parsed

    def _maybe_swallowed(self, row: list[str], line: int, breaks: int) -> None:
        errors = self.result.errors
        kept = bool(errors) and errors[-1].line == line and self.result.error_count <= MAX_KEPT_ERRORS
        column = quote_column(row)
        if self.separator not in row[column - 1]:  # a quoted cell with a line break, not swallowed cells
            return
        if len(row) >= self.width and not (kept and errors[-1].column == column):
            return
        reason = errors.pop().message if kept else f"missing column (row has {len(row)} of {self.width})"
        self.result.error_count -= 1
        self._error(line, column, swallowed_message(reason, column, breaks, line))
        self.swallowed.append(Span(line + 1, line + breaks))

    def _parse_row(self, row: list[str], line: int) -> tuple[Key, list[int | None]] | None:
        if len(row) < self.width:
            if not any(cell.strip() for cell in row):
                self.blank_lines += 1
                return None
            self._error(line, len(row) + 1, f"missing column (row has {len(row)} of {self.width})")
            return None
        cell = row[self.i_date]
        day = self.dates.get(cell)
        if day is None:
            try:
                day = self.parse_date(cell)
            except DayOutOfRange as error:
                self._error(line, self.i_date + 1, f"implausible date: {error}")
                return None
            except ValueError:
                self._error(line, self.i_date + 1, f"not a date: {_printable(cell)}")
                return None
            if len(self.dates) < _CACHE_LIMIT and len(cell) <= _MAX_CACHED_CELL:
                self.dates[cell] = day
        cell = row[self.i_ip]
        ip = self.ips.get(cell)
        if ip is None:
            try:
                ip = canonical_ip(cell)
            except ValueError:
                self._error(line, self.i_ip + 1, f"not an IP address: {_printable(cell)}")
                return None
            if len(self.ips) < _CACHE_LIMIT and len(cell) <= _MAX_CACHED_CELL:
                self.ips[cell] = ip
        counts: list[int | None] = []
        for name, position in zip(self.count_fields, self.count_positions, strict=True):
            cell = row[position].strip().replace("_", "")
            if not cell and name != "sent":
                counts.append(None)  # not reported in this row: unknown, not zero
                continue
            try:
                value = _parse_count(cell)
            except ValueError:
                self._error(line, position + 1, f"{name} is not a whole number: {_printable(row[position])}")
                return None
            problem = self.bounds.count_problem(name, value)
            if problem is not None:
                self._error(line, position + 1, problem)
                return None
            counts.append(value)
        if self.i_delivered is not None:
            delivered, sent = counts[self.i_delivered], counts[0]
            if delivered is not None and sent is not None and delivered > sent:
                position = self.count_positions[self.i_delivered]
                self._error(line, position + 1, f"delivered ({delivered}) is more than sent ({sent})")
                return None
        provider = ALL_PROVIDERS if self.i_mbp is None else self._provider(row[self.i_mbp])
        self._learn_counts(row, counts)
        return (day, ip, provider), counts

    def _learn_counts(self, row: list[str], counts: list[int | None]) -> None:
        if self.convert_count is int:
            return
        for position, value in zip(self.count_positions, counts, strict=True):
            if value is not None and len(row[position]) <= _MAX_CACHED_CELL:
                self.count_cache[row[position]] = value
        if len(self.count_cache) >= _COUNT_CACHE_LIMIT:
            self.convert_count = int

    def _provider(self, cell: str) -> str:
        provider = self.providers.get(cell)
        if provider is not None:
            return provider
        provider = normalise_mailbox_provider(cell)
        if len(self.providers) < _PROVIDER_CACHE_LIMIT and len(cell) <= _MAX_CACHED_CELL:
            self.providers[cell] = provider
        return provider

    def _delivered_over_sent(self, line: int, counts: list[int | None]) -> None:
        assert self.i_delivered is not None
        column = self.count_positions[self.i_delivered] + 1
        self._error(line, column, f"delivered ({counts[self.i_delivered]}) is more than sent ({counts[0]})")

    def parse_date(self, cell: str) -> date:
        text = cell.strip()
        if self.date_format:
            day = datetime.strptime(text, self.date_format).date()
        elif len(text) >= 10 and text[4] in "-/" and text[7] in "-/":
            day = date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
        else:
            raise ValueError(text)
        problem = self.bounds.day_problem(day)
        if problem is not None:
            raise DayOutOfRange(problem)
        return day

    def _error(self, line: int, column: int | None, message: str) -> None:
        self.result.add_error(RowError(file=self.path, line=line, column=column, message=message))

    def _flush(self) -> None:
        """The sums so far into a columnar partial; the dict starts again empty."""
        import polars as pl

        fields = self.count_fields
        keys = list(self.aggregates)
        columns: dict[str, list[Any]] = {
            "day": [key[0] for key in keys],
            "ip": [key[1] for key in keys],
            "mailbox_provider": [key[2] for key in keys],
        }
        del keys
        for index, name in enumerate(fields):
            columns[name] = [counts[index] for counts in self.aggregates.values()]
        self.aggregates = {}
        types: dict[str, Any] = {"day": pl.Date, "ip": pl.Categorical, "mailbox_provider": pl.Categorical}
        self.partials.append(pl.DataFrame(columns, schema_overrides=types | dict.fromkeys(fields, pl.Int64)))

    def _finish(self) -> None:
        import polars as pl

        from ipdash.domain.stats_table import KEY_COLUMNS, conform

        if self.aggregates or not self.partials:
            self._flush()
        partials, self.partials = self.partials, []
        pieces = len(partials)
        frame = stacked(partials)
        # A key in several partials? Counted on one 64-bit hash per row (a collision only costs the
        # group-by): distinct structs of the three columns held ~500 MB at 3.6 M keys.
        key = pl.struct(pl.col("day"), *(pl.col(name).to_physical() for name in KEY_COLUMNS[1:]))
        if pieces > 1 and frame.select(key.hash(seed=10).n_unique()).item() < frame.height:
            sums = [
                pl.when(pl.col(name).count() > 0).then(pl.col(name).sum()).alias(name)
                for name in self.count_fields
            ]
            frame = frame.group_by(*KEY_COLUMNS, maintain_order=True).agg(sums)
        frame = with_bounced(frame).with_columns(pl.lit(self.source, dtype=pl.Categorical).alias("source"))
        self.result.frame = conform(frame)


def _has_nul(path: Path) -> bool:
    import mmap

    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return data.find(b"\x00") != -1


def _has_line_break(cell: str) -> bool:
    return "\n" in cell or "\r" in cell


def _line_breaks(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _lines_from(path: Path, first: int) -> list[str]:
    """The file's lines from line ``first`` (1-based) to the end, line breaks kept."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        return list(itertools.islice(handle, first - 1, None))


class _WithoutNulRows:
    """A csv reader that reports rows holding a NUL byte (a stray byte in a text file, not a binary
    file) as row errors and skips them; used only for files that have one."""

    def __init__(self, reader: Any, parser: _RowParser, lines_before: int = 0) -> None:
        self._lines_before = lines_before
        self._reader = reader
        self._parser = parser

    @property
    def line_num(self) -> int:
        return int(self._reader.line_num)

    def __iter__(self) -> _WithoutNulRows:
        return self

    def __next__(self) -> list[str]:
        while True:
            row: list[str] = next(self._reader)
            column = next((index for index, cell in enumerate(row) if "\x00" in cell), None)
            if column is None:
                return row
            self._parser.skipped_rows += 1
            self._parser._error(
                _first_line(row, self._reader.line_num + self._lines_before),
                column + 1,
                "holds a NUL byte (\\x00): row skipped",
            )


def _first_line(row: list[str], last_line: int) -> int:
    """The file line a record starts on: the reader counts to its last line, and quoted cells
    may hold line breaks (\\n, \\r\\n or \\r). +1 for the header read before the reader started."""
    return last_line + 1 - _line_breaks("".join(row))


def _tuple_getter(positions: list[int]) -> Callable[[list[str]], tuple[str, ...]]:
    """itemgetter that returns a tuple even for one position."""
    if len(positions) == 1:
        only = positions[0]
        return lambda row: (row[only],)
    return itemgetter(*positions)


def _add(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _parse_count(cell: str) -> int:
    """'1,000' and '1.000' are thousands (one separator, groups of three); '1000.0' is a whole
    float as pandas writes it; anything else with a separator ('2,5', '1.000,00') is an error."""
    if _GROUPED.fullmatch(cell):
        return int(cell.replace(",", "").replace(".", ""))
    return _whole_float(cell) if "." in cell else int(cell)


def _bounded_count(cell: str) -> int:
    """_parse_count, refusing values past the count bound (the fast pass then hands the file to
    the row reader, which names the row)."""
    value = _parse_count(cell)
    if value > record_bounds().max_count:
        raise ValueError(cell)
    return value


def _whole_float(cell: str) -> int:
    value = float(cell)
    if not value.is_integer():
        raise ValueError(cell)
    return int(value)


def read_csv_header(path: Path, columns: Mapping[str, str] | None = None) -> str:
    """Check that a file can be read as a stats or SNDS CSV from its first line alone.

    Returns its kind ("stats" or "snds"); raises CsvReadError like read_csv_file would.
    """
    raw, _total = _open_checked(path)
    with raw:
        first_line = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="").readline()
    if not first_line.strip():
        raise CsvReadError(f"{path}: no header row (the first line is empty)")
    if looks_like_snds_row(next(csv.reader([first_line]), [])):
        return "snds"
    header = next(csv.reader([first_line], delimiter=sniff_delimiter(first_line, columns)), [])
    missing = map_columns(header, columns).missing_required()
    if missing:
        shown = ", ".join(_printable(cell) for cell in header[:12]) or "nothing"
        raise CsvReadError(
            f"{path}: no recognisable header: missing {', '.join(missing)} column(s) (found: {shown})"
        )
    return "stats"
