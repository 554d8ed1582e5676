"""Both install modes find the bundled sample data and themes, from any directory.

The wheel carries them under ipdash/_bundled; an editable install reads them from
the checkout. The wheel is installed into a throwaway venv that borrows this
environment's dependencies (no network), and run from an unrelated directory.
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    return next(out.glob("ipdash-*.whl"))


def test_wheel_bundles_sample_data_and_themes(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "ipdash/_bundled/sample_data/stats.csv",
        "ipdash/_bundled/sample_data/snds.csv",
        "ipdash/_bundled/sample_data/ips.toml",
        "ipdash/_bundled/themes/ipdash-dark.yaml",
        "ipdash/_bundled/themes/ipdash-light.yaml",
        "ipdash/_bundled/themes/ipdash-high-contrast.yaml",
        "ipdash/data/threshold_presets.json",
        "ipdash/ui/ipdash.tcss",
    ):
        assert expected in names, expected


def test_installed_wheel_runs_on_sample_data_from_any_directory(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    # Borrow this environment's dependencies by path. A path listed in a .pth file is not itself
    # scanned for .pth files, so this checkout's editable-install hook stays out.
    new_site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (new_site / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # pip from this environment installs into the new venv; --no-deps: dependencies come from site-packages.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            "--force-reinstall",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run(
        [
            str(python),
            "-c",
            "import ipdash.sources.paths as p; print(p.sample_data_dir()); print(p.bundled_themes_dir())",
        ],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert all("_bundled" in path and str(REPO) not in path for path in where), where
    result = subprocess.run(
        [str(env_dir / "bin" / "ipdash"), "report", "--format", "json"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr  # the sample data has critical breaches
    assert len(json.loads(result.stdout)["ips"]) == 9


def test_editable_checkout_finds_the_repo_folders() -> None:
    from ipdash.sources import paths

    assert paths.sample_data_dir() == REPO / "sample_data"
    assert paths.bundled_themes_dir() == REPO / "themes"
