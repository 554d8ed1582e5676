"""SVG snapshots of the wizard: a typed question, a choice question, and the Recommendation screen.

Deterministic: fixed measured defaults (no data loading), a frozen clock, the shipped
ipdash-dark theme, a fixed terminal size. Review the report before --snapshot-update.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from textual.app import App
from textual.pilot import Pilot

from ipdash.domain.advisor import MeasuredDefaults, Pattern
from ipdash.ui.screens.wizard import WizardScreen
from ipdash.ui.themes import load_themes

REPO = Path(__file__).resolve().parents[2]
FROZEN = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
EXPORTS = Path("/srv/reports/ipdash")
DEFAULTS = MeasuredDefaults(
    monthly_volume=420_000,
    sends_per_month=21,
    sending_days_per_week=5,
    pattern=Pattern.STEADY,
    bounce_rate=0.0095,
    complaint_rate=0.0006,
    basis={
        "monthly_volume": "sent 2026-10-22 to 2026-11-20",
        "sends_per_month": "21 days with mail 2026-10-22 to 2026-11-20",
        "sending_days_per_week": "21 days with mail 2026-10-22 to 2026-11-20",
        "pattern": "day-to-day variation 0.21 < 0.75",
    },
)


class WizardSnapshotApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        themes, _failures = load_themes([REPO / "themes"])
        for theme in themes.values():
            self.register_theme(theme)
        self.theme = "ipdash-dark"

    def on_mount(self) -> None:
        # The export path is shown on the result screen and never written (no `e` pressed).
        screen = WizardScreen(defaults=DEFAULTS, export_dir=EXPORTS, clock=lambda: FROZEN)
        self.push_screen(screen)


async def _settled(pilot: Pilot[None]) -> None:
    """Every pending message handled, twice: the step's widgets redraw after the state moves."""
    await pilot.pause()
    await pilot.pause()


async def _second_step(pilot: Pilot[None]) -> None:
    await pilot.pause()
    await pilot.press("enter")
    await _settled(pilot)


async def _pattern_step(pilot: Pilot[None]) -> None:
    await pilot.pause()
    await pilot.press("enter", "enter", "enter", "enter", "j")
    await _settled(pilot)


async def _result(pilot: Pilot[None]) -> None:
    await pilot.pause()
    await pilot.press("enter", "enter", "enter")  # measured volume, sends, days
    await pilot.press("enter", "enter")  # longest gap (skipped: from the cadence), measured pattern
    await pilot.press("1")  # both streams
    await pilot.press(*"20%", "enter")
    for _ in range(4):  # bounce, complaint (measured), unsubscribe (skipped), opt-in
        await pilot.press("enter")
    await pilot.press("enter", "1", "2")  # engagement skipped, not allowlisted, time-critical
    await pilot.press(*"ses", "enter")  # the provider list is filtered by typing
    await pilot.press(*"150", "enter", "1")  # budget, someone checks daily
    await _settled(pilot)


def test_question_step(snap_compare: Callable[..., bool]) -> None:
    assert snap_compare(WizardSnapshotApp(), terminal_size=(100, 32), run_before=_second_step)


def test_choice_step(snap_compare: Callable[..., bool]) -> None:
    assert snap_compare(WizardSnapshotApp(), terminal_size=(100, 32), run_before=_pattern_step)


def test_recommendation_screen(snap_compare: Callable[..., bool]) -> None:
    assert snap_compare(WizardSnapshotApp(), terminal_size=(100, 32), run_before=_result)


def test_recommendation_screen_with_assumptions_and_cost_breakdown(snap_compare: Callable[..., bool]) -> None:
    """Tall enough to show the warm-up sends, the assumptions, the cost parts with what each
    includes and excludes, and the provider comparison below the sender's own provider."""
    assert snap_compare(WizardSnapshotApp(), terminal_size=(140, 100), run_before=_result)
