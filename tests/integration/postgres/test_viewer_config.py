"""A viewer of a shared store needs only ``[store]``: the TUI and `report` show the history the
pollers wrote (sources and IPs from the store, no ``[[sources]]``), and the TUI follows new polls."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from ipdash.cli import main_group
from ipdash.domain.models import DailyStat, IpFacts, PollResult
from ipdash.sources.config_file import load_config
from ipdash.sources.loader import plan_from_inputs
from ipdash.sources.store.postgres import PostgresStore
from ipdash.ui.app import IpdashApp
from ipdash.ui.messages import DataReady
from ipdash.ui.widgets.ip_table import IpTable

NOW = datetime.now(UTC).replace(microsecond=0)
TODAY = NOW.date()

OTHER_PROCESS = """
import sys
from datetime import UTC, date, datetime
from ipdash.domain.models import DailyStat, PollResult
from ipdash.sources.store.postgres import PostgresStore
with PostgresStore(sys.argv[1]) as store:
    stat = DailyStat(date.fromisoformat(sys.argv[2]), "192.0.2.77", "gmail.com", sent=900, source="sg")
    store.save_poll(PollResult("sg", "sendgrid", datetime.now(UTC), stats=(stat,)))
"""


def fill(url: str) -> None:
    days = [TODAY - timedelta(days=n) for n in range(1, 8)]
    stats = tuple(
        DailyStat(day, "192.0.2.9", provider, sent=1000, delivered=990, bounced=10, source="sg")
        for day in days
        for provider in ("gmail.com", "outlook.com")
    )
    facts = (
        IpFacts("192.0.2.9", pool="marketing", source="sg"),
        IpFacts(
            "192.0.2.10",
            pool="new",
            warmup_start=TODAY - timedelta(days=3),
            warmup_plan="sendgrid",
            source="sg",
        ),
    )
    with PostgresStore(url) as store:
        store.save_poll(PollResult("sg", "sendgrid", NOW - timedelta(minutes=5), stats=stats, facts=facts))
        store.save_poll(PollResult("snds", "snds", NOW - timedelta(minutes=4), failure="auth", detail="401"))


def viewer_config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "viewer.toml"
    path.write_text(f'[store]\nurl = "{url}"\n')
    return path


class Viewer(IpdashApp):
    """The app, telling the test each time an analysis reaches the screens."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.analysed: asyncio.Queue[DataReady] = asyncio.Queue()

    def on_data_ready(self, message: DataReady) -> None:
        super().on_data_ready(message)
        self.analysed.put_nowait(message)


async def next_with(app: Viewer, ip: str) -> DataReady:
    while True:
        ready = await asyncio.wait_for(app.analysed.get(), 60)
        if ip in ready.analysis.ips:
            return ready


async def test_the_tui_shows_a_shared_store_with_a_store_only_config(tmp_path: Path, pg_url: str) -> None:
    fill(pg_url)
    config, found_at = load_config(viewer_config(tmp_path, pg_url))
    plan = plan_from_inputs([], config, False, found_at)
    assert not plan.is_sample and plan.reads_store and not plan.polls_providers
    app = Viewer(plan, clock=lambda: NOW, watch_files=False)
    async with app.run_test(size=(160, 48)) as pilot:
        ready = await next_with(app, "192.0.2.9")
        await pilot.pause()
        assert "192.0.2.9" in app.dashboard.query_one(IpTable).row_data
        states = {info.name: info.state.value for info in ready.dataset.sources}
        assert states == {"sg": "fresh", "snds": "stale"}
        assert ready.dataset.facts["192.0.2.9"].pool == "marketing"
        # A poller elsewhere commits a poll: the viewer shows it without re-reading the store.
        assert app.live is not None
        await asyncio.wait_for(app.live.listening.wait(), 60)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", OTHER_PROCESS, pg_url, (TODAY - timedelta(days=1)).isoformat(),
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, err = await process.communicate()
        assert process.returncode == 0, err.decode()
        await next_with(app, "192.0.2.77")
        await pilot.pause()
        assert "192.0.2.77" in app.dashboard.query_one(IpTable).row_data


def test_report_reads_a_shared_store_once_with_a_store_only_config(tmp_path: Path, pg_url: str) -> None:
    fill(pg_url)
    config = viewer_config(tmp_path, pg_url)
    result = CliRunner().invoke(main_group, ["report", "--config", str(config), "--format", "json"])
    assert result.exit_code in (0, 1, 3), result.output + result.stderr
    report = json.loads(result.stdout)
    by_ip = {ip["ip"]: ip for ip in report["ips"]}
    assert set(by_ip) == {"192.0.2.9", "192.0.2.10"}
    assert (by_ip["192.0.2.9"]["pool"], by_ip["192.0.2.9"]["sent"]) == ("marketing", 14_000)
    assert {s["name"]: s["state"] for s in report["sources"]} == {"sg": "fresh", "snds": "stale"}


def test_other_commands_read_the_store_too(tmp_path: Path, pg_url: str) -> None:
    fill(pg_url)
    config = viewer_config(tmp_path, pg_url)
    result = CliRunner().invoke(main_group, ["warmup", "status", "--config", str(config), "--format", "json"])
    assert result.exit_code in (0, 1), result.output + result.stderr
    assert "192.0.2.10" in result.stdout  # the store's IP warming up, not the sample data's
