"""Hostile theme files in the config dir: each is one failure with its reason, never a hang, a
crash or a stylesheet error; the default theme stays."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from ipdash.ui.themes import MAX_THEME_BYTES, load_themes

HOSTILE: dict[str, Callable[[Path], None]] = {}


def hostile(name: str) -> Callable[[Callable[[Path], None]], Callable[[Path], None]]:
    def register(make: Callable[[Path], None]) -> Callable[[Path], None]:
        HOSTILE[name] = make
        return make

    return register


@hostile("deep.yaml")
def _deep(path: Path) -> None:
    path.write_text("name: deep\nprimary: '#fff'\nvariables: " + "[" * 20_000 + "]" * 20_000 + "\n")


@hostile("css.yaml")
def _css(path: Path) -> None:
    path.write_text("name: css\nprimary: 'red; } Screen { display: none; } X {'\n")


@hostile("css-variable.yaml")
def _css_variable(path: Path) -> None:
    path.write_text("name: cssvar\nprimary: '#fff'\nvariables:\n  footer-key-foreground: 'red; } Screen {'\n")


@hostile("huge.yaml")
def _huge(path: Path) -> None:
    with path.open("wb") as handle:  # 60 MB, sparse: nothing is written but the size
        handle.truncate(60 * 1024 * 1024)


@hostile("bomb.yaml")
def _bomb(path: Path) -> None:
    lines = ["name: bomb", "primary: '#fff'", 'a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{i}: &a{i} [{','.join(['*a' + str(i - 1)] * 9)}]" for i in range(1, 10)]
    path.write_text("\n".join(lines) + "\n")


@hostile("fifo.yaml")
def _fifo(path: Path) -> None:
    os.mkfifo(path)


@hostile("zero.yaml")
def _zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_each_hostile_theme_is_one_failure(tmp_path: Path, repo: Path, name: str) -> None:
    HOSTILE[name](tmp_path / name)
    themes, failures = load_themes([repo / "themes", tmp_path])
    assert [path.name for path, _ in failures] == [name]
    assert "ipdash-dark" in themes and len(themes) == 3  # the shipped ones, nothing else
    reason = failures[0][1]
    assert reason and "\n" not in reason and len(reason) < 300


def test_the_reasons_say_what_is_wrong(tmp_path: Path) -> None:
    for name in ("huge.yaml", "fifo.yaml", "zero.yaml", "bomb.yaml", "css-variable.yaml", "deep.yaml"):
        HOSTILE[name](tmp_path / name)
    _, failures = load_themes([tmp_path])
    reasons = {path.name: reason for path, reason in failures}
    assert f"larger than {MAX_THEME_BYTES // 1024} KiB" in reasons["huge.yaml"]
    assert reasons["fifo.yaml"] == "not a regular file"
    assert reasons["zero.yaml"] == "not a regular file"
    assert "aliases" in reasons["bomb.yaml"]
    assert "footer-key-foreground" in reasons["css-variable.yaml"]
    assert reasons["deep.yaml"] == "nested too deeply"


def test_style_words_and_colours_still_work_as_variables(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text(
        "name: ok\nprimary: '#fff'\nvariables:\n  block-cursor-text-style: reverse bold\n"
        "  block-cursor-background: 'rgb(10, 20, 30)'\n"
    )
    themes, failures = load_themes([tmp_path])
    assert failures == [] and themes["ok"].variables["block-cursor-text-style"] == "reverse bold"
