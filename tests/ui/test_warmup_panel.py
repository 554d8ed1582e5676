"""The warm-up panel in a small host app: Pilot assertions on state, and snapshots on the sample data."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import ProgressBar, Static

from ipdash.domain.models import Dataset
from ipdash.domain.warmup import WarmupProgress, WarmupSettings, assess_dataset_ip, assess_warmup, build_plan
from ipdash.domain.warmup.results import DayVolume, WarmupState
from ipdash.domain.warmup.severity import daily_severities
from ipdash.sources.loader import load_dataset, sample_plan
from ipdash.sources.reference_data import threshold_presets
from ipdash.ui.themes import load_themes
from ipdash.ui.widgets.warmup_panel import WarmupCard, WarmupChart, WarmupPanel, warmup_cell

REPO = Path(__file__).resolve().parents[2]
WARMING_IP = "198.51.100.11"
IDLE_IP = "203.0.113.21"
MID_WARMUP = date(2026, 11, 13)
LAST_DAY = date(2026, 11, 20)


def sample_progress(today: date) -> list[WarmupProgress]:
    plan = sample_plan()
    dataset: Dataset = load_dataset(plan).until(today)
    settings = WarmupSettings.from_section(plan.config.warmup)
    results = []
    for ip in dataset.ips():
        severities = daily_severities(dataset, ip, threshold_presets(), plan.config.thresholds)
        progress = assess_dataset_ip(dataset, ip, settings=settings, today=today, severity_by_day=severities)
        if progress is not None:
            results.append(progress)
    return results


class PanelHost(App[None]):
    def __init__(self, progresses: Sequence[WarmupProgress] = ()) -> None:
        super().__init__()
        self.initial = list(progresses)
        themes, _failures = load_themes([REPO / "themes"])
        for theme in themes.values():
            self.register_theme(theme)
        self.theme = "ipdash-dark"

    def compose(self) -> ComposeResult:
        yield WarmupPanel()

    def on_mount(self) -> None:
        self.query_one(WarmupPanel).show(self.initial)


async def test_no_warming_ip_says_so() -> None:
    async with PanelHost().run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        panel = pilot.app.query_one(WarmupPanel)
        assert not panel.query(WarmupCard)
        assert "No IP is warming up" in str(panel.query_one(".warmup-empty", Static).render())


async def test_sample_data_mid_warmup_shows_progress_next_caps_and_chart() -> None:
    async with PanelHost(sample_progress(MID_WARMUP)).run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        panel = pilot.app.query_one(WarmupPanel)
        card = panel.card_for(WARMING_IP)
        assert card is not None
        assert card.progress.state is WarmupState.ON_TRACK
        assert card.has_class("-ok")
        bar = card.query_one(ProgressBar)
        assert bar.percentage == pytest.approx(7 / 18, abs=0.01)
        headline = str(card.query_one(".warmup-headline", Static).render())
        assert "✓ on track" in headline and "day 8/18" in headline and "ETA 2026-11-30" in headline
        upcoming = str(card.query_one(".warmup-upcoming", Static).render())
        assert "day 8 Mon 11-16 16,000" in upcoming and "day 9 Tue 11-17 25,000" in upcoming
        next_step = str(card.query_one(".warmup-next", Static).render())
        assert "advance → 16,000/day" in next_step and "Rule:" in next_step
        assert card.query_one(WarmupChart).progress is card.progress


async def test_sample_data_at_the_end_puts_the_rewarm_first() -> None:
    async with PanelHost(sample_progress(LAST_DAY)).run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        cards = list(pilot.app.query(WarmupCard))
        assert [c.progress.ip for c in cards] == [IDLE_IP, WARMING_IP]
        rewarm, warming = cards
        assert rewarm.has_class("-critical")
        assert "⟲ re-warm" in str(rewarm.query_one(".warmup-headline", Static).render())
        assert rewarm.query_one(ProgressBar).percentage == 0
        assert warming.query_one(ProgressBar).percentage == pytest.approx(12 / 18, abs=0.01)
        assert "day 13 Mon 11-23 100,000" in str(warming.query_one(".warmup-upcoming", Static).render())


async def test_showing_new_progress_replaces_the_cards() -> None:
    async with PanelHost(sample_progress(LAST_DAY)).run_test(size=(120, 40)) as pilot:
        panel = pilot.app.query_one(WarmupPanel)
        panel.show(sample_progress(MID_WARMUP)[:1])
        await pilot.pause()
        assert len(panel.query(WarmupCard)) == 1
        panel.show([])
        await pilot.pause()
        assert not panel.query(WarmupCard)


def _synthetic() -> list[WarmupProgress]:
    plan = build_plan("sendgrid", 1_000, mailbox_split={"gmail.com": 0.5})
    start = date(2024, 5, 6)
    over = [
        DayVolume(start, 50, None, {"gmail.com": 40, "yahoo.com": 10}),
        DayVolume(start + timedelta(days=1), 150, None, {"gmail.com": 100, "yahoo.com": 50}),
    ]
    held = [DayVolume(start, 50), DayVolume(start + timedelta(days=1), 100)]
    return [
        assess_warmup("192.0.2.1", plan, over, today=over[-1].day, severity_by_day={}),
        assess_warmup("192.0.2.2", plan, held, today=held[-1].day, severity_by_day={held[-1].day: "warn"}),
        assess_warmup("192.0.2.3", plan, held, today=held[-1].day, spamhaus_listed=True, severity_by_day={}),
    ]


async def test_states_are_written_not_only_coloured() -> None:
    async with PanelHost(_synthetic()).run_test(size=(120, 60)) as pilot:
        await pilot.pause()
        headlines = {
            card.progress.ip: str(card.query_one(".warmup-headline", Static).render())
            for card in pilot.app.query(WarmupCard)
        }
        assert "▲ over cap" in headlines["192.0.2.1"]
        assert "‖ held" in headlines["192.0.2.2"]
        assert "‖ held" in headlines["192.0.2.3"]
        over = pilot.app.query_one(WarmupPanel).card_for("192.0.2.1")
        assert over is not None
        providers = str(over.query_one(".warmup-providers", Static).render())
        assert "gmail.com ▲ 100/50" in providers and "other ✓ 50/50" in providers


async def test_scroll_to_ip_and_theme_switch() -> None:
    async with PanelHost(_synthetic() + sample_progress(MID_WARMUP)).run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        panel = pilot.app.query_one(WarmupPanel)
        panel.scroll_to_ip(WARMING_IP)
        await pilot.pause()
        assert panel.scroll_y > 0
        pilot.app.theme = "ipdash-light"
        await pilot.pause()
        assert panel.card_for("no-such-ip") is None


@pytest.mark.parametrize(
    ("state_index", "tone"),
    [(0, "warn"), (1, "warn")],
)
def test_warmup_cell_tones(state_index: int, tone: str) -> None:
    text, got = warmup_cell(_synthetic()[state_index])
    assert text and got == tone


def test_warmup_cell_for_a_non_warming_ip() -> None:
    assert warmup_cell(None) == ("", "muted")


def test_widget_css_uses_theme_variables_only() -> None:
    for widget in (WarmupPanel, WarmupCard, WarmupChart):
        assert "#" not in widget.DEFAULT_CSS


@pytest.mark.parametrize("today", [MID_WARMUP, LAST_DAY], ids=["mid-warmup", "last-day"])
def test_snapshot_on_the_sample_data(snap_compare: Callable[..., bool], today: date) -> None:
    assert snap_compare(PanelHost(sample_progress(today)), terminal_size=(120, 40))
