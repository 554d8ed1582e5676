"""`ipdash poll --once` stores, after its polls, the report its viewers print: a [store]-only viewer
of the shared store prints it without analysing, byte for byte what its own analysis gives."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from providers.fakeapi import FakeApi, fixture

import ipdash.commands.report as report_module
from ipdash.cli import main_group
from postgres.test_poll_once_claims import config_for


@pytest.fixture
def api() -> Iterator[FakeApi]:
    with FakeApi() as server:
        yield server


def test_a_viewer_prints_the_report_the_poller_stored(
    tmp_path: Path, api: FakeApi, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.route("GET", "/v3/ips", fixture("sendgrid/ips-list.json"))
    api.route("GET", "/v3/stats", fixture("sendgrid/stats-global.json"))
    poller = config_for(tmp_path, api, pg_url)
    env = {**os.environ, "TEST_SG_KEY": "sg-key"}
    command = [sys.executable, "-m", "ipdash", "poll", "--once", "--config", str(poller)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    viewer = tmp_path / "viewer.toml"
    viewer.write_text(f'[store]\nurl = "{pg_url}"\nretention_days = 36500\n')
    analyses: list[Any] = []
    real = report_module.analyse_for_cli
    monkeypatch.setattr(report_module, "analyse_for_cli", lambda *a, **k: analyses.append(a) or real(*a, **k))
    args = ["report", "--config", str(viewer), "--format", "json"]
    shared = CliRunner().invoke(main_group, args, catch_exceptions=False)
    assert analyses == []  # the poller's
    analysed = CliRunner().invoke(main_group, [*args, "--reanalyse"], catch_exceptions=False)
    assert len(analyses) == 1
    assert shared.exit_code == analysed.exit_code
    assert '"ips": [\n    {' in shared.stdout  # the polled IPs are in it
    strip = lambda text: [line for line in text.splitlines() if '"generated_at"' not in line]  # noqa: E731
    assert strip(shared.stdout) == strip(analysed.stdout)
