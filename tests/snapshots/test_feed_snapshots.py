"""SVG snapshots of the breaches feed with long values: wrapped in their column, cut with "…",
and the whole line behind enter. At 80×24 (the feed alone under the table) and 160×48 (beside
the selected-IP panel)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot

from ipdash.ui.widgets.breach_feed import BreachFeed
from settling import settle

SIZES = [(80, 24), (160, 48)]


async def _on_the_longest_line(pilot: Pilot[int]) -> None:
    """The feed focused, its cursor on the sample's longest value (an MTA's reply text)."""
    await settle(pilot)
    feed = pilot.app.screen.query_one(BreachFeed)
    longest = max(range(len(feed.items)), key=lambda n: len(feed.items[n].detail))
    feed.focus()
    feed.move_cursor(row=longest, animate=False)
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_feed_with_long_values(
    snap_compare: Callable[..., bool], make_app: Callable[..., object], size: tuple[int, int]
) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=_on_the_longest_line)


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_feed_line_whole(
    snap_compare: Callable[..., bool], make_app: Callable[..., object], size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        await _on_the_longest_line(pilot)
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)
