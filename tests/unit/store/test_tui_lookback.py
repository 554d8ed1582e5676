"""The TUI reads the stored history only as far back as the range shown needs, and reads it again,
further back, when a wider range (or "all") is chosen."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from ipdash.domain.config import Config
from ipdash.domain.lookback import history_start, lean_start
from ipdash.domain.models import DailyStat, PollResult
from ipdash.sources.config_file import load_config
from ipdash.sources.loader import plan_from_inputs
from ipdash.sources.store import SqliteStore
from ipdash.ui.app import IpdashApp
from ipdash.ui.live import LeanRange, reaches
from ipdash.ui.messages import DataReady

from .test_history_lookback import judged

NOW = datetime(2025, 7, 1, 9, tzinfo=UTC)
END = date(2025, 6, 30)
IP = "192.0.2.9"


class Viewer(IpdashApp):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.analysed: asyncio.Queue[DataReady] = asyncio.Queue()

    def on_data_ready(self, message: DataReady) -> None:
        super().on_data_ready(message)
        self.analysed.put_nowait(message)


async def shown(app: Viewer, days: int | None) -> DataReady:
    """The next analysis of the range ``days`` (re-analyses of the range before may come first)."""
    while True:
        ready = await asyncio.wait_for(app.analysed.get(), 120)
        if ready.range_days == days:
            return ready


async def test_a_wider_range_reads_the_store_further_back(tmp_path: Path) -> None:
    stats = tuple(
        DailyStat(END - timedelta(days=back), IP, "gmail.com", sent=1000, delivered=990, source="sg")
        for back in range(300)
    )
    path = tmp_path / "history.sqlite3"
    with SqliteStore(path) as store:
        store.save_poll(PollResult("sg", "sendgrid", NOW - timedelta(hours=1), stats=stats))
    config_path = tmp_path / "viewer.toml"
    config_path.write_text(f'window_days = 7\n[store]\npath = "{path}"\n')
    config, found_at = load_config(config_path)
    app = Viewer(plan_from_inputs([], config, False, found_at), clock=lambda: NOW, watch_files=False)
    async with app.run_test(size=(120, 40)):
        first = await shown(app, 7)
        assert first.range_days == 7 and IP in first.analysis.ips
        # The first frame reads lean: a steady sender needs none of the lookback's earlier days.
        assert first.dataset.frame()["day"].min() == lean_start(Config(window_days=7), 7, END)
        app.set_range(1)  # narrower: a lean read serves its own range only; the lookback is read
        narrower = await shown(app, 1)
        assert narrower.range_days == 1
        assert narrower.dataset.frame()["day"].min() == history_start(Config(window_days=7), 7, END)
        app.set_range(7)  # what was read for the narrower range's read (the widest so far) serves it
        again = await shown(app, 7)
        assert again.dataset.frame().equals(narrower.dataset.frame())
        # What the first frame showed is what the lookback shows (the day series held aside: charts
        # draw the window's days only).
        assert judged(again.analysis.ips[IP]) == judged(first.analysis.ips[IP])
        app.set_range(30)  # wider: read again, further back
        wider = await shown(app, 30)
        assert wider.range_days == 30
        assert wider.dataset.frame()["day"].min() == history_start(Config(window_days=7), 30, END)
        app.set_range(None)
        everything = await shown(app, None)
        assert everything.range_days is None
        assert everything.dataset.frame()["day"].min() == END - timedelta(days=299)
        assert everything.analysis.window is not None and everything.analysis.window.days == 300


@pytest.mark.parametrize(
    ("held", "days", "served"),
    [(0, 30, True), (7, 1, True), (7, 7, True), (7, 30, False), (30, None, False), (None, 90, True),
     (LeanRange(7), 7, True), (LeanRange(7), 1, False), (LeanRange(7), 30, False)],
)  # fmt: skip
def test_history_read_for_a_range_serves_only_as_wide_a_range(
    held: int | None, days: int | None, served: bool
) -> None:
    """A re-analysis (new check results) while a wider range's read is under way waits for it: the
    history installed was read for the narrower range."""
    assert reaches(held, days) is served
