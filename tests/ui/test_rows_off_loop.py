"""The IP table's rows (and each IP's stale sources) are made where the analysis is (its worker), not
on the event loop: at 10,000 IPs building the rows was 5-10 ms of ``show_data`` on the loop. During a blocklist run the rows carry its
"… checking" cells, made on the loop from the run's state."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from ipdash.ui.app import IpdashApp
from ipdash.ui.widgets.blocklist_panel import blocklist_cells
from ipdash.ui.widgets.ip_columns import Row, table_rows
from ipdash.ui.widgets.ip_table import IpTable
from settling import settle


async def test_the_first_data_is_shown_with_no_row_made_on_the_loop(
    make_app: Callable[..., IpdashApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    loop_thread = threading.get_ident()
    made_on_loop: list[str] = []
    original = Row.__init__

    def counting(self: Row, *args: Any, **kwargs: Any) -> None:
        if threading.get_ident() == loop_thread:
            made_on_loop.append(args[0].ip if args else kwargs["analysis"].ip)
        original(self, *args, **kwargs)

    monkeypatch.setattr(Row, "__init__", counting)
    async with make_app().run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, IpdashApp) and app.data is not None
        table = app.dashboard.query_one(IpTable)
        assert table.row_data is app.data.rows
        assert app.dashboard.stale is app.data.stale_by_ip  # found in the worker too
        assert len(table.row_data) == len(app.data.analysis.ips) > 0
        assert made_on_loop == []
        # the same rows the table would make of the data itself
        cells = blocklist_cells(app.data.analysis, frozenset())
        assert app.data.rows == table_rows(app.data.analysis, app.data.warmups, cells)


async def test_a_blocklist_run_shows_its_checking_cells_and_the_data_keeps_them(
    make_app: Callable[..., IpdashApp],
) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, IpdashApp) and app.data is not None
        table = app.dashboard.query_one(IpTable)
        ip = next(iter(app.data.analysis.ips))
        app.dashboard.show_checking(frozenset({ip}), 0, 1)
        assert table.row_data[ip].blocklist == ("… checking", "info")
        app.dashboard.show_data(app.data)  # new data during the run: its rows carry the run's cells
        assert table.row_data[ip].blocklist == ("… checking", "info")
        assert table.row_data is not app.data.rows
        app.dashboard.show_checking(frozenset(), 1, 1)  # the run ended: the data's own rows again
        assert table.row_data is app.data.rows
