"""Put many rows into a DataTable at once.

``DataTable.add_row`` marks each new row for measuring on the next idle (every cell through
Rich's measure, ~25 µs a cell): at 10,000 IPs that is seconds of a stalled event loop, spent
on column widths our tables set explicitly and on heights that are always one line. This
writes the table's row structures in one pass instead, leaving it exactly as ``clear()``
followed by ``add_row`` per row would (tests/ui/test_ip_table_cache.py holds that, so a
Textual upgrade that changes those structures fails there; textual is pinned exactly).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual._two_way_dict import TwoWayDict
from textual.widgets import DataTable
from textual.widgets._data_table import Row
from textual.widgets.data_table import RowKey


def place_rows(table: DataTable[Any], rows: Sequence[tuple[str, Sequence[Any]]]) -> None:
    """Replace every row of ``table`` by ``rows`` (key, cells), one line each, in order."""
    column_keys = [column.key for column in table.ordered_columns]
    keys = [RowKey(key) for key, _ in rows]
    table._clear_caches()
    table._data.clear()
    table._data.update({key: dict(zip(column_keys, cells, strict=True)) for key, (_, cells) in zip(keys, rows, strict=True)})  # fmt: skip
    table.rows.clear()
    table.rows.update({key: Row(key, 1) for key in keys})
    table._row_locations = TwoWayDict({key: index for index, key in enumerate(keys)})
    table._new_rows.clear()
    table._labelled_row_exists = False
    table._require_update_dimensions = True  # the virtual size is set on idle; nothing to measure
    table._update_count += 1
    table.check_idle()
    table.refresh()
    table.cursor_coordinate = table.cursor_coordinate  # clamped to the new row count
    if rows and table.show_cursor and table.cursor_type != "none":
        table._highlight_cursor()  # as add_row does: the row under the cursor may be new
