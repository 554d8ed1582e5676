"""A virtual row set for a DataTable of one-line rows: the rows shown are an index (a list of row
names, in order) into rows made once per data update, so a sort or a filter places no rows.

DataTable keeps three structures of every row (``rows``, ``_data``, ``_row_locations``), rebuilt in
full after a sort or a filter: at 10,000 IPs three dicts of 10,000 per keystroke (and ``ordered_rows``,
a fourth list, for every cursor move that scrolls). Here they are views over ``names``: a row's
place is its index in the list, its record and cells are looked up by name, so showing another
order or another subset costs nothing but the list itself. A row's index by key is answered from
the rows drawn so far (a repaint asks for the key at a line, then for that key's index), and the
whole map is made only when some other key is asked for. ``tests/ui/test_shown_rows.py`` holds a
table on these views equal to DataTable's own after place, sort, filter and clear.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from textual.widgets import DataTable
from textual.widgets._data_table import Row
from textual.widgets.data_table import RowKey

from .bulk_rows import after_rows_replaced


class ShownRows:
    """The rows a table shows, in order: ``names`` index ``records`` (name -> (key, row)) and
    ``cells`` (name -> {column key: cell}), both kept across placements of the same data."""

    def __init__(
        self,
        names: Sequence[str],
        records: Mapping[str, tuple[RowKey, Row]],
        cells: Mapping[str, dict[Any, Any]],
    ) -> None:
        self.names = names
        self.records = records
        self.cells = cells
        self._seen: dict[str, int] = {}  # name -> index, for the keys handed out by index
        self._index: dict[str, int] | None = None  # every name's index, made when first needed

    def index_of(self, name: str) -> int | None:
        found = self._seen.get(name)
        if found is not None:
            return found
        if self._index is None:
            self._index = {row: index for index, row in enumerate(self.names)}
        return self._index.get(name)

    def key_at(self, index: int) -> RowKey:
        name = self.names[index]
        if len(self._seen) > 4096:  # a long scroll: start again rather than keep every row
            self._seen.clear()
        self._seen[name] = index
        return self.records[name][0]

    def clear(self) -> None:
        self.names, self._seen, self._index = [], {}, None


def _name(key: Any) -> Any:
    return key.value if isinstance(key, RowKey) else key


class RowLocations:
    """``DataTable._row_locations`` (a ``TwoWayDict`` of row key <-> index) over the shown rows."""

    def __init__(self, shown: ShownRows) -> None:
        self._shown = shown

    def get(self, key: Any, default: Any = None) -> Any:
        index = self._shown.index_of(_name(key))
        return default if index is None else index

    def get_key(self, index: int) -> RowKey | None:
        names = self._shown.names
        if not 0 <= index < len(names):
            return None
        return self._shown.key_at(index)

    def contains_value(self, index: int) -> bool:
        return 0 <= index < len(self._shown.names)

    def __contains__(self, key: object) -> bool:
        return self._shown.index_of(_name(key)) is not None

    def __len__(self) -> int:
        return len(self._shown.names)

    def __iter__(self) -> Iterator[RowKey]:
        records = self._shown.records
        return (records[name][0] for name in self._shown.names)

    def __setitem__(self, key: Any, value: int) -> None:
        raise TypeError("rows shown from an index: place them with place_shown, not add_row")

    def __delitem__(self, key: Any) -> None:
        raise TypeError("rows shown from an index: place them with place_shown, not remove_row")


class _ShownMapping(Mapping[RowKey, Any]):
    def __init__(self, shown: ShownRows) -> None:
        self._shown = shown

    def _value(self, name: str) -> Any:
        raise NotImplementedError

    def __getitem__(self, key: Any) -> Any:
        name = _name(key)
        if self._shown.index_of(name) is None:
            raise KeyError(key)
        return self._value(name)

    def __len__(self) -> int:
        return len(self._shown.names)

    def __iter__(self) -> Iterator[RowKey]:
        records = self._shown.records
        return (records[name][0] for name in self._shown.names)

    def __contains__(self, key: object) -> bool:
        return self._shown.index_of(_name(key)) is not None

    def clear(self) -> None:
        """DataTable.clear() empties its rows: the index shows none."""
        self._shown.clear()


class ShownRecords(_ShownMapping):
    """``DataTable.rows`` (row key -> ``Row``) over the shown rows."""

    def _value(self, name: str) -> Row:
        return self._shown.records[name][1]


class ShownCells(_ShownMapping):
    """``DataTable._data`` (row key -> {column key: cell}) over the shown rows."""

    def _value(self, name: str) -> dict[Any, Any]:
        return self._shown.cells[name]


class OrderedRows(Sequence[Row]):
    """``DataTable.ordered_rows`` over the shown rows, read as asked (not a list of every row)."""

    def __init__(self, shown: ShownRows) -> None:
        self._shown = shown

    def __len__(self) -> int:
        return len(self._shown.names)

    def __getitem__(self, index: Any) -> Any:
        records, names = self._shown.records, self._shown.names
        if isinstance(index, slice):
            return [records[name][1] for name in names[index]]
        return records[names[index]][1]


def place_shown(table: DataTable[Any], shown: ShownRows) -> None:
    """Show ``shown`` in ``table`` (its columns already added): as ``place_rows`` leaves it, with
    no structure of every row made."""
    table._clear_caches()
    table.rows = ShownRecords(shown)  # type: ignore[assignment]
    table._data = ShownCells(shown)  # type: ignore[assignment]
    table._row_locations = RowLocations(shown)  # type: ignore[assignment]
    after_rows_replaced(table, has_rows=bool(shown.names))
