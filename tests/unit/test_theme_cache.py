"""The theme cache: an unchanged file is not parsed again, an edited one is; a cached mapping is
validated as a fresh parse is; a broken, foreign or unwritable cache only means parsing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import ipdash.ui.themes as themes_module
from ipdash.ui.themes import load_themes

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts parsed with PyYAML (a cache hit parses nothing)."""
    seen: list[str] = []
    real = themes_module.parse_theme_text

    def counting(text: str) -> object:
        seen.append(text)
        return real(text)

    monkeypatch.setattr(themes_module, "parse_theme_text", counting)
    return seen


def test_the_second_load_parses_nothing_and_gives_the_same_themes(tmp_path: Path, parses: list[str]) -> None:
    cache = tmp_path / "cache" / "themes.json"
    first, failures = load_themes([REPO / "themes"], cache)
    assert len(parses) == 3 and failures == [] and cache.exists()
    second, failures = load_themes([REPO / "themes"], cache)
    assert len(parses) == 3 and failures == []
    assert second == first


def test_an_edited_file_is_parsed_again(tmp_path: Path, parses: list[str]) -> None:
    cache = tmp_path / "themes.json"
    theme = tmp_path / "themes" / "mine.yaml"
    theme.parent.mkdir()
    theme.write_text("name: mine\nprimary: '#ff0000'\n")
    load_themes([theme.parent], cache)
    theme.write_text("name: mine\nprimary: '#00ff00'\n")  # same size, maybe the same mtime
    themes, _ = load_themes([theme.parent], cache)
    assert len(parses) == 2
    assert themes["mine"].primary == "#00ff00"


def test_a_broken_file_gives_the_same_reason_from_the_cache(tmp_path: Path, parses: list[str]) -> None:
    cache = tmp_path / "themes.json"
    folder = tmp_path / "themes"
    folder.mkdir()
    (folder / "junk.yaml").write_text(": : :\n\t- [")
    (folder / "bad.yaml").write_text("name: bad\nprimary: not-a-colour\n")
    _, fresh = load_themes([folder])
    _, first = load_themes([folder], cache)
    _, cached = load_themes([folder], cache)
    assert fresh == first == cached and len(cached) == 2
    assert len(parses) == 4  # without the cache twice, with it once: the second run parsed nothing


def test_a_tampered_cache_entry_is_still_validated(tmp_path: Path) -> None:
    cache = tmp_path / "themes.json"
    folder = tmp_path / "themes"
    folder.mkdir()
    text = "name: mine\nprimary: '#ff0000'\n"
    (folder / "mine.yaml").write_text(text)
    load_themes([folder], cache)
    data = json.loads(cache.read_text())
    data["files"][str(folder / "mine.yaml")]["fields"]["variables"] = {"x": "red; } Screen { color: red"}
    cache.write_text(json.dumps(data))
    themes, failures = load_themes([folder], cache)
    assert "mine" not in themes and "variables.'x'" in failures[0][1]


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not json",
        b"[1, 2]",
        b'{"version": 99, "files": {}}',
        b'{"version": 1, "files": [1]}',
        b"\xff\xfe",
    ],
)
def test_an_unreadable_or_foreign_cache_means_parsing(
    tmp_path: Path, parses: list[str], content: bytes
) -> None:
    cache = tmp_path / "themes.json"
    cache.write_bytes(content)
    themes, failures = load_themes([REPO / "themes"], cache)
    assert failures == [] and len(themes) == 3 and len(parses) == 3
    assert json.loads(cache.read_text())["version"] == 1  # rewritten


def test_a_cache_that_cannot_be_written_is_left_alone(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    themes, failures = load_themes([REPO / "themes"], blocker / "themes.json")
    assert failures == [] and len(themes) == 3


def test_a_mapping_json_cannot_carry_is_not_kept(tmp_path: Path, parses: list[str]) -> None:
    cache = tmp_path / "themes.json"
    folder = tmp_path / "themes"
    folder.mkdir()
    (folder / "dated.yaml").write_text("name: dated\nprimary: '#ff0000'\ndescription: 2026-11-21\n")
    _, first = load_themes([folder], cache)
    _, second = load_themes([folder], cache)
    assert first == second and "description: must be text" in first[0][1]
    assert len(parses) == 2  # a date is not JSON: parsed each time, never a string from the cache


def test_entries_of_removed_files_are_dropped(tmp_path: Path) -> None:
    cache = tmp_path / "themes.json"
    folder = tmp_path / "themes"
    folder.mkdir()
    (folder / "a.yaml").write_text("name: a\nprimary: '#ff0000'\n")
    (folder / "b.yaml").write_text("name: b\nprimary: '#ff0000'\n")
    load_themes([folder], cache)
    (folder / "b.yaml").unlink()
    load_themes([folder], cache)
    assert list(json.loads(cache.read_text())["files"]) == [str(folder / "a.yaml")]
