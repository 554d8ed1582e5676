"""SVG snapshots of each screen, and of the dashboard in every shipped theme.

Deterministic: bundled sample data, a frozen clock, no file watching, fixed sizes,
textual pinned exactly in pyproject.toml. Review `snapshot_report.html` before
running with --snapshot-update.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from settling import settle

SHIPPED_THEMES = ["ipdash-dark", "ipdash-light", "ipdash-high-contrast"]


async def _settle(pilot: Pilot[int]) -> None:
    await settle(pilot)  # loading starts after the first refresh: wait for idle, not for one worker


@pytest.mark.parametrize("theme", SHIPPED_THEMES)
def test_dashboard_in_each_theme(
    snap_compare: Callable[..., bool], make_app: Callable[..., object], theme: str
) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        await _settle(pilot)
        await pilot.press("j", "j", "j", "j")  # 198.51.100.12: the Gmail complaint story

    assert snap_compare(make_app(theme_name=theme), terminal_size=(160, 48), run_before=run_before)


SIZES = [(80, 24), (100, 30), (120, 40), (160, 48), (200, 60)]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_dashboard_at_each_size(
    snap_compare: Callable[..., bool], make_app: Callable[..., object], size: tuple[int, int]
) -> None:
    """Every verdict column whole, the feed's Value in view, the table as tall as its rows."""
    assert snap_compare(make_app(), terminal_size=size, run_before=_settle)


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])
def test_ip_detail_in_one_column(
    snap_compare: Callable[..., bool], make_app: Callable[..., object], size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        await _settle(pilot)
        await pilot.press("j", "j", "j", "j", "enter")  # 198.51.100.12: SNDS, providers, breaches
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


def test_ip_detail(snap_compare: Callable[..., bool], make_app: Callable[..., object]) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        await _settle(pilot)
        await pilot.press("j", "j", "j", "j", "j", "enter")  # 203.0.113.20: the bounce spike
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=run_before)


def test_help(snap_compare: Callable[..., bool], make_app: Callable[..., object]) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        await _settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=run_before)


def test_filter_in_use(snap_compare: Callable[..., bool], make_app: Callable[..., object]) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        await _settle(pilot)
        await pilot.press("slash", *"critical", "enter")

    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=run_before)


@pytest.mark.parametrize("tab", ["2", "3"], ids=["warmup-tab", "sources-tab"])
def test_dashboard_tabs(snap_compare: Callable[..., bool], make_app: Callable[..., object], tab: str) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        await _settle(pilot)
        await pilot.press(tab)
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=run_before)


def test_alerts_tab(snap_compare: Callable[..., bool], make_app: Callable[..., object]) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        await _settle(pilot)
        await pilot.press("a", "a", "j")  # open the tab, acknowledge the first alert, move on
        await _settle(pilot)

    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=run_before)


def test_pool_view(snap_compare: Callable[..., bool], make_app: Callable[..., object]) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        await _settle(pilot)
        await pilot.press("j", "j", "j", "p")  # the marketing pool: a warming IP beside a complaint problem
        await _settle(pilot)

    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=run_before)


def test_ip_detail_charts_over_all_the_history(
    snap_compare: Callable[..., bool], make_app: Callable[..., object]
) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        await _settle(pilot)
        # the range "all", then 203.0.113.20
        await pilot.press(*["right_square_bracket"] * 4, "j", "j", "j", "j", "j", "enter")
        await _settle(pilot)
        await pilot.press("end")
        await _settle(pilot)

    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=run_before)


def test_dashboard_at_80x24_with_a_long_ipv6_address_and_stale_cells(
    snap_compare: Callable[..., bool], make_app: Callable[..., object], tmp_path: Path
) -> None:
    """Issue 12: a 37-character IPv6 address and "· stale" blocklist cells leave every verdict column
    in view at 80×24 (the address shortened in the middle), with no sideways scrolling."""
    from ipdash.domain.config import CsvFile
    from ipdash.sources.loader import LoadPlan
    from ipdash.ui.widgets.ip_table import IpTable

    lines = ["date,ip,sent,bounces,complaints"]
    for day in ("2026-11-19", "2026-11-20"):
        lines += [f"{day},2001:db8:85a3:1234:5678:8a2e:370:7334,5000,400,1"]
        lines += [f"{day},2001:db8:4860:4000::abcd,5000,10,9"]
        lines += [f"{day},192.0.2.{n},1000,10,0" for n in range(1, 4)]
    path = tmp_path / "ipv6.csv"
    path.write_text("\n".join(lines) + "\n")

    async def run_before(pilot: Pilot[int]) -> None:
        await _settle(pilot)
        app = pilot.app
        table = app.screen.query_one(IpTable)
        cells = {ip: ("✗ listed 2/12 · rDNS ✗ · stale", "bad") for ip in app.data.analysis.ips}  # type: ignore[attr-defined]
        table.show(app.data.analysis, app.data.warmups, cells)  # type: ignore[attr-defined]
        await pilot.pause()

    app = make_app(LoadPlan(csv=(CsvFile(path=path),)), origin="ipv6.csv")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
