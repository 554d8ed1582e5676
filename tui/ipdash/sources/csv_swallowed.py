"""Lines swallowed by a stray quote that a later quote closes.

A quote opening a cell makes the CSV reader read on, over line breaks, until the next quote: the
lines in between become one broken row. When that row is an error, it is reported at the line and
column where the quote opened, and the lines it swallowed are read again, each on its own (a line's
own stray quote then spoils only that line), so no row is lost.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Span:
    """File lines ``first``..``last`` (1-based, inclusive) swallowed by the row opened on ``first - 1``."""

    first: int
    last: int


def quote_column(row: list[str]) -> int:
    """The 1-based column of the first cell holding a line break: where the stray quote opened."""
    return next((index + 1 for index, cell in enumerate(row) if "\n" in cell or "\r" in cell), len(row))


def swallowed_message(reason: str, column: int, breaks: int, line: int) -> str:
    return (
        f"a quoted cell opened on this line (column {column}) runs over {breaks + 1} lines, to line "
        f"{line + breaks}: an unterminated quote? ({reason}); the {breaks} lines after it are read again as rows"
    )


def lines_in(path: Path, spans: list[Span]) -> list[list[str]]:
    """The text of each span's lines (line breaks dropped), the file read once."""
    wanted = sorted(range(len(spans)), key=lambda index: spans[index].first)
    found: list[list[str]] = [[] for _ in spans]
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        numbered = enumerate(handle, start=1)
        for index in wanted:
            span = spans[index]
            for number, text in numbered:
                if number >= span.first:
                    found[index].append(text.rstrip("\r\n"))
                    break
            found[index].extend(
                text.rstrip("\r\n") for _n, text in itertools.islice(numbered, span.last - span.first)
            )
    return found


class SingleLines:
    """A csv reader over lines parsed one at a time (a quote never runs past its own line), with the
    ``line_num`` the row parser counts file lines from."""

    def __init__(self, lines: list[str], delimiter: str) -> None:
        self._lines = iter(lines)
        self._delimiter = delimiter
        self.line_num = 0

    def __iter__(self) -> Iterator[list[str]]:
        return self

    def __next__(self) -> list[str]:
        line = next(self._lines)
        self.line_num += 1
        return next(csv.reader([line], delimiter=self._delimiter), [])
