"""SVG snapshots of the Domains tab on the sample data (offline zone snapshot, frozen clock)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot

from settling import settle


@pytest.mark.parametrize(("moves", "story"), [((), "compliant"), (("j", "j"), "problems")])
def test_domains_tab(
    snap_compare: Callable[..., bool], make_app: Callable[..., object], moves: tuple[str, ...], story: str
) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)  # the checks, then the analysis they trigger
        pilot.app.screen.query_one("#domains-table").focus()
        await pilot.press(*moves)
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
def test_domains_tab_narrow(
    snap_compare: Callable[..., bool], make_app: Callable[..., object], size: tuple[int, int]
) -> None:
    """Symbols and short labels: every check column in view, no sideways scroll."""

    async def run_before(pilot: Pilot[int]) -> None:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        pilot.app.screen.query_one("#domains-table").focus()
        await pilot.press("j", "j")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)
