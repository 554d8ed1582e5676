"""The blocklist/rDNS panel in a small host app: every list's status (symbol and word), codes, meaning and
age; hostile DNS text drawn literally; rows updated in place; and the IP table cell helper."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Static

from ipdash.domain.dnsbl.judge import HealthState, ZoneHealth, judge_addresses, judge_lookup, skipped
from ipdash.domain.dnsbl.lookups import records, timeout
from ipdash.domain.dnsbl.rdns import judge_rdns
from ipdash.domain.dnsbl.results import TargetResult, ZoneResult
from ipdash.sources.dns.configure import shipped_catalog
from ipdash.ui.widgets.blocklist_panel import BlocklistPanel, age_text, blocklist_cell

REPO = Path(__file__).resolve().parents[2]
CHECKED = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
NOW = CHECKED + timedelta(minutes=5)
HEALTHY = ZoneHealth(HealthState.PASSED)


def sample_result(txt: str = "Listed by SBL, see https://check.spamhaus.org/") -> TargetResult:
    catalog, rules = shipped_catalog()
    zen = catalog.by_id["spamhaus-zen"]
    rows = (
        ZoneResult.of(zen, judge_addresses(zen, ("127.0.0.2", "127.0.0.4")), checked_at=CHECKED, txt=txt),
        ZoneResult.of(
            catalog.by_id["spamcop"],
            judge_lookup(catalog.by_id["spamcop"], records(), HEALTHY),
            checked_at=CHECKED,
        ),
        ZoneResult.of(
            catalog.by_id["barracuda"],
            judge_lookup(catalog.by_id["barracuda"], timeout("no answer in 2.5 s, asked 2 times"), HEALTHY),
            checked_at=CHECKED - timedelta(hours=3),
        ),
        ZoneResult.of(
            catalog.by_id["psbl"], judge_addresses(catalog.by_id["psbl"], ("127.0.0.1",)), checked_at=CHECKED
        ),
        ZoneResult.of(
            catalog.by_id["sorbs"],
            skipped("defunct since 2024-06-05: never queried", "defunct"),
            checked_at=CHECKED,
        ),
    )
    rdns = judge_rdns(
        "198.51.100.7", records("mail.example.com"), {"mail.example.com": records("198.51.100.7")}, rules
    )
    return TargetResult("198.51.100.7", "ip", rows, rdns, CHECKED)


class PanelHost(App[None]):
    def __init__(self) -> None:
        super().__init__()
        from ipdash.ui.themes import load_themes

        themes, _ = load_themes([REPO / "themes"])
        for theme in themes.values():
            self.register_theme(theme)
        if "ipdash-dark" in themes:
            self.theme = "ipdash-dark"

    def compose(self) -> ComposeResult:
        yield BlocklistPanel(id="panel")


def table_text(app: App[None]) -> list[list[str]]:
    table = app.query_one(DataTable)
    return [[str(cell) for cell in table.get_row(key)] for key in table.rows]


async def test_not_checked_yet_says_how_to_check() -> None:
    app = PanelHost()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        summary = str(app.query_one("#blocklist-summary", Static).render())
        assert "not checked yet: press b" in summary
        assert app.query_one(DataTable).row_count == 0
        app.query_one(BlocklistPanel).show(None, checking=True)
        await pilot.pause()
        assert "checking" in str(app.query_one("#blocklist-summary", Static).render())


async def test_every_list_has_status_word_codes_meaning_and_age() -> None:
    app = PanelHost()
    async with app.run_test(size=(160, 40)) as pilot:
        app.query_one(BlocklistPanel).show(sample_result(), now=NOW)
        await pilot.pause()
        rows = table_text(app)
        assert [row[0] for row in rows] == ["✗ listed", "✓ clean", "? unknown", "! error", "– skipped"]
        assert rows[0][3] == "127.0.0.2, 127.0.0.4"
        assert "SBL" in rows[0][4] and "XBL" in rows[0][4] and "TXT: Listed by SBL" in rows[0][4]
        assert "timed out" in rows[2][4] and rows[2][4].endswith("unknown, not clean")
        assert "never-listed test address" in rows[3][4]
        assert [row[2] for row in rows] == ["5 min ago", "5 min ago", "3 h ago", "5 min ago", "5 min ago"]
        summary = str(app.query_one("#blocklist-summary", Static).render())
        assert summary.startswith("✗ listed: listed on 1 of 4, 2 not checked")
        assert "checked 5 min ago" in summary
        rdns = str(app.query_one("#blocklist-rdns", Static).render())
        assert "rDNS ✓ pass  mail.example.com" in rdns
        assert "Gmail: met" in rdns and "Yahoo: met" in rdns


async def test_hostile_text_is_drawn_literally() -> None:
    app = PanelHost()
    async with app.run_test(size=(160, 40)) as pilot:
        app.query_one(BlocklistPanel).show(sample_result(txt="[SBL123] see [link=x]"), now=NOW)
        await pilot.pause()
        meaning = table_text(app)[0][4]
        assert "[SBL123] see [link=x]" in meaning


async def test_rows_update_in_place_on_a_new_result() -> None:
    app = PanelHost()
    async with app.run_test(size=(160, 40)) as pilot:
        panel = app.query_one(BlocklistPanel)
        panel.show(sample_result(), now=NOW)
        await pilot.pause()
        keys_before = list(app.query_one(DataTable).rows)
        panel.show(sample_result(), now=NOW + timedelta(hours=2))
        await pilot.pause()
        assert list(app.query_one(DataTable).rows) == keys_before
        assert table_text(app)[1][2] == "2 h ago"


def test_no_literal_colours_in_the_panel_css() -> None:
    import re

    assert not re.search(r"#[0-9a-fA-F]{3,8}\b", BlocklistPanel.DEFAULT_CSS)
    assert "$panel" in BlocklistPanel.DEFAULT_CSS


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(5, "just now"), (120, "2 min ago"), (7200, "2 h ago"), (3 * 86400, "3 d ago"), (-30, "just now")],
)
def test_age_text(seconds: int, text: str) -> None:
    assert age_text(NOW - timedelta(seconds=seconds), NOW) == text
    assert age_text(None, NOW) == "—"


def test_cell_helper_maps_levels_to_tones() -> None:
    assert blocklist_cell(sample_result()) == ("✗ listed 1/4", "bad")
    assert blocklist_cell(None) == ("— not checked", "muted")
    assert blocklist_cell(None, checking=True) == ("… checking", "info")


def listed_with_links() -> TargetResult:
    from dataclasses import replace

    catalog, _ = shipped_catalog()
    zen, dronebl = catalog.by_id["spamhaus-zen"], catalog.by_id["dronebl"]
    target = "198.51.100.7"
    listed = ZoneResult.of(zen, judge_addresses(zen, ("127.0.0.2",)), checked_at=CHECKED, target=target)
    drone = ZoneResult.of(
        dronebl, judge_addresses(dronebl, ("127.0.0.3",)), checked_at=CHECKED, target=target
    )
    hostile = replace(
        drone, zone_id="hostile", name="Evil\x1b[2J list", lookup_url="javascript:\x1b]8;;x\x07y"
    )
    clean = ZoneResult.of(
        catalog.by_id["spamcop"],
        judge_lookup(catalog.by_id["spamcop"], records(), HEALTHY),
        checked_at=CHECKED,
    )
    return TargetResult(target, "ip", (listed, drone, hostile, clean), None, CHECKED)


async def test_listings_show_their_lookup_page_as_text_and_link() -> None:
    app = PanelHost()
    async with app.run_test(size=(160, 40)) as pilot:
        panel = app.query_one(BlocklistPanel)
        links = app.query_one("#blocklist-links", Static)
        panel.show(sample_result(), now=NOW)
        await pilot.pause()
        assert not links.display, "no listing with a lookup page: no links line"
        panel.show(listed_with_links(), now=NOW)
        await pilot.pause()
        assert links.display
        rendered = links.render()  # Content (or Text): both have .plain and .spans with styles
        lines = rendered.plain.splitlines()
        assert lines[0] == "Look up / delist:"
        assert "  Spamhaus ZEN (public mirrors): https://check.spamhaus.org/" in lines
        assert "  Spamhaus ZEN (public mirrors): https://check.spamhaus.org/" in lines, (
            "the operator's own page"
        )
        caveat = "(address from other tools, not the list's own pages)"
        assert f"  DroneBL: https://dronebl.org/lookup?ip=198.51.100.7 {caveat}" in lines
        hostile = next(line for line in lines if "Evil" in line)
        assert "\x1b" not in hostile and "\x07" not in hostile, "terminal escapes never reach the screen"
        assert not any("SpamCop" in line for line in lines), "a clean list has no delisting line"
        linked = {rendered.plain[span.start : span.end]: span.style for span in rendered.spans}
        assert (
            str(getattr(linked["https://check.spamhaus.org/"], "link", "")) == "https://check.spamhaus.org/"
        )
        hostile_url = (
            next(text for text in linked if text.startswith("javascript"))
            if any(text.startswith("javascript") for text in linked)
            else None
        )
        assert hostile_url is None, "only http(s) addresses become hyperlinks"
