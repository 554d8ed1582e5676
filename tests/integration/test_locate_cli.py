"""`ipdash locate` names the real places: config (IPDASH_CONFIG wins), themes, data, sample data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ipdash.cli import main_group

REPO = Path(__file__).resolve().parents[2]


def run(*args: str) -> str:
    result = CliRunner().invoke(main_group, ["locate", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_all_locations_as_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    found = json.loads(run("--format", "json"))
    assert found["config"]["path"] == str(tmp_path / "cfg" / "ipdash" / "config.toml")
    assert found["config"]["exists"] is False
    assert found["bundled-themes"]["path"] == str(REPO / "themes") and found["bundled-themes"]["exists"]
    assert found["sample-data"]["exists"]


def test_one_location_for_scripts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("IPDASH_CONFIG", str(tmp_path / "mine.toml"))
    assert run("config").strip() == str(tmp_path / "mine.toml")


def test_unknown_location_is_a_usage_error() -> None:
    result = CliRunner().invoke(main_group, ["locate", "nowhere"])
    assert result.exit_code == 2
