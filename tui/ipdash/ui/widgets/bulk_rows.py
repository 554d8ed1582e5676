"""Put many rows into a DataTable at once.

``DataTable.add_row`` marks each new row for measuring on the next idle (every cell through
Rich's measure, ~25 µs a cell): at 10,000 IPs that is seconds of a stalled event loop, spent
on column widths our tables set explicitly and on heights that are always one line. This
writes the table's row structures in one pass instead, leaving it exactly as ``clear()``
followed by ``add_row`` per row would (tests/ui/test_ip_table_cache.py holds that, so a
Textual upgrade that changes those structures fails there; textual is pinned exactly).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from textual._two_way_dict import TwoWayDict
from textual.widgets import DataTable
from textual.widgets._data_table import Row
from textual.widgets.data_table import RowKey

from ipdash.ui.widgets.frame_turns import in_turns


def place_rows(
    table: DataTable[Any],
    rows: Sequence[tuple[str, Sequence[Any]]],
    heights: Sequence[int] = (),
    *,
    data: Mapping[str, dict[Any, Any]] | None = None,
    keys: dict[str, tuple[RowKey, Row]] | None = None,
) -> None:
    """Replace every row of ``table`` by ``rows`` (key, cells), in order: one line each, or the
    lines ``heights`` gives (one per row, as ``add_row(height=…)``).

    ``data``: each row's cells by column key, made once (``row_dicts``) and reused by every
    placement of the same cells (a dict per row costs ~10 µs: 0.1 s at 10,000 rows); ``keys``: a
    cache of one-line rows' keys and row records kept across placements."""
    column_keys = [column.key for column in table.ordered_columns]
    keys = {} if keys is None else keys
    if heights:
        found = [_sized(name, height) for (name, _), height in zip(rows, heights, strict=True)]
    else:
        found = [_keyed(keys, name) for name, _ in rows]
    if data is None:
        cells = {key: dict(zip(column_keys, cells, strict=True)) for (key, _), (_, cells) in zip(found, rows, strict=True)}  # fmt: skip
    else:
        cells = {key: data[name] for (key, _), (name, _) in zip(found, rows, strict=True)}
    locations = TwoWayDict({key: index for index, (key, _) in enumerate(found)})
    place_prepared(table, PreparedRows(cells, dict(found), locations))


class PreparedRows:
    """A table's row structures made ahead (``prepared_rows``, callable in a worker thread)."""

    def __init__(self, cells: dict[RowKey, dict[Any, Any]], rows: dict[RowKey, Row], locations: Any) -> None:
        self.cells, self.rows, self.locations = cells, rows, locations


def prepared_rows(
    column_keys: Sequence[str], rows: Sequence[tuple[str, Sequence[Any]]], heights: Sequence[int]
) -> PreparedRows:
    """What ``place_rows(table, rows, heights)`` writes, made without the table (off the loop):
    ``column_keys`` are the table's columns in order, as ``add_column`` will give them."""
    from textual.widgets.data_table import ColumnKey

    keys = [ColumnKey(key) for key in column_keys]
    found = [_sized(name, height) for (name, _), height in zip(rows, heights, strict=True)]
    cells = {
        key: dict(zip(keys, cells, strict=True)) for (key, _), (_, cells) in zip(found, rows, strict=True)
    }
    locations = TwoWayDict({key: index for index, (key, _) in enumerate(found)})
    return PreparedRows(cells, dict(found), locations)


def prepared_from(cells: dict[RowKey, dict[Any, Any]], rows: dict[RowKey, Row]) -> PreparedRows:
    """Rows made ahead from each row's cells by column key and its ``Row`` (both in order)."""
    return PreparedRows(cells, rows, TwoWayDict({key: index for index, key in enumerate(rows)}))


def place_prepared(table: DataTable[Any], prepared: PreparedRows) -> None:
    """Give ``table`` rows made ahead (``prepared_rows``): as ``place_rows`` leaves it."""
    table._clear_caches()
    table._data = prepared.cells
    table.rows = prepared.rows
    table._row_locations = prepared.locations
    after_rows_replaced(table, has_rows=bool(prepared.rows))


def after_rows_replaced(table: DataTable[Any], *, has_rows: bool) -> None:
    """The rest of ``table``'s state once its rows, cells and locations were replaced whole:
    as ``add_row`` leaves it, with the dimensions measured on idle."""
    table._new_rows.clear()
    table._labelled_row_exists = False
    table._require_update_dimensions = True  # the virtual size is set on idle; nothing to measure
    table._update_count += 1
    table.check_idle()
    table.refresh()
    table.cursor_coordinate = table.cursor_coordinate  # clamped to the new row count
    if has_rows and table.show_cursor and table.cursor_type != "none":
        table._highlight_cursor()  # as add_row does: the row under the cursor may be new


def _sized(name: str, height: int) -> tuple[RowKey, Row]:
    key = RowKey(name)
    return key, Row(key, height)


def _keyed(keys: dict[str, tuple[RowKey, Row]], name: str) -> tuple[RowKey, Row]:
    found = keys.get(name)
    if found is None:
        key = RowKey(name)
        found = keys[name] = (key, Row(key, 1))
    return found


def row_dicts(column_keys: Sequence[Any], rows: Mapping[str, Sequence[Any]]) -> dict[str, dict[Any, Any]]:
    """Each row's cells by column key, as ``DataTable`` holds them (``place_rows(data=…)``)."""
    return {name: dict(zip(column_keys, cells, strict=True)) for name, cells in in_turns(rows.items(), 256)}
