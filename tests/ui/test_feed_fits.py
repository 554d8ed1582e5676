"""The breaches feed fits its width at every size: a long value wraps within its column (two lines,
ending "…" when there is more) and enter opens the whole line; nothing runs past the right edge."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from rich.console import Console
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Static

from ipdash.domain.feed import FeedItem
from ipdash.ui.app import IpdashApp
from ipdash.ui.screens.feed_line import FeedLineScreen, feed_line_text
from ipdash.ui.widgets.breach_feed import BreachFeed
from ipdash.ui.widgets.bulk_rows import place_rows
from ipdash.ui.widgets.fit_columns import fitted
from settling import laid_out, settle

SIZES = [(80, 24), (100, 30), (120, 40), (160, 48), (200, 60)]
FEED_STEPS = BreachFeed.FIT.give_way
NATURAL = {"severity": 10, "ip": 29, "what": 30, "detail": 334, "since": 10, "source": 11}


def value_cells(feed: BreachFeed) -> list[str]:
    column = [column.key.value for column in feed.ordered_columns].index("detail")
    return [feed.get_row_at(row)[column].plain for row in range(feed.row_count)]


def squeezed(text: str) -> str:
    """The text without its spaces and line breaks (a wrap breaks at a space, or inside a word)."""
    return "".join(text.split())


def line_screen_text(screen: FeedLineScreen) -> str:
    """The line screen's text as drawn at its width (wrapped lines joined)."""
    body = screen.query_one("#feed-line", Static)
    console = Console(width=body.content_region.width, record=True, file=io.StringIO())
    console.print(screen.table)
    return console.export_text()


def assert_fits(feed: BreachFeed) -> None:
    widths = sum(column.get_render_width(feed) for column in feed.ordered_columns)
    assert widths <= feed.scrollable_content_region.width, (widths, feed.scrollable_content_region)
    assert feed.max_scroll_x == 0
    assert feed.virtual_size.width <= feed.scrollable_content_region.width
    for item, cell, row in zip(feed.items, value_cells(feed), feed.ordered_rows, strict=True):
        assert row.height == cell.count("\n") + 1 <= feed.VALUE_LINES
        if cell.endswith("…"):  # cut: the start of the value, the rest behind enter
            assert squeezed(item.detail).startswith(squeezed(cell[:-1]))
        else:
            assert squeezed(cell) == squeezed(item.detail)


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_the_feed_fits_its_width_and_enter_shows_a_cut_line_whole(
    make_app: Callable[..., IpdashApp], size: tuple[int, int]
) -> None:
    async with make_app().run_test(size=size) as pilot:
        await settle(pilot)
        feed = pilot.app.screen.query_one(BreachFeed)
        assert_fits(feed)
        cut = [n for n, cell in enumerate(value_cells(feed)) if cell.endswith("…")]
        assert cut, "the sample's MTA reply text (334 characters) is cut in the feed at every size"
        longest = max(cut, key=lambda n: len(feed.items[n].detail))
        feed.focus()
        feed.move_cursor(row=longest)
        await pilot.press("enter")
        screen = pilot.app.screen
        assert isinstance(screen, FeedLineScreen)
        assert screen.item is feed.items[longest]
        await laid_out(pilot, screen.query_one("#feed-line", Static))  # under load: not yet, at first
        assert " ".join(screen.item.detail.split()) in " ".join(line_screen_text(screen).split())
        await pilot.press("escape")
        assert pilot.app.screen is pilot.app.dashboard


async def test_hostile_values_stay_inside_the_feed(make_app: Callable[..., IpdashApp]) -> None:
    items = [
        FeedItem("critical", date(2026, 11, 20), "192.0.2.1", "huge", "word " * 2000, "mta: src"),
        FeedItem("critical", date(2026, 11, 20), "192.0.2.2", "no spaces", "x" * 3000, "mta: src"),
        FeedItem("warn", None, "s" * 300, "w" * 300, "short", "p" * 300),
        FeedItem("warn", None, "192.0.2.3", "empty", "", ""),
    ]
    async with make_app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        feed = pilot.app.screen.query_one(BreachFeed)
        feed.show(items)
        await pilot.pause()
        assert_fits(feed)
        await pilot.resize_terminal(200, 60)
        await pilot.pause()
        assert_fits(feed)


async def test_the_line_screen_copies_the_line(make_app: Callable[..., IpdashApp]) -> None:
    item = FeedItem("warn", date(2026, 11, 14), "192.0.2.9", "bounce · all", "2.48% ≥ 2.00%", "default: x")
    copied: list[str] = []
    async with make_app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pilot.app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
        await pilot.app.push_screen(FeedLineScreen(item))
        await pilot.press("c")
        assert copied == [feed_line_text(item)]
        assert copied[0] == "warn 192.0.2.9 bounce · all: 2.48% ≥ 2.00% since 2026-11-14 (default: x)"


def test_the_value_keeps_its_room_while_preset_then_ip_and_what_then_since_give_way() -> None:
    keys = lambda layout: [key for key, _ in layout]  # noqa: E731
    assert fitted(NATURAL, 0, 1, 20, FEED_STEPS) == tuple(NATURAL.items())  # not laid out
    assert dict(fitted(NATURAL, 436, 1, 20, FEED_STEPS)) == NATURAL  # all fits
    assert dict(fitted(NATURAL, 400, 1, 20, FEED_STEPS)) == NATURAL | {"detail": 298}
    no_preset = fitted(NATURAL, 115, 1, 20, FEED_STEPS)
    assert keys(no_preset) == ["severity", "ip", "what", "detail", "since"]
    assert dict(no_preset)["ip"] == 29 and dict(no_preset)["detail"] >= 20
    narrowed = dict(fitted(NATURAL, 100, 1, 20, FEED_STEPS))
    assert "source" not in narrowed and "since" in narrowed and narrowed["detail"] >= 20
    assert narrowed["ip"] < 29
    narrow = dict(fitted(NATURAL, 76, 1, 20, FEED_STEPS))
    assert "since" not in narrow and narrow["ip"] == 17 and narrow["what"] == 22
    assert sum(narrow.values()) + 2 * len(narrow) <= 76
    tiny = dict(fitted(NATURAL, 30, 1, 20, FEED_STEPS))
    assert tiny["detail"] == 8  # past giving way: a minimum, the table scrolls
    short = dict(fitted(NATURAL | {"detail": 13}, 115, 1, 20, FEED_STEPS))
    assert short == NATURAL | {"detail": 13}  # a short value asks for no more than it needs


class _Tables(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable[Text](id="added")
        yield DataTable[Text](id="placed")


async def test_placing_rows_of_several_lines_leaves_the_table_as_add_row_does() -> None:
    rows = [(f"k{n}", [Text(f"a{n}"), Text(f"b{n}\nmore" if n % 2 else f"b{n}")]) for n in range(12)]
    heights = [2 if n % 2 else 1 for n in range(12)]
    async with _Tables().run_test(size=(60, 40)) as pilot:
        added: DataTable[Any] = pilot.app.query_one("#added", DataTable)
        placed: DataTable[Any] = pilot.app.query_one("#placed", DataTable)
        for table in (added, placed):
            table.add_column("A", key="a", width=4)
            table.add_column("B", key="b", width=9)
        for (key, cells), height in zip(rows, heights, strict=True):
            added.add_row(*cells, key=key, height=height)
        place_rows(placed, rows, heights)
        await pilot.pause()
        assert [row.height for row in placed.ordered_rows] == [row.height for row in added.ordered_rows]
        assert placed.virtual_size == added.virtual_size


@pytest.mark.parametrize("size", [(80, 24), (200, 60)], ids=["80x24", "200x60"])
async def test_every_feed_line_can_be_reached_inside_the_panel(
    make_app: Callable[..., IpdashApp], size: tuple[int, int]
) -> None:
    """The feed scrolls inside its panel (it used to run past the panel's bottom, out of reach)."""
    async with make_app().run_test(size=size) as pilot:
        await settle(pilot)
        feed = pilot.app.screen.query_one(BreachFeed)
        bottom = pilot.app.screen.query_one("#bottom").region  # the panels' share of the screen
        assert feed.region.bottom <= bottom.bottom
        feed.focus()
        await pilot.press("end")
        await pilot.pause()
        assert feed.cursor_row == feed.row_count - 1
        last_line = feed.region.y + 1 + feed._y_offsets.index((feed.ordered_rows[-1].key, 0)) - feed.scroll_y
        assert feed.region.y < last_line < min(feed.region.bottom, bottom.bottom)  # in view


async def test_a_1000_ip_feed_is_formatted_and_fitted_in_a_thread_not_on_the_loop(
    make_app: Callable[..., IpdashApp],
) -> None:
    """A thousand IPs bring a couple of hundred breaches: formatting and fitting them on the loop was
    ~10 ms of the first data frame's stall (bench_tui_scale --stalls); the loop only places them."""
    async with make_app().run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        feed = pilot.app.dashboard.query_one(BreachFeed)
        lines = [
            FeedItem("warn", date(2026, 11, 1), f"198.51.{n // 256}.{n % 256}", "bounce rate", f"{n}%", "p")
            for n in range(232)  # the 1k-IP benchmark's feed
        ]
        feed.show(lines)
        assert feed.formatting, "laid out in the feed's thread"
        await settle(pilot)
        assert not feed.formatting and feed.row_count == len(lines)


async def test_the_feeds_wrapped_lines_are_drawn_by_the_cheap_path_as_datatable_draws_them(
    make_app: Callable[..., IpdashApp],
) -> None:
    """Through DataTable's own path the feed's landing frame was ~35 ms of the loop at 1,000 IPs."""
    async with make_app().run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        feed = pilot.app.screen.query_one(BreachFeed)
        assert any(row.height > 1 for row in feed.ordered_rows), "the sample's feed has wrapped values"
        feed._clear_caches()
        feed.__dict__.pop("_kept_lines", None)
        base, width = feed.rich_style, feed.size.width
        ys = range(feed.header_height + sum(row.height for row in feed.ordered_rows))
        cheap = [feed._render_line(y, 0, width, base) for y in ys]
        assert any(place[-1] > 0 for place in feed.__dict__["_kept_lines"]), (
            "second lines took the cheap path"
        )
        feed._clear_caches()
        assert cheap == [DataTable._render_line(feed, y, 0, width, base) for y in ys]


async def test_a_big_feed_made_taller_or_shorter_is_not_fitted_again(
    make_app: Callable[..., IpdashApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The IP table's rows landing above it change the feed's height alone: its widths hold, and
    measuring a big feed's lines again (``FeedLines.natural``) was ~15 ms of the loop at 10,000 IPs.
    A change of width fits it again."""
    async with make_app().run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        feed = pilot.app.dashboard.query_one(BreachFeed)
        lines = [
            FeedItem("warn", date(2026, 11, 1), f"198.51.{n // 256}.{n % 256}", "bounce rate", f"{n}%", "p")
            for n in range(232)
        ]
        feed.show(lines)
        await settle(pilot)
        fits: list[int] = []
        original = BreachFeed._show_big

        def counted(self: BreachFeed, *args: Any, **kwargs: Any) -> None:
            fits.append(self.size.width)
            original(self, *args, **kwargs)

        monkeypatch.setattr(BreachFeed, "_show_big", counted)
        feed.styles.height = feed.size.height - 3
        await settle(pilot)
        assert feed.row_count == len(lines)
        assert fits == [], "a change of height alone: not fitted again"
        await pilot.resize_terminal(150, 48)
        await settle(pilot)
        assert fits, "a change of width: fitted again"
        assert_fits(feed)
