"""The import boundary domain <- sources <- ui, and headless commands staying headless."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_import_linter_contracts_hold() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    "module",
    ["ipdash.domain.models", "ipdash.domain.metrics", "ipdash.sources.csv_stats", "ipdash.cli"],
)
def test_headless_modules_do_not_load_textual(module: str) -> None:
    code = f"import sys, {module}; bad = [m for m in ('textual', 'rich') if m in sys.modules]; print(bad)"
    if module == "ipdash.cli":
        code = f"import sys, {module}; bad = [m for m in ('textual',) if m in sys.modules]; print(bad)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_ruff_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "tui", "tests"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_domain_is_type_checked_strictly(tmp_path: Path) -> None:
    """The pure domain passes `mypy --strict`."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path), "tui/ipdash/domain"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_whole_package_is_type_checked(tmp_path: Path) -> None:
    """Sources, commands and the UI pass mypy with the project's settings (pyproject.toml)."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path), "tui/ipdash"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_first_frame_path_does_not_import_pydantic_or_the_judging_code() -> None:
    """Start-up time: the TUI's first frame needs Textual and labels, not the domain's models."""
    code = (
        "import sys, ipdash.ui.app; "
        "print([m for m in ('pydantic', 'ipdash.domain.config', 'ipdash.domain.thresholds', 'httpx', 'dns') "
        "if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
