"""The first frame: with no config file `ipdash` paints its title bar and a loading line before
the dashboard's modules, the config models and the data engine are imported; then the same
dashboard, on the same data, as an app given its plan up front."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ipdash.sources.loader import LoadPlan, sample_plan
from ipdash.ui.app import IpdashApp
from ipdash.ui.screens.boot import BootScreen
from ipdash.ui.screens.dashboard import DashboardScreen
from settling import settle

FROZEN_NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


async def test_a_plan_made_in_the_boot_worker_shows_the_same_dashboard(repo: Path) -> None:
    release = threading.Event()

    def later() -> LoadPlan:
        release.wait(timeout=60)  # held until the boot screen has been looked at
        return sample_plan()

    app = IpdashApp(later, clock=lambda: FROZEN_NOW, theme_dirs=[repo / "themes"], watch_files=False,
                    origin="sample data")  # fmt: skip
    notes: list[str] = []
    app.notify = lambda message, **_: notes.append(str(message))  # type: ignore[method-assign]
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app.screen, BootScreen) and not app.booted
        assert "ipdash  sample data" in str(app.screen.query_one("#title-bar").render())
        await pilot.press("r", "b", "w", "right_square_bracket")  # need the plan: refused, nothing breaks
        assert isinstance(app.screen, BootScreen) and notes == []
        release.set()
        await settle(pilot)
        assert app.booted and isinstance(app.screen, DashboardScreen) and app.screen is app.dashboard
        assert app.data is not None and app.plan.is_sample
        assert len(app.data.analysis.ips) == 9
        assert app.dashboard.table.row_count == 9
        await pilot.press("r")  # now it reloads
        await settle(pilot)
        assert any("Reloading" in note for note in notes)


_FIRST_FRAME = """
import json, sys, textual.app
_display = textual.app.App._display
def display(self, screen, renderable):
    _display(self, screen, renderable)
    if renderable is not None and not getattr(self, "_probed", False):
        self._probed = True
        print(json.dumps({"screen": type(self.screen).__name__, "modules": sorted(sys.modules)}))
        self.exit()
_run = textual.app.App.run
def run(self, *args, **kwargs):
    kwargs.update(headless=True, size=(100, 30))
    return _run(self, *args, **kwargs)
textual.app.App._display, textual.app.App.run = display, run
sys.argv = ["ipdash"]
from ipdash.cli import main
main()
"""


@pytest.mark.parametrize("start", ["first", "second"])
def test_the_first_frame_imports_no_config_models_dashboard_or_engine(tmp_path: Path, start: str) -> None:
    env = {**os.environ, **{f"XDG_{kind}_HOME": str(tmp_path / kind) for kind in ("CONFIG", "DATA", "CACHE")}}
    env.pop("IPDASH_CONFIG", None)
    runs = 2 if start == "second" else 1  # the second start takes the themes from the cache: no PyYAML
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", _FIRST_FRAME], capture_output=True, text=True, env=env,
                              check=True, timeout=300)  # fmt: skip
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    modules = set(probe["modules"])
    assert probe["screen"] == "BootScreen"
    heavy = {
        "pydantic",
        "polars",
        "ipdash.domain.config",
        "ipdash.sources.loader",
        "ipdash.ui.screens.dashboard",
    }
    assert not heavy & modules
    assert ("yaml" in modules) == (start == "first")
