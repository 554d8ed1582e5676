"""Shared fixtures: the repo paths, and an app factory with a frozen clock and no file watching."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FROZEN_NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real user's config, themes or data."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.delenv("IPDASH_CONFIG", raising=False)


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def make_app() -> Callable[..., object]:
    from ipdash.sources.loader import sample_plan
    from ipdash.ui.app import IpdashApp

    def factory(plan: object = None, **kwargs: object) -> IpdashApp:
        options: dict[str, object] = {
            "clock": lambda: FROZEN_NOW,
            "theme_dirs": [REPO / "themes"],
            "watch_files": False,
        }
        options.update(kwargs)
        return IpdashApp(plan or sample_plan(), **options)  # type: ignore[arg-type]

    return factory
