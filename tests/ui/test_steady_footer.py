"""The footer is composed again only when the keys it shows change: opening the filter box with `/`
takes one recompose (the table's keys give way to the box's), not two, and one full layout, not
four (the box, the focus and the footer's keys in one batch update), and escape closes it in one;
the keys shown still follow the focus."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets._footer import FooterKey

from ipdash.ui.widgets.steady_footer import SteadyFooter
from settling import count_layouts, frames_done, settle


def shown(app: Any) -> list[str]:
    return [str(key.description) for key in app.dashboard.query(FooterKey)]


async def test_slash_recomposes_the_footer_once_and_lays_out_twice(
    make_app: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await frames_done(pilot)
        footer = app.dashboard.query_one(SteadyFooter)
        assert "Sort" in shown(app)
        before = footer.recomposed
        layouts = count_layouts(monkeypatch)
        await pilot.press("slash")
        await settle(pilot)
        await frames_done(pilot)
        assert footer.recomposed == before + 1
        # Box, focus and footer in one batch; the footer's new keys are measured in a second layout
        # (Textual's virtual-size reactive: skipping it left the keys overlapping, see git log).
        assert len(layouts) == 2
        assert "Sort" not in shown(app), "the table's keys leave with its focus"
        layouts.clear()
        await pilot.press("escape")
        await settle(pilot)
        await frames_done(pilot)
        assert "Sort" in shown(app), "and come back with it"
        assert len(layouts) == 2, "closing the box: the same two layouts"
