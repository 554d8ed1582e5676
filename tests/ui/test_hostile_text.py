"""The TUI with hostile text in every field from outside (zone ids, mailbox providers, pools,
rDNS names, streams): after loading, nothing on screen is a control, escape or bidi character."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipdash.domain.config import CsvFile
from ipdash.sources.loader import LoadPlan
from ipdash.ui.app import IpdashApp
from ipdash.ui.widgets.breach_feed import BreachFeed
from ipdash.ui.widgets.ip_table import IpTable

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from test_screen_text_fuzz import NASTY, hostile_text, unsafe_characters, write_inputs

from settling import settle

text_without_nul = hostile_text.filter(lambda text: "\x00" not in text)


def cells(table: IpTable | BreachFeed) -> list[str]:
    return [
        str(getattr(cell, "plain", cell)) for row in range(table.row_count) for cell in table.get_row_at(row)
    ]


def screen_text(app: IpdashApp) -> str:
    return app.export_screenshot()


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# A NUL byte makes the whole file binary (refused with its reason, tested with the CSV reader).
@given(
    st.sampled_from([text for text in NASTY if "\x00" not in text]),
    text_without_nul,
    hostile_text,
    hostile_text,
)
async def test_hostile_fields_reach_no_cell_and_no_screen_line(
    make_app: Callable[..., IpdashApp], zone: str, provider: str, pool: str, rdns: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        write_inputs(Path(folder), zone, provider, pool, rdns)
        plan = LoadPlan(
            csv=(CsvFile(path=Path(folder) / "stats.csv"),), facts_files=(Path(folder) / "ips.toml",)
        )
        app = make_app(plan)
        async with app.run_test(size=(160, 48)) as pilot:
            await settle(pilot)
            table = app.screen.query_one(IpTable)
            feed = app.screen.query_one(BreachFeed)
            shown = cells(table)
            assert "192.0.2.11" in shown  # a hostile row is a row error, the rest loaded
            assert not any(text.startswith("2001:db8::1%") for text in shown)
            for text in [*shown, *cells(feed)]:
                assert unsafe_characters(text) == []
            screenshot = screen_text(app)
            assert unsafe_characters(screenshot.replace("\n", "")) == []
            assert "&#x1b;" not in screenshot.lower() and "&#27;" not in screenshot
