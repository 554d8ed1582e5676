"""Pilot tests of the Domains tab: offline on sample data (bundled zone snapshot), labelled as sample data;
the compliant and the broken sample domains; the detail with raw records and the SPF chain; `c` re-checks;
a config without domains and a broken snapshot say why instead of showing nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.coordinate import Coordinate
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from ipdash.domain.auth.status import Status
from ipdash.domain.config import Config, CsvFile
from ipdash.sources.loader import LoadPlan
from ipdash.ui.app import IpdashApp
from ipdash.ui.widgets.domains_panel import COLUMNS, DomainsPanel, provider_cell
from settling import settle

SAMPLE_DOMAINS = ["acme-shop.example", "news.acme-shop.example", "promo.acme-shop.example"]


async def open_domains(pilot: Pilot[int]) -> tuple[IpdashApp, DomainsPanel]:
    app = pilot.app
    assert isinstance(app, IpdashApp)
    await settle(pilot)
    await pilot.press("4")
    await settle(pilot)
    return app, app.dashboard.query_one(DomainsPanel)


def text_of(panel: DomainsPanel, selector: str) -> str:
    return str(panel.query_one(selector, Static).render())


async def test_sample_domains_are_checked_offline_and_labelled(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app, panel = await open_domains(pilot)
        assert panel.view.state == "ready" and panel.view.is_sample
        assert [r.name for r in panel.view.results] == SAMPLE_DOMAINS
        summary = text_of(panel, "#domains-summary")
        assert "SAMPLE DATA" in summary and "zone snapshot" in summary
        good, _, bad = panel.view.results
        assert good.status is Status.PASS
        assert bad.status is Status.FAIL and bad.spf.lookups is not None and bad.spf.lookups > 10
        assert {d.selector: d.status for d in bad.dkim} == {"ses1": Status.WARN, "old2019": Status.FAIL}
        assert bad.dmarc.policy == "none"
        assert panel.query_one(DataTable).row_count == 3
        assert app.domains.results["acme-shop.example"] is good


async def test_detail_follows_the_cursor_with_records_and_the_spf_chain(
    make_app: Callable[..., IpdashApp],
) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        _, panel = await open_domains(pilot)
        assert "acme-shop.example" in text_of(panel, "#domains-detail")
        assert "v=DMARC1; p=reject" in text_of(panel, "#domains-detail")
        panel.query_one(DataTable).focus()
        await pilot.press("j", "j")
        await pilot.pause()
        detail = text_of(panel, "#domains-detail")
        assert "promo.acme-shop.example" in detail.splitlines()[0]
        assert "lookup chain" in detail and "include:_spf.crm-vendor.example" in detail
        assert "the key is revoked" in detail
        assert "meets Gmail bulk-sender requirements" in detail and "support.google.com" in detail
        assert "…(" in detail  # a DKIM key's base64 is cut down, not drawn whole


async def test_the_ip_detail_shows_its_domains_status(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app, _ = await open_domains(pilot)
        app.dashboard.table.focus()
        await pilot.press("j", "j", "enter")  # 198.51.100.10 sends as acme-shop.example
        await pilot.pause()
        line = str(app.screen.query_one("#detail-domains", Static).render())
        assert "acme-shop.example ✓ pass (SPF for this IP: pass)" in line


async def test_before_the_domains_tab_opens_the_ip_detail_says_so(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = pilot.app
        assert isinstance(app, IpdashApp)
        await settle(pilot)
        app.dashboard.table.focus()
        await pilot.press("j", "enter")
        await pilot.pause()
        assert "not checked yet: open the Domains tab (4)" in str(
            pilot.app.screen.query_one("#detail-domains", Static).render()
        )


async def test_c_rechecks(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        _app, panel = await open_domains(pilot)
        first = panel.view.results
        panel.query_one(DataTable).focus()
        await pilot.press("c")
        await settle(pilot)
        assert panel.view.state == "ready" and panel.view.results is not first


async def test_a_config_without_domains_says_how_to_add_them(
    make_app: Callable[..., IpdashApp], repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "ipdash.sources.dns.configure.system_nameserver",
        lambda: (_ for _ in ()).throw(AssertionError("no resolver may be asked")),
    )
    config = Config(blocklists={"nameserver": "127.0.0.1:9"})
    plan = LoadPlan(config=config, csv=(CsvFile(path=repo / "sample_data" / "stats.csv"),))
    async with make_app(plan).run_test(size=(160, 48)) as pilot:
        _, panel = await open_domains(pilot)
        assert panel.view.state == "ready" and panel.view.results == ()
        assert "add [[domains]]" in text_of(panel, "#domains-summary")


async def test_a_broken_snapshot_makes_the_tab_unavailable_with_the_reason(
    make_app: Callable[..., IpdashApp], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "dns_snapshot.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "domains.toml").write_text('[[domains]]\nname = "x.example"\n', encoding="utf-8")
    monkeypatch.setattr("ipdash.sources.auth.setup.sample_data_dir", lambda: tmp_path)
    async with make_app().run_test(size=(160, 48)) as pilot:
        _, panel = await open_domains(pilot)
        assert panel.view.state == "unavailable"
        assert "dns_snapshot.json" in text_of(panel, "#domains-summary")


def test_provider_cell_counts_only_lines_checkable_in_dns() -> None:
    assert provider_cell([], "gmail") == ("–", Status.PASS)


@pytest.mark.parametrize(
    ("size", "labels", "cells"),
    [
        ((200, 60), "Overall", "✓ pass"),
        ((160, 48), "Overall", "✓ pass"),
        ((120, 40), "Overall", "✓ pass"),
        ((100, 30), "All", "✓"),
        ((80, 24), "All", "✓"),
    ],
)
async def test_every_check_column_is_in_view_at_every_size(
    make_app: Callable[..., IpdashApp], size: tuple[int, int], labels: str, cells: str
) -> None:
    """Words where they fit, then symbols (the summary counts them in words), then short labels;
    the table never scrolls sideways and the domain keeps its registrable end."""
    async with make_app().run_test(size=size) as pilot:
        _, panel = await open_domains(pilot)
        table = panel.query_one(DataTable)
        assert [str(column.key.value) for column in table.ordered_columns] == list(COLUMNS)
        assert str(table.ordered_columns[1].label) == labels
        assert table.virtual_size.width <= table.size.width  # no sideways scroll
        assert str(table.get_cell_at(Coordinate(0, 2))) == cells
        domains = [str(table.get_cell_at(Coordinate(row, 0))) for row in range(3)]
        assert all(shown.endswith(".example") for shown in domains)
        if size[0] >= 100:
            assert domains == SAMPLE_DOMAINS  # whole names while the checks fit in symbols


async def test_a_resize_tells_the_checks_again_and_keeps_the_cursor(
    make_app: Callable[..., IpdashApp],
) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        _, panel = await open_domains(pilot)
        table = panel.query_one(DataTable)
        table.focus()
        await pilot.press("j", "j")
        await pilot.resize_terminal(90, 30)
        await settle(pilot)
        assert str(table.ordered_columns[1].label) == "All" and table.cursor_row == 2
        assert str(table.get_cell_at(Coordinate(2, 1))) == "✗"
        assert "promo.acme-shop.example" in text_of(panel, "#domains-detail")
        await pilot.resize_terminal(160, 48)
        await settle(pilot)
        assert str(table.ordered_columns[1].label) == "Overall" and table.cursor_row == 2
        assert str(table.get_cell_at(Coordinate(2, 1))) == "✗ fail"
