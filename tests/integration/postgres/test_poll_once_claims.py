"""`ipdash poll --once` on a shared PostgreSQL store claims each source as the daemon does: a run
that starts while another is fetching a source, or within that source's interval after it, skips
the source (exit 0, said so) instead of fetching it a second time; ``--force`` waives the interval
but never the lock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from providers.fakeapi import FakeApi, fixture

from postgres.test_pollers import HeldStats


@pytest.fixture
def api() -> Iterator[FakeApi]:
    with FakeApi() as server:
        yield server


def config_for(tmp_path: Path, api: FakeApi, url: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[store]
url = "{url}"
retention_days = 36500  # the documented examples are from 2015-2020

[[sources]]
kind = "sendgrid"
name = "sg"
api_key_env = "TEST_SG_KEY"
base_url = "{api.base_url}"
interval = 3600
timeout = 120
"""
    )
    return path


def start(config: Path, *extra: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "ipdash", "poll", "--once", "--config", str(config), "--format", "json"]
    env = {**os.environ, "TEST_SG_KEY": "sg-key"}
    return subprocess.Popen(
        [*command, *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, dict[str, list[dict[str, object]]]]:
    out, err = process.communicate(timeout=120)
    assert out.strip(), err
    return process.returncode, json.loads(out)


def test_two_runs_never_fetch_one_source_twice_in_an_interval(
    tmp_path: Path, api: FakeApi, pg_url: str
) -> None:
    held = HeldStats()
    api.route("GET", "/v3/ips", fixture("sendgrid/ips-list.json"))
    api.route("GET", "/v3/stats", held)
    config = config_for(tmp_path, api, pg_url)
    first = start(config)
    try:
        assert held.held.wait(60), "the first run never asked for /v3/stats"
        # The first run holds sg's claim while its request is in flight: the second leaves sg alone.
        code, during = finish(start(config))
        assert code == 0
        assert during["sources"] == []
        [skipped] = during["skipped"]
        assert (skipped["source"], skipped["status"], skipped["reason"]) == (
            "sg",
            "skipped",
            "polled elsewhere now",
        )
    finally:
        held.release.set()
    code, polled = finish(first)
    assert code == 0 and [s["status"] for s in polled["sources"]] == ["ok"]
    # Within sg's interval (an hour) a later run skips it too, and says when it is due.
    code, later = finish(start(config))
    assert code == 0 and later["sources"] == []
    assert [s["reason"] for s in later["skipped"]] == ["polled elsewhere within the interval"]
    assert held.calls == 1
    # --force waives the interval (the lock is free now): sg is fetched again.
    code, forced = finish(start(config, "--force"))
    assert code == 0 and [s["status"] for s in forced["sources"]] == ["ok"] and forced["skipped"] == []
    assert held.calls == 2


def test_the_table_says_a_source_was_skipped(tmp_path: Path, api: FakeApi, pg_url: str) -> None:
    api.route("GET", "/v3/ips", fixture("sendgrid/ips-list.json"))
    api.route("GET", "/v3/stats", fixture("sendgrid/stats-global.json"))
    config = config_for(tmp_path, api, pg_url)
    assert finish(start(config))[0] == 0
    env = {**os.environ, "TEST_SG_KEY": "sg-key", "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-m", "ipdash", "poll", "--once", "--config", str(config)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "skipped" in done.stdout and "polled elsewhere within the interval" in done.stdout
    assert "--force" in done.stdout
