"""The selected-IP panel and the feed under fast filter typing on a big table (past
``IpTable.SYNC_ROWS``, where the panel follows once the cursor rests): the panel always ends on
the IP under the cursor, shows "no match" while nothing matches and no stale IP after, and is not
drawn again when what it shows did not change."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rich.text import Text
from test_dashboard import filtered, loaded
from textual.pilot import Pilot
from textual.widgets import Static

from ipdash.ui.app import IpdashApp
from ipdash.ui.widgets.breach_feed import BreachFeed, ordered
from ipdash.ui.widgets.ip_table import IpTable


@pytest.fixture(autouse=True)
def big_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(IpTable, "SYNC_ROWS", 0)  # the sample's 9 IPs count as a big table


def _facts(app: IpdashApp) -> str:
    content = app.dashboard.query_one("#side-facts", Static).content
    return content.plain if isinstance(content, Text) else str(content)


def _panel_ip(app: IpdashApp) -> str:
    return str(app.dashboard.query_one("#side").border_title)


async def _typed(pilot: Pilot[int], *keys: str) -> IpdashApp:
    await pilot.press(*keys)
    await filtered(pilot)  # the filter applied and the panel followed: explicit states
    app = pilot.app
    assert isinstance(app, IpdashApp)
    return app


async def test_the_panel_ends_on_the_cursor_ip_after_fast_keys(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        table = app.dashboard.query_one(IpTable)
        app = await _typed(pilot, "j", "j", "slash", *"203.1", "backspace", "0")
        assert table.filter_text == "203.0"
        assert table.selected_ip is not None and "203.0" in table.selected_ip
        assert _panel_ip(app) == table.selected_ip
        assert table.selected_ip in _facts(app)
        app = await _typed(pilot, "enter", "end")
        assert _panel_ip(app) == table.selected_ip == table.visible_ips()[-1]


async def test_no_stale_panel_while_nothing_matches_and_after(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        table = app.dashboard.query_one(IpTable)
        first = table.selected_ip
        app = await _typed(pilot, "slash", *"zzz")
        assert table.row_count == 0 and table.selected_ip is None
        assert _panel_ip(app) == "Selected IP"
        assert "No IP matches “zzz”" in _facts(app)
        app = await _typed(pilot, "backspace", "backspace", "backspace")
        assert table.row_count == 9
        assert _panel_ip(app) == table.selected_ip == first
        assert first is not None and first in _facts(app)


async def test_the_panel_is_not_drawn_again_when_its_ip_stays(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        table = app.dashboard.query_one(IpTable)
        app = await _typed(pilot, "slash", *"198.51")
        ip = table.selected_ip
        assert ip is not None and _panel_ip(app) == ip
        drawn = app.dashboard.query_one("#side-providers", Static).content
        app = await _typed(pilot, "backspace")  # more rows, the cursor's IP among them
        assert table.selected_ip == ip and table.row_count > 1
        assert app.dashboard.query_one("#side-providers", Static).content is drawn
        await pilot.press("enter", "t")  # the filter kept, the table focused; another theme: drawn again
        app = await loaded(pilot)
        await filtered(pilot)
        assert app.dashboard.query_one("#side-providers", Static).content is not drawn
        assert _panel_ip(app) == table.selected_ip == ip


async def test_the_feed_follows_the_filter_and_comes_back_whole(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        assert app.data is not None
        feed = app.dashboard.query_one(BreachFeed)
        whole = [(item, [cell.plain for cell in feed.get_row_at(n)]) for n, item in enumerate(feed.items)]
        assert feed.items == ordered(app.data.analysis.feed) and whole
        app = await _typed(pilot, "slash", *"203.0.113.20")
        assert feed.items and all(
            item.ip == "203.0.113.20" or item.kind in ("account", "domain") for item in feed.items
        )
        app = await _typed(pilot, *["backspace"] * len("203.0.113.20"))
        again = [(item, [cell.plain for cell in feed.get_row_at(n)]) for n, item in enumerate(feed.items)]
        assert again == whole, "the lines placed from the cache are the lines laid out afresh"
