"""The IP table's cells for one data update in one theme: formatted once, then only read.

Sort and filter pick and order row keys from here; they never format or write a cell again.
A new data update, a theme change or another set of columns makes a new ``TableCells``; it
reuses the previous one's work for each IP whose row is unchanged (the same analysis object,
warm-up and blocklist cell: a blocklist result or a poll that touched a few IPs).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

from ipdash.domain.models import ip_sort_key
from ipdash.ui.widgets.frame_turns import in_turns
from ipdash.ui.widgets.ip_columns import Column, Row


class TableCells:
    def __init__(
        self,
        rows: Mapping[str, Row],
        columns: Sequence[Column],
        style: Callable[[str], Style],
        theme: str,
        previous: TableCells | None = None,
        ip_keys: dict[str, Any] | None = None,
    ) -> None:
        self.rows = rows
        #: ip -> ip_sort_key(ip), shared across updates by the table (parsing 10k addresses
        #: for every sort costs more than the sort itself)
        self.ip_keys = ip_keys if ip_keys is not None else {}
        self.columns = tuple(columns)
        self.theme = theme
        reusable = previous if previous is not None and previous.columns == self.columns else None
        kept = _unchanged(reusable.rows, rows) if reusable is not None else set()
        old_texts = reusable.texts if reusable is not None else {}
        old_cells = reusable.cells if reusable is not None and reusable.theme == theme else {}
        #: ip -> (text, tone) per column: what a cell says, theme aside (compared across updates).
        self.texts: dict[str, tuple[tuple[str, str], ...]] = {
            ip: old_texts[ip] if ip in kept else tuple(column.cell(row) for column in self.columns)
            for ip, row in in_turns(rows.items())
        }
        styles: dict[str, Style] = {}
        justify: list[Any] = ["right" if column.right else None for column in self.columns]

        def styled(tone: str) -> Style:
            found = styles.get(tone)
            if found is None:
                found = styles[tone] = style(tone)
            return found

        self.cells: dict[str, list[Text]] = {
            ip: old_cells[ip]
            if ip in kept and ip in old_cells
            else [
                Text(text, style=styled(tone), justify=align)
                for (text, tone), align in zip(texts, justify, strict=True)
            ]
            for ip, texts in in_turns(self.texts.items())
        }
        # Widths come from every IP's cells (not only the filtered ones), so the layout is
        # stable while filtering and never depends on when DataTable re-measures.
        self.widths = [
            max(
                [
                    cell_len(column.label),
                    *(cell_len(texts[i][0]) for texts in in_turns(self.texts.values(), 512)),
                ]
            )
            for i, column in enumerate(self.columns)
        ]
        self._haystacks: dict[str, str] | None = None
        self._row_dicts: tuple[list[Any], dict[str, dict[Any, Text]]] | None = None
        self._records: dict[str, Any] | None = None
        #: the previous cells' row records, reused by ``row_records`` (then let go)
        self._old_records: dict[str, Any] | None = previous._records if previous is not None else None
        self._orders: dict[str, list[str]] = {}

    def row_dicts(self, column_keys: Sequence[Any]) -> dict[str, dict[Any, Text]]:
        """Each IP's cells by column key, as the table holds them: made once for these cells."""
        made = self._row_dicts
        if made is None or made[0] != list(column_keys):
            from ipdash.ui.widgets.bulk_rows import row_dicts

            made = self._row_dicts = (list(column_keys), row_dicts(column_keys, self.cells))
        return made[1]

    def row_records(self) -> dict[str, Any]:
        """Each IP's row key and row record (one line high), as the table shows them: made once
        for these cells, reusing the previous cells' for the IPs they had."""
        if self._records is None:
            from textual.widgets._data_table import Row as TableRow
            from textual.widgets.data_table import RowKey

            old = self._old_records or {}
            records = {}
            for ip in in_turns(self.cells):
                found = old.get(ip)
                if found is None:
                    key = RowKey(ip)
                    found = (key, TableRow(key, 1))
                records[ip] = found
            self._records, self._old_records = records, None
        return self._records

    def prepare(self, column_keys: Sequence[Any]) -> None:
        """Everything a sort or a filter keystroke will read, made now (call from the worker
        thread that formatted these cells, after handing them over): each column's order, the
        filter's haystacks and the table's row dicts and records."""
        for column in self.columns:
            self.ordered(column.key, False)
        self.matching(list(self.rows)[:1], "x")
        self.row_dicts(column_keys)
        self.row_records()

    def same_layout(self, other: TableCells | None) -> bool:
        """Cells of ``other`` can be patched into these (same theme, same columns)."""
        return other is not None and other.theme == self.theme and other.columns == self.columns

    def ordered(self, sort_key: str, reverse: bool) -> list[str]:
        """Every IP by the column ``sort_key`` (then by address); computed once per key."""
        column = next((c for c in self.columns if c.key == sort_key), self.columns[0])
        ascending = self._orders.get(column.key)
        if ascending is None:
            ip_keys = self.ip_keys
            for ip in in_turns(self.rows, 512):
                if ip not in ip_keys:
                    ip_keys[ip] = ip_sort_key(ip)
            # The keys made in turns (the sort itself is a few ms in C; its keys, Python, 20-40 ms).
            keys = {ip: (column.sort(row), ip_keys[ip]) for ip, row in in_turns(self.rows.items())}
            ascending = self._orders[column.key] = sorted(self.rows, key=keys.__getitem__)
        return ascending[::-1] if reverse else ascending

    def matching(self, ips: list[str], needle: str) -> list[str]:
        """The IPs whose cells contain every word of ``needle`` (case-insensitive), in order."""
        words = needle.lower().split()
        if not words:
            return ips
        if self._haystacks is None:
            from ipdash.ui.widgets.row_search import row_keywords

            self._haystacks = {
                ip: " ".join(text for text, _ in texts).lower() + " " + row_keywords(self.rows[ip])
                for ip, texts in in_turns(self.texts.items())
            }
        haystacks = self._haystacks
        found = ips
        for word in words:  # one pass per word: no generator per IP (10k of them a keystroke)
            found = [ip for ip in found if word in haystacks[ip]]
        return found

    def sort_label(self, sort_key: str) -> str:
        return next((c for c in self.columns if c.key == sort_key), self.columns[0]).label


def _unchanged(before: Mapping[str, Row], after: Mapping[str, Row]) -> set[str]:
    """IPs whose row is the same objects as before (identity: comparing analyses field by
    field would cost more than formatting them)."""
    return {
        ip
        for ip, row in after.items()
        if (old := before.get(ip)) is not None
        and old.analysis is row.analysis
        and old.warmup is row.warmup
        and old.blocklist == row.blocklist
    }
