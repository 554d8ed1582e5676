from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Static

from ipdash.sources.providers.polling import SourceStatus
from ipdash.ui.widgets.sources_panel import SourcesPanel, error_label, state_label, when_label

NOW = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
INTERVAL = timedelta(minutes=15)


def status(name: str, **fields: object) -> SourceStatus:
    return SourceStatus(name=name, kind="sendgrid", interval=INTERVAL, **fields)  # type: ignore[arg-type]


FRESH = status("sg", last_attempt=NOW - timedelta(minutes=3), last_success=NOW - timedelta(minutes=3),
               next_poll=NOW + timedelta(minutes=12))  # fmt: skip
FAILING = status("snds", last_attempt=NOW - timedelta(minutes=5), last_success=NOW - timedelta(hours=2, minutes=5),
                 failure_kind="auth", last_error="401 bad key", next_poll=NOW + timedelta(minutes=10))  # fmt: skip
OLD = status("mg", last_attempt=NOW - timedelta(hours=5), last_success=NOW - timedelta(hours=5))
NEVER = status(
    "sp", last_attempt=NOW - timedelta(minutes=1), failure_kind="unavailable", last_error="timed out"
)
WAITING = status("pm", next_poll=NOW)


@pytest.mark.parametrize(
    ("item", "text", "tone"),
    [
        (FRESH, "✓ fresh 3m", "ok"),
        (FAILING, "▲ stale 2h", "warn"),  # last poll failed: stale with its age, never fresh
        (OLD, "▲ stale 5h", "warn"),  # succeeded, but longer ago than two intervals
        (NEVER, "✗ failed, no data yet", "bad"),
        (WAITING, "? not polled yet", "muted"),
    ],
)
def test_state_labels_carry_a_symbol_a_word_and_the_age(item: SourceStatus, text: str, tone: str) -> None:
    assert state_label(item, NOW) == (text, tone)


def test_labels_for_times_and_errors() -> None:
    assert when_label(None, NOW) == "never"
    assert when_label(NOW + timedelta(minutes=12), NOW, future=True) == "in 12m"
    assert when_label(NOW - timedelta(seconds=5), NOW, future=True) == "due now"
    assert error_label(FAILING) == "auth: 401 bad key"
    recovered = status("x", last_attempt=NOW, last_success=NOW, last_error="old timeout")
    assert error_label(recovered) == "earlier: old timeout"
    assert error_label(FRESH) == "—"


class Host(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.requests = 0

    def compose(self) -> ComposeResult:
        yield SourcesPanel(clock=lambda: NOW, tick_seconds=3600)

    def on_sources_panel_poll_requested(self, _: SourcesPanel.PollRequested) -> None:
        self.requests += 1


def cell_texts(table: DataTable, row: str) -> list[str]:  # type: ignore[type-arg]
    return [str(cell) for cell in table.get_row(row)]


async def test_panel_shows_each_source_and_never_stale_as_fresh() -> None:
    app = Host()
    async with app.run_test(size=(140, 20)) as pilot:
        panel = app.query_one(SourcesPanel)
        panel.show([FRESH, FAILING, NEVER])
        await pilot.pause()
        table = app.query_one(DataTable)
        assert table.row_count == 3
        assert cell_texts(table, "sg")[2] == "✓ fresh 3m"
        snds = cell_texts(table, "snds")
        assert snds[2] == "▲ stale 2h" and "auth: 401 bad key" in snds[5] and "(2h ago)" in snds[3]
        assert cell_texts(table, "sp")[3] == "never"
        summary = str(app.query_one("#sources-summary", Static).render())
        assert "1 ✓ fresh" in summary and "1 ▲ stale" in summary and "1 ✗ failed" in summary
        assert panel.has_class("-stale") and panel.has_class("-failed")


async def test_rows_update_in_place_and_r_requests_a_poll() -> None:
    app = Host()
    async with app.run_test(size=(140, 20)) as pilot:
        panel = app.query_one(SourcesPanel)
        panel.show([FRESH, FAILING])
        await pilot.pause()
        table = app.query_one(DataTable)
        table.move_cursor(row=1)
        recovered = status("snds", last_attempt=NOW, last_success=NOW, next_poll=NOW + INTERVAL)
        panel.show([FRESH, recovered])
        await pilot.pause()
        assert table.cursor_row == 1 and table.row_count == 2
        assert cell_texts(table, "snds")[2] == "✓ fresh 0s"
        assert not panel.has_class("-stale")
        panel.show([FRESH])
        await pilot.pause()
        assert table.row_count == 1
        table.focus()
        await pilot.press("r")
        await pilot.pause()
        assert app.requests == 1
