"""Small files the user names (a config, an answers file, a zone snapshot) are read without
trusting the name: a FIFO or a device is refused at once, a huge file is never read whole."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import ipdash
from ipdash.sources.accounts_file import read_accounts_file
from ipdash.sources.auth.snapshot import SnapshotError, SnapshotResolver
from ipdash.sources.config_file import ConfigError, load_config
from ipdash.sources.csv_stats import CsvReadError
from ipdash.sources.facts_file import read_facts_file
from ipdash.sources.small_files import FileTooLarge, read_small_regular_file, size_text


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def zero(path: Path) -> Path:
    path.symlink_to("/dev/zero")
    return path


def _memory_cap() -> None:
    """A regression reading /dev/zero whole fails with MemoryError, not by filling the machine."""
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


HOSTILE: dict[str, Callable[[Path], Path]] = {"fifo": fifo, "/dev/zero": zero}


@pytest.mark.parametrize(
    ("limit", "text"), [(64 * 1024, "64 KiB"), (16 << 20, "16 MiB"), (1_000_000, "1,000,000 bytes")]
)
def test_size_text(limit: int, text: str) -> None:
    assert size_text(limit) == text


def test_a_file_at_the_limit_is_read_one_byte_over_is_not(tmp_path: Path) -> None:
    path = tmp_path / "f.toml"
    path.write_text("x" * 10)
    assert read_small_regular_file(path, 10) == "x" * 10
    with pytest.raises(FileTooLarge, match="larger than 9 bytes"):
        read_small_regular_file(path, 9)


@pytest.mark.parametrize("kind", HOSTILE)
def test_fifos_and_devices_are_refused_without_blocking(tmp_path: Path, kind: str) -> None:
    with pytest.raises(ValueError, match="not a regular file"):
        read_small_regular_file(HOSTILE[kind](tmp_path / "f"), 1024)


@pytest.mark.parametrize("kind", HOSTILE)
def test_config_and_snapshot_refuse_them_naming_the_file(tmp_path: Path, kind: str) -> None:
    path = HOSTILE[kind](tmp_path / "config.toml")
    with pytest.raises(ConfigError, match=rf"^{path}: not a regular file$"):
        load_config(path)
    with pytest.raises(SnapshotError, match="not a regular file"):
        SnapshotResolver.from_file(path)


@pytest.mark.parametrize("kind", HOSTILE)
def test_facts_and_accounts_files_refuse_them(tmp_path: Path, kind: str) -> None:
    path = HOSTILE[kind](tmp_path / "ips.toml")
    with pytest.raises(CsvReadError, match="not a regular file"):
        read_facts_file(path)
    with pytest.raises(OSError, match="not a regular file"):
        read_accounts_file(path)


def test_a_huge_config_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ipdash.sources.config_file.MAX_TOML_BYTES", 1024)
    path = tmp_path / "config.toml"
    path.write_text("# " + "x" * 2000 + "\n")
    with pytest.raises(ConfigError, match="larger than 1 KiB"):
        load_config(path)


@pytest.mark.parametrize("kind", HOSTILE)
@pytest.mark.parametrize(
    "args",
    [
        ("report", "--config", "{path}"),
        ("check", "192.0.2.1", "--config", "{path}"),
        ("recommend", "--answers", "{path}"),
        ("report", "--csv", "{path}"),
        ("report", "--mta-log", "{path}"),
    ],
    ids=["report --config", "check --config", "recommend --answers", "report --csv", "report --mta-log"],
)
def test_whole_process_exits_2_at_once(tmp_path: Path, kind: str, args: tuple[str, ...]) -> None:
    """Before, each of these read /dev/zero or waited on the FIFO for ever."""
    path = HOSTILE[kind](tmp_path / "named.toml")
    command = [sys.executable, "-m", "ipdash", *(arg.format(path=path) for arg in args)]
    env = {**os.environ, "PYTHONPATH": str(Path(ipdash.__file__).parents[1])}
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env, preexec_fn=_memory_cap
    )
    assert result.returncode == 2, result.stderr
    assert f"{path}: " in result.stderr and "not a regular file" in result.stderr
    assert "Traceback" not in result.stderr
