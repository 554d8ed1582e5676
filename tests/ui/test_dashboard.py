"""Pilot tests: press keys like a user, assert on state."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from ipdash.domain.config import CsvFile
from ipdash.sources.loader import LoadPlan
from ipdash.ui.app import IpdashApp
from ipdash.ui.screens.dashboard import DashboardScreen
from ipdash.ui.screens.detail import IpDetailScreen
from ipdash.ui.screens.help import HelpScreen
from ipdash.ui.widgets.breach_feed import BreachFeed
from ipdash.ui.widgets.ip_table import IpTable
from settling import settle

SAMPLE_IPS = 9


async def loaded(pilot: Pilot[int]) -> IpdashApp:
    app = pilot.app
    await settle(pilot)
    assert isinstance(app, IpdashApp)
    return app


async def filtered(pilot: Pilot[int]) -> None:
    """Typing is debounced: wait until the typed filter has been applied (and, on a big table,
    the selected-IP panel has followed)."""
    app = pilot.app
    assert isinstance(app, IpdashApp)
    for _ in range(2000):
        if not app.dashboard.filter_pending and not app.dashboard.selected_pending:
            return
        await pilot.pause()
    raise AssertionError("the typed filter was never applied")


def recorded_notes(app: IpdashApp) -> list[str]:
    """Every notification the app raises, kept (on screen they expire after their timeout, which a
    loaded machine can pass before the test looks)."""
    notes: list[str] = []
    notify = app.notify

    def recording(message: str, **options: Any) -> None:
        notes.append(str(message))
        notify(message, **options)

    app.notify = recording  # type: ignore[method-assign]
    return notes


def table(app: IpdashApp) -> IpTable:
    return app.dashboard.query_one(IpTable)


async def test_opens_on_sample_data(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert table(app).row_count == SAMPLE_IPS
        feed = app.dashboard.query_one(BreachFeed)
        assert feed.items, "the sample data has breaches"
        assert feed.items[0].severity == "critical"
        assert app.data is not None and app.data.analysis.window is not None
        assert str(app.data.analysis.window.end) == "2026-11-20"


async def test_j_k_move_and_the_side_panel_follows(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        first = table(app).selected_ip
        await pilot.press("j", "j")
        assert table(app).cursor_row == 2
        assert table(app).selected_ip != first
        assert app.dashboard.query_one("#side").border_title == table(app).selected_ip
        await pilot.press("k")
        assert table(app).cursor_row == 1


async def test_sort_cycles_and_reverses(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        ip_table = table(app)
        assert ip_table.sort_key == "ip"
        await pilot.press("s")
        assert ip_table.sort_key == "pool"
        ip_table.sort_by("score")
        scores = [app.data.analysis.ips[ip].score.value for ip in ip_table.visible_ips()]  # type: ignore[union-attr]
        judged = [s for s in scores if s is not None]
        assert judged == sorted(judged)
        await pilot.press("S")
        assert ip_table.sort_reverse
        reversed_scores = [app.data.analysis.ips[ip].score.value for ip in ip_table.visible_ips()]  # type: ignore[union-attr]
        assert [s for s in reversed_scores if s is not None] == sorted(judged, reverse=True)


async def test_sort_keeps_the_cursor_on_its_ip(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        await pilot.press("j", "j", "j")
        chosen = table(app).selected_ip
        await pilot.press("S")
        assert table(app).selected_ip == chosen


async def test_filter_narrows_and_escape_clears(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        await pilot.press("slash")
        await pilot.press(*"ses-")
        await filtered(pilot)
        assert table(app).row_count == 5
        assert all(app.data.analysis.ips[ip].facts.provider == "ses" for ip in table(app).visible_ips())  # type: ignore[union-attr]
        await pilot.press("escape")
        assert table(app).row_count == SAMPLE_IPS
        assert table(app).has_focus


async def test_filter_by_band_word(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        await pilot.press("slash", *"critical", "enter")
        # the two IPs in the critical band, and 203.0.113.21 with a critical breach (its re-warm)
        assert sorted(table(app).visible_ips()) == ["198.51.100.12", "203.0.113.20", "203.0.113.21"]
        assert table(app).has_focus, "enter keeps the filter and returns to the table"


async def test_enter_opens_detail_and_escape_returns(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        await pilot.press("j")
        chosen = table(app).selected_ip
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, IpDetailScreen)
        assert app.screen.ip == chosen
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_help_lists_every_key(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, HelpScreen)
        listed = {b.key for _, bindings in screen.sections for b in bindings}
        for key in ("q", "question_mark", "r", "t", "slash", "enter", "s", "escape"):
            assert any(key in entry.split(",") for entry in listed), key
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, DashboardScreen)


async def test_t_cycles_the_shipped_themes(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        app = await loaded(pilot)
        seen = [app.theme]
        for _ in range(3):
            await pilot.press("t")
            seen.append(app.theme)
        assert seen == ["ipdash-dark", "ipdash-high-contrast", "ipdash-light", "ipdash-dark"]


async def test_theme_option_and_unknown_theme(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app(theme_name="ipdash-light").run_test() as pilot:
        assert pilot.app.theme == "ipdash-light"
    app = make_app(theme_name="no-such-theme")
    notes = recorded_notes(app)
    async with app.run_test() as pilot:
        await loaded(pilot)
        assert app.theme == "ipdash-dark"
        assert any("no-such-theme" in note for note in notes)


async def test_broken_theme_file_is_one_notification_not_a_crash(
    make_app: Callable[..., IpdashApp], tmp_path: Path, repo: Path
) -> None:
    (tmp_path / "broken.yaml").write_text("name: broken\nprimary: not-a-colour\n")
    (tmp_path / "junk.yaml").write_text(": : :\n\t- [")
    app = make_app(theme_dirs=[repo / "themes", tmp_path])
    recorded = recorded_notes(app)
    async with app.run_test() as pilot:
        await loaded(pilot)
        notes = [note for note in recorded if "themes could not be loaded" in note]
        assert len(notes) == 1
        assert "broken.yaml" in notes[0] and "junk.yaml" in notes[0]
        assert app.theme == "ipdash-dark"


async def test_narrow_terminal_hides_the_side_panel(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        app = await loaded(pilot)
        assert app.dashboard.has_class("-narrow")
        assert not app.dashboard.query_one("#side").display
        assert [c.key for c in table(app).table_columns][:3] == ["ip", "score", "band"]
        await pilot.press("enter")
        assert isinstance(app.screen, IpDetailScreen)


async def test_row_errors_and_failed_sources_show_in_the_status_bar(
    make_app: Callable[..., IpdashApp], tmp_path: Path
) -> None:
    good = tmp_path / "stats.csv"
    good.write_text("date,ip,sent,bounces\n2026-11-01,192.0.2.1,5000,10\n2026-11-01,nope,5,1\n")
    plan = LoadPlan(csv=(CsvFile(path=good), CsvFile(path=tmp_path / "missing.csv")))
    async with make_app(plan).run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        assert table(app).row_count == 1
        status = str(app.dashboard.query_one("#status-text").render())
        assert "1 row errors" in status
        assert "missing.csv ✗ failed" in status


async def test_no_readable_source_says_so_instead_of_zeros(
    make_app: Callable[..., IpdashApp], tmp_path: Path
) -> None:
    plan = LoadPlan(csv=(CsvFile(path=tmp_path / "missing.csv"),))
    async with make_app(plan).run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        assert table(app).row_count == 0
        side = str(app.dashboard.query_one("#side-facts").render())
        assert "No sending data loaded" in side and "file not found" in side


async def test_changed_file_is_reread(make_app: Callable[..., IpdashApp], tmp_path: Path) -> None:
    path = tmp_path / "stats.csv"
    path.write_text("date,ip,sent\n2026-11-01,192.0.2.1,5000\n")
    app = make_app(LoadPlan(csv=(CsvFile(path=path),)))
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        assert table(app).row_count == 1
        path.write_text("date,ip,sent\n2026-11-01,192.0.2.1,5000\n2026-11-01,192.0.2.2,700\n")
        app._check_files()
        await loaded(pilot)
        assert table(app).row_count == 2


async def test_r_reloads(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        before = app.data
        await pilot.press("r")
        await loaded(pilot)
        assert app.data is not before


async def test_demo_replays_a_day_at_a_time(make_app: Callable[..., IpdashApp]) -> None:
    app = make_app(demo=True, replay_seconds=3600)  # the test steps the replay itself
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        assert app.full_dataset is not None
        latest = app.full_dataset.latest_day()
        first = app.replay_day
        assert first is not None and latest is not None and first < latest
        assert app.data is not None and app.data.analysis.window is not None
        assert app.data.analysis.window.end == first
        app._advance_replay()
        await loaded(pilot)
        assert app.replay_day == first + timedelta(days=1)
        assert app.data.analysis.window.end == app.replay_day
        assert "demo replay" in str(app.dashboard.query_one("#title-bar").render())
        app.replay_day = latest
        app._advance_replay()
        await loaded(pilot)
        assert app.replay_day == first, "after the last day the replay starts over"


async def test_w_opens_the_wizard_with_measured_defaults_and_escape_cancels(
    make_app: Callable[..., IpdashApp],
) -> None:
    from ipdash.ui.screens.wizard import WizardScreen

    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, WizardScreen)
        assert "Step 1 of" in str(app.screen.query_one("#wizard-step").render())
        assert "month" in str(app.screen.query_one("#wizard-prompt").render())
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)


async def test_warmup_tab_shows_the_warming_and_idle_ips(make_app: Callable[..., IpdashApp]) -> None:
    from ipdash.ui.widgets.warmup_panel import WarmupCard

    async with make_app().run_test(size=(160, 48)) as pilot:
        app = await loaded(pilot)
        assert table(app).row_data["198.51.100.11"].warmup is not None
        await pilot.press("2")
        await pilot.pause()
        cards = {card.progress.ip for card in app.dashboard.query(WarmupCard)}
        assert cards == {"198.51.100.11", "203.0.113.21"}
        feed = app.dashboard.query_one(BreachFeed)
        assert any(item.ip == "203.0.113.21" and "re-warm" in item.what for item in feed.items)


async def test_a_big_file_loads_in_a_worker_with_progress_and_the_ui_answers_meanwhile(
    make_app: Callable[..., IpdashApp], tmp_path: Path
) -> None:
    from ipdash.ui.messages import LoadProgress
    from ipdash.ui.screens.help import HelpScreen

    path = tmp_path / "big.csv"
    with path.open("w") as handle:
        handle.write("date,ip,mailbox_provider,sent,delivered,bounces\n")
        for n in range(300_000):
            handle.write(
                f"2026-11-{n % 28 + 1:02d},10.0.{n % 50}.1,gmail.com,{1000 + n % 97},{990 + n % 97},{n % 9}\n"
            )
    seen: list[object] = []
    app = make_app(LoadPlan(csv=(CsvFile(path=path),)))
    async with app.run_test(size=(160, 48), message_hook=seen.append) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")  # while the file is still loading
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await settle(pilot)
        progress = [m for m in seen if isinstance(m, LoadProgress)]
        assert progress, "a big file reports its progress"
        assert progress[-1].done == progress[-1].total
        assert table(app).row_count == 50


async def test_hostile_theme_files_are_one_notification_and_the_default_theme(
    make_app: Callable[..., IpdashApp], tmp_path: Path, repo: Path
) -> None:
    (tmp_path / "css.yaml").write_text(
        "name: css\nprimary: '#fff'\nvariables:\n  primary: 'red; } Screen {'\n"
    )
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "fifo.yaml")
    with (tmp_path / "huge.yaml").open("wb") as handle:
        handle.truncate(60 * 1024 * 1024)
    app = make_app(theme_dirs=[repo / "themes", tmp_path])
    recorded = recorded_notes(app)
    async with app.run_test() as pilot:
        await loaded(pilot)
        notes = [note for note in recorded if "themes could not be loaded" in note]
        assert len(notes) == 1
        assert all(name in notes[0] for name in ("css", "zero", "fifo", "huge"))
        assert app.theme == "ipdash-dark"
