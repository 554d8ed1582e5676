"""A widget that never scrolls (overflow hidden both ways) takes the virtual size its layout measured
without asking for a second layout of the screen (``steady_scrollbars._size_updated_in_its_layout``):
opening the filter box laid the dashboard out twice for the containers below the table alone."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

import ipdash.ui.widgets.steady_scrollbars  # noqa: F401  (installs it, as the dashboard does)
from settling import count_layouts, frames_done


class Boxes(App[None]):
    CSS = "#fixed { height: auto; }"

    def compose(self) -> ComposeResult:
        with Vertical(id="fixed"):
            yield Static("one line", id="text")


class Scrolls(App[None]):
    def compose(self) -> ComposeResult:
        with VerticalScroll(id="scrolls"):
            yield Static("one line", id="scrolled")


async def test_a_container_that_never_scrolls_is_laid_out_once(monkeypatch: pytest.MonkeyPatch) -> None:
    async with Boxes().run_test(size=(40, 20)) as pilot:
        await frames_done(pilot)
        fixed = pilot.app.query_one("#fixed")
        before = fixed.virtual_size
        layouts = count_layouts(monkeypatch)
        pilot.app.query_one("#text", Static).update("three\nlines\nnow")
        await frames_done(pilot)
        assert fixed.virtual_size != before  # measured again by that one layout
        assert len(layouts) == 1


async def test_a_scrolling_container_keeps_textuals_path(monkeypatch: pytest.MonkeyPatch) -> None:
    async with Scrolls().run_test(size=(40, 20)) as pilot:
        await frames_done(pilot)
        scrolls = pilot.app.query_one("#scrolls")
        pilot.app.query_one("#scrolled", Static).update("\n".join(["line"] * 40))
        await frames_done(pilot)
        assert scrolls.virtual_size.height == 40
        assert scrolls.max_scroll_y > 0  # its scrollbar follows
