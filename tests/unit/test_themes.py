"""Theme files: the shipped ones load; broken, hostile or odd ones are refused with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from ipdash.ui.themes import load_theme_file, load_themes

REPO = Path(__file__).resolve().parents[2]


def test_every_shipped_theme_loads() -> None:
    themes, failures = load_themes([REPO / "themes"])
    assert failures == []
    assert set(themes) == {"ipdash-dark", "ipdash-light", "ipdash-high-contrast"}
    assert themes["ipdash-light"].dark is False


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "mapping"),
        ("- a\n- b\n", "mapping"),
        ("name: x\n", "primary: required"),
        ("primary: '#fff'\n", "name: required"),
        ("name: Bad Name\nprimary: '#fff'\n", "name: required"),
        ("name: x\nprimary: not-a-colour\n", "primary: not a colour"),
        ("name: x\nprimary: '#fff'\nerror: '#12'\n", "error: not a colour"),
        ("name: x\nprimary: '#fff'\ndark: maybe\n", "dark: must be true or false"),
        ("name: x\nprimary: '#fff'\nvariables: [1, 2]\n", "variables"),
        ("name: x\nprimary: '#fff'\ncolour_of_sky: blue\n", "unknown field"),
        ("name: x\nprimary: [\n", "invalid YAML"),
        ("name: !!python/object/apply:os.system ['echo hi']\nprimary: '#fff'\n", "invalid YAML"),
    ],
)
def test_bad_theme_files_say_why(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(text)
    with pytest.raises(ValueError, match=reason):
        load_theme_file(path)


def test_binary_and_huge_files_fail_cleanly(tmp_path: Path) -> None:
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    huge = tmp_path / "huge.yaml"
    huge.write_text("name: x\nprimary: '#fff'\ndescription: '" + "a" * 2_000_000 + "'\n")
    themes, failures = load_themes([tmp_path])
    reasons = {path.name: reason for path, reason in failures}
    assert set(reasons) == {"binary.yaml", "huge.yaml"}
    assert "larger than 64 KiB" in reasons["huge.yaml"]  # never read whole, never parsed
    assert "x" not in themes


def test_a_user_theme_overrides_a_shipped_one_by_name(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text("name: ipdash-dark\nprimary: '#ff0000'\n")
    themes, _ = load_themes([REPO / "themes", tmp_path])
    assert themes["ipdash-dark"].primary == "#ff0000"
