"""Pilot tests for the time range, the charts, the filter, alerts on screen, the pool view and export."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable

from textual.pilot import Pilot
from textual.widgets import Static

from ipdash.ui.app import IpdashApp
from ipdash.ui.export import export_dir
from ipdash.ui.screens.detail import IpDetailScreen
from ipdash.ui.screens.pool import PoolScreen
from ipdash.ui.widgets.alerts_panel import AlertsPanel
from ipdash.ui.widgets.breach_feed import BreachFeed
from ipdash.ui.widgets.charts import RateChart, VolumeChart
from ipdash.ui.widgets.ip_table import IpTable
from settling import settle

WARMING = "198.51.100.11"  # day 13/18 of its warm-up in the sample data


async def loaded(pilot: Pilot[int]) -> IpdashApp:
    await settle(pilot)
    assert isinstance(pilot.app, IpdashApp)
    return pilot.app


def title(app: IpdashApp) -> str:
    return str(app.dashboard.query_one("#title-bar", Static).render())


async def test_brackets_step_the_range_and_every_panel_follows(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        assert app.data is not None and app.data.analysis.window is not None
        assert app.data.analysis.window.days == 7 and "range 7d" in title(app)
        week_sent = app.data.analysis.ips[WARMING].metrics.totals.sent
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert app.range_days == 14 and app.data.analysis.window.days == 14
        assert "range 14d" in title(app) and "(14 days)" in title(app)
        assert app.data.analysis.ips[WARMING].metrics.totals.sent > week_sent
        assert app.dashboard.query_one(IpTable).table_columns[6].label == "Sent 14d"
        await pilot.press(*["right_square_bracket"] * 4)  # 30, 90, all, and all stays all
        await settle(pilot)
        assert app.range_days is None and "range all" in title(app)
        assert app.data.analysis.window.start.isoformat() == "2026-07-24"  # the first day held
        await pilot.press(*["left_square_bracket"] * 6)
        await settle(pilot)
        assert app.range_days == 1 and app.data.analysis.window.days == 1
        feed = app.dashboard.query_one(BreachFeed).items
        assert feed == list(app.data.analysis.feed)  # the feed is the 1-day analysis' own


async def test_the_volume_header_names_the_range_shown(make_app: Callable[..., IpdashApp]) -> None:
    """The header drawn, not only the column model: "Sent 30d" to "Sent 90d" keeps its width."""
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        table = app.dashboard.query_one(IpTable)
        for presses, label in ((2, "Sent 30d"), (1, "Sent 90d")):
            await pilot.press(*["right_square_bracket"] * presses)
            await settle(pilot)
            shown = {str(column.key.value): str(column.label) for column in table.ordered_columns}
            assert shown["sent"] == label


async def test_the_palette_sets_any_range(make_app: Callable[..., IpdashApp]) -> None:
    from ipdash.ui.time_range import range_commands

    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        commands = {command.title: command for command in range_commands(app)}
        assert list(commands) == [
            "Time range: last 1 day",
            "Time range: last 7 days",
            "Time range: last 14 days",
            "Time range: last 30 days",
            "Time range: last 90 days",
            "Time range: all",
        ]
        commands["Time range: last 90 days"].callback()
        await settle(pilot)
        assert app.data is not None and app.data.analysis.window is not None
        assert app.data.analysis.window.days == 90


async def test_the_detail_charts_follow_the_range_per_provider_with_the_presets_levels(
    make_app: Callable[..., IpdashApp],
) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        await pilot.press("j", "j", "j", "j", "j", "enter")  # 203.0.113.20
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, IpDetailScreen) and screen.ip == "203.0.113.20"
        bounce = screen.query_one("#chart-bounce", RateChart)
        assert bounce.metric == "bounce_rate"
        figure = bounce.plt.build()
        assert "warn 2%" in figure and "critical 5%" in figure  # the default preset's levels, named
        assert "gmail.com" in figure and "outlook.com" in figure
        complaint = screen.query_one("#chart-complaint", RateChart).plt.build()
        assert "warn 0.1%" in complaint and "0.3%" in complaint  # its own axis, not the bounce one
        assert "Sent per day by mailbox provider (7 days)" in screen.query_one(VolumeChart).plt.build()
        await pilot.press("right_square_bracket", "right_square_bracket")  # 30 days, on the detail screen
        await settle(pilot)
        assert "(30 days)" in screen.query_one(VolumeChart).plt.build()


async def test_filter_finds_warm_up_states_and_pools_and_filters_the_feed(
    make_app: Callable[..., IpdashApp],
) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        dashboard = app.dashboard
        dashboard.pending_filter = "warming"
        dashboard.apply_filter()
        await pilot.pause()
        shown = dashboard.table.visible_ips()
        assert WARMING in shown and "192.0.2.50" not in shown  # "day 13/18 ✓" is a warm-up
        dashboard.pending_filter = "ses-marketing"
        dashboard.apply_filter()
        await pilot.pause()
        assert dashboard.table.visible_ips() == ["203.0.113.20", "203.0.113.21"]
        feed = dashboard.query_one(BreachFeed).items
        assert feed and {item.ip for item in feed} == {"203.0.113.20", "203.0.113.21"}
        dashboard.pending_filter = "nothing-is-called-this"
        dashboard.apply_filter()
        await pilot.pause()
        assert dashboard.table.visible_ips() == [] and dashboard.query_one(BreachFeed).items == []
        assert dashboard.query_one("#side").border_title == "Selected IP"
        assert "No IP matches" in str(dashboard.query_one("#side-facts", Static).render())
        assert str(dashboard.query_one("#side-score", Static).render()) == ""
        await pilot.press("escape")
        await pilot.pause()
        assert len(dashboard.table.visible_ips()) == 9


async def test_a_acknowledges_and_the_acknowledgement_survives_a_restart(
    make_app: Callable[..., IpdashApp],
) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        panel = app.dashboard.query_one(AlertsPanel)
        assert panel.alerts and not any(alert.acknowledged for alert in panel.alerts)
        rules = {alert.rule for alert in panel.alerts}
        assert {"threshold", "warm-up", "SNDS"} <= rules  # the poll's rules: breaches, warm-up holds, signals
        await pilot.press("a")  # opens the Alerts tab
        assert app.dashboard.query_one("#panels").active == "tab-alerts"  # type: ignore[attr-defined]
        first = panel.highlighted
        assert first is not None
        await pilot.press("a")
        await settle(pilot)  # the acknowledgement is written in a worker
        acked = [alert for alert in panel.alerts if alert.acknowledged]
        assert [alert.key for alert in acked] == [first.key]
        assert panel.highlighted is not None and panel.highlighted.key != first.key  # on to the next
        assert "6 Alerts" in str(app.dashboard.query_one("#panels").get_tab("tab-alerts").label)  # type: ignore[attr-defined]
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        panel = app.dashboard.query_one(AlertsPanel)
        assert [alert.key for alert in panel.alerts if alert.acknowledged] == [first.key]


async def test_p_shows_the_pool_side_by_side(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        await pilot.press("j", "j", "j", "p")  # 198.51.100.11, pool marketing
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PoolScreen)
        assert screen.query_one("#pool-body").border_title == "Pool marketing (2 IPs)"
        volume = screen.query_one(VolumeChart).plt.build()
        assert "198.51.100.11" in volume and "198.51.100.12" in volume and "by IP" in volume
        await pilot.press("escape")
        assert not isinstance(app.screen, PoolScreen)


async def test_export_writes_what_is_shown_and_names_the_files(make_app: Callable[..., IpdashApp]) -> None:
    from ipdash.ui.export import start_export

    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        app.dashboard.pending_filter = "ses-marketing"
        app.dashboard.apply_filter()
        await pilot.pause()
        start_export(app, "json")
        start_export(app, "csv")
        await settle(pilot)
        files = sorted(export_dir().iterdir())
        assert [f.suffix for f in files] == [".csv", ".csv", ".json"]
        document = json.loads(next(f for f in files if f.suffix == ".json").read_text())
        assert [ip["ip"] for ip in document["ips"]] == ["203.0.113.20", "203.0.113.21"]
        assert document["filter"] == "ses-marketing" and document["window"]["days"] == 7
        assert 0 < document["ips"][0]["bounce_rate"] < 1  # a fraction, as in report's JSON
        with next(f for f in files if f.name.endswith("-ips.csv")).open() as handle:
            assert [row["ip"] for row in csv.DictReader(handle)] == ["203.0.113.20", "203.0.113.21"]
        notes = [str(n.message) for n in app._notifications]
        assert any(str(export_dir()) in note for note in notes)


async def test_another_range_shown_never_fires_or_hides_alerts(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        before = [alert.key for alert in app.alerts.alerts]
        await pilot.press("left_square_bracket", "left_square_bracket")  # 1 day
        await settle(pilot)
        await pilot.press(*["right_square_bracket"] * 5)  # all
        await settle(pilot)
        assert app.data is not None and app.data.range_days is None
        assert [alert.key for alert in app.alerts.alerts] == before  # judged at the configured window
        assert not any("new alert" in str(n.title) for n in app._notifications)


async def test_a_store_that_cannot_open_keeps_acknowledgements_for_the_session_and_says_so(
    make_app: Callable[..., IpdashApp],
    tmp_path,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))  # the data dir cannot be created
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        panel = app.dashboard.query_one(AlertsPanel)
        assert app.alerts.store is None and "acknowledgements not kept" in app.alerts.problem
        assert "acknowledgements not kept" in str(panel.border_subtitle)
        await pilot.press("a", "a")
        await settle(pilot)
        assert sum(alert.acknowledged for alert in panel.alerts) == 1  # for this session
