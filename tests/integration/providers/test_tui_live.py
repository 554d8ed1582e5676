"""The TUI polling real-looking provider APIs on loopback: records arrive in the panels, the
store keeps them for the next start, a failing source goes stale with its reason."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ipdash.sources.config_file import load_config
from ipdash.sources.loader import plan_from_inputs
from ipdash.ui.app import IpdashApp
from ipdash.ui.widgets.ip_table import IpTable

from .fakeapi import FakeApi, Reply
from .test_commands import env, routes, write_config  # noqa: F401 - fixtures and helpers


def live_app(config_path: Path) -> IpdashApp:
    config, found_at = load_config(config_path)
    plan = plan_from_inputs([], config, False, found_at)
    assert plan.polls_providers
    return IpdashApp(plan, clock=lambda: datetime(2026, 11, 21, 9, 0, tzinfo=UTC), watch_files=False)


async def settle(app: IpdashApp, until: object, seconds: float = 60.0) -> None:
    """Wait (bounded) for a condition the poller's background worker makes true."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not until():  # type: ignore[operator]
        if asyncio.get_running_loop().time() > deadline:
            shown = {i.name: i.state.value for i in app.data.dataset.sources} if app.data else None
            full = app.full_dataset
            held = {i.name: i.state.value for i in full.sources} if full else None
            raise AssertionError(f"timed out waiting for the poller: shown {shown}, held {held}")
        await asyncio.sleep(0.05)


async def test_polled_records_reach_the_table_and_survive_a_restart(
    tmp_path: Path,
    api: FakeApi,
    env: None,  # noqa: F811
) -> None:
    routes(api)
    config_path = write_config(tmp_path, api)
    app = live_app(config_path)
    async with app.run_test(size=(160, 48)) as pilot:

        def states() -> dict[str, str]:
            return {info.name: info.state.value for info in app.data.dataset.sources} if app.data else {}

        # each source's poll lands on its own: wait for both, not for the first IP to appear
        await settle(
            app,
            lambda: (
                app.data is not None
                and "1.1.1.0" in app.data.analysis.ips
                and states().get("sg") == states().get("snds") == "fresh"
            ),
        )
        await pilot.pause()
        table = app.dashboard.query_one(IpTable)
        assert "1.1.1.0" in table.row_data
        await pilot.press("3")
        await pilot.pause()
        assert app.dashboard.query("SourcesPanel")
    assert (tmp_path / "history.sqlite3").exists()

    api.route("GET", "/v3/ips", Reply(status=500, body=b"boom"))
    api.route("GET", "/snds/data.aspx", Reply(status=401, body=b"denied"))
    restarted = live_app(config_path)
    async with restarted.run_test(size=(160, 48)) as pilot:
        await settle(
            restarted, lambda: restarted.data is not None and "1.1.1.0" in restarted.data.analysis.ips
        )
        await settle(
            restarted,
            lambda: any(
                info.name == "snds" and info.state.value in ("stale", "failed")
                for info in restarted.data.dataset.sources  # type: ignore[union-attr]
            ),
        )
        status = str(restarted.dashboard.query_one("#status-text").render())
        assert "snds" in status and ("stale" in status or "failed" in status)


@pytest.mark.parametrize("bad", ['[[sources]]\nkind = "sendgrid"\nname = "x"\n'])
def test_a_source_without_its_key_variable_is_refused_before_the_screen_opens(
    tmp_path: Path, bad: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from ipdash.cli import main_group

    config = tmp_path / "config.toml"
    config.write_text(bad)
    result = CliRunner().invoke(main_group, ["--config", str(config)])
    assert result.exit_code == 2
    assert str(config) in result.stderr


async def test_quitting_while_a_source_pages_slowly_saves_what_it_fetched(
    tmp_path: Path, api: FakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ipdash.sources.providers.base import provider_facts
    from ipdash.sources.store import SqliteStore

    from .gate import Gate
    from .test_stop_partial import _sendgrid

    monkeypatch.setenv("TEST_SG_KEY", "sg-secret-key")
    config_path = tmp_path / "config.toml"
    config_path.write_text(
        f'[store]\npath = "history.sqlite3"\nretention_days = 36500\n\n[[sources]]\nkind = "sendgrid"\n'
        f'name = "sg"\napi_key_env = "TEST_SG_KEY"\nbase_url = "{api.base_url}"\ntimeout = 120\n'
    )
    with Gate() as gate:
        _sendgrid(api, gate)
        app = live_app(config_path)
        async with app.run_test(size=(120, 40)):
            assert await asyncio.to_thread(gate.reached.wait, 60), "the second page was never asked for"
        # the app has quit: its poller was stopped in the middle of the pagination
    with SqliteStore(tmp_path / "history.sqlite3") as store:
        assert len(store.load().facts) == int(provider_facts()["providers"]["sendgrid"]["page_size"])
        [run] = store.source_runs()
        assert run.failure_kind == "interrupted" and "partial poll" in run.last_error
