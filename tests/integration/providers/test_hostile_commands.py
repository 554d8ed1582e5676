"""`poll --once`, `sources test` and alerts against hostile servers and commands, end to end:
no traceback, the right exit code, no secret in any output or store row, nothing lost."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from click.testing import CliRunner

from ipdash.cli import main_group
from ipdash.sources.store import SqliteStore

from .dripping import DrippingServer
from .fakeapi import FIXTURES, FakeApi, Reply, Seen, fixture

MG_KEY = "key-mailgun+secret/=="
SECRET_FORMS = [
    MG_KEY,
    quote(MG_KEY, safe=""),
    quote_plus(MG_KEY),
    base64.b64encode(f"api:{MG_KEY}".encode()).decode(),
    base64.b64encode(f"api:{MG_KEY}".encode()).decode().rstrip("="),
]
DATA = (FIXTURES / "microsoft-snds/data.csv").read_bytes()


def config_file(tmp_path: Path, mailgun_url: str, snds_url: str, extra: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[store]
path = "history.sqlite3"
retention_days = 36500

[[sources]]
kind = "mailgun"
name = "mg"
api_key_env = "TEST_MG_KEY"
base_url = "{mailgun_url}"
timeout = 60

[[sources]]
kind = "snds"
name = "snds"
api_key_env = "TEST_SNDS_KEY"
base_url = "{snds_url}"
{extra}
"""
    )
    return path


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_MG_KEY", MG_KEY)
    monkeypatch.setenv("TEST_SNDS_KEY", "snds-secret-xyz")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main_group, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def echo_credentials(seen: Seen) -> Reply:
    return Reply(
        401, json={"message": f"denied; you sent Authorization: {seen.headers.get('Authorization')}"}
    )


def snds_routes(api: FakeApi) -> None:
    api.route("GET", "/snds/data.aspx", Reply(body=DATA))
    api.route("GET", "/snds/ipStatus.aspx", Reply(body=b""))


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for form in SECRET_FORMS:
            assert form not in text


def test_an_echoed_credential_is_in_no_output_and_no_store_row(
    tmp_path: Path, api: FakeApi, env: None
) -> None:
    api.route("GET", "/v3/ips", echo_credentials)
    snds_routes(api)
    config = config_file(tmp_path, api.base_url, api.base_url)
    code, out, err = run("poll", "--once", "--config", str(config))
    assert code == 3 and "Basic ***" in out and "Traceback" not in out + err
    code_json, out_json, err_json = run("poll", "--once", "--config", str(config), "--format", "json")
    code_test, out_test, err_test = run("sources", "test", "--config", str(config))
    assert code_json == 3 and code_test != 0
    with SqliteStore(tmp_path / "history.sqlite3") as store:
        rows = [repr(run_) for run_ in store.source_runs()]
        assert len(store.load().snds) == 3  # the healthy source's data is kept
    assert_no_secret(out, err, out_json, err_json, out_test, err_test, *rows)


def test_sigterm_stops_poll_once_and_keeps_what_was_fetched(tmp_path: Path, api: FakeApi) -> None:
    snds_routes(api)
    with DrippingServer(every=0.2) as dripping:
        config = config_file(tmp_path, dripping.base_url, api.base_url)
        process = subprocess.Popen(
            [sys.executable, "-m", "ipdash", "poll", "--once", "--config", str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "TEST_MG_KEY": MG_KEY, "TEST_SNDS_KEY": "snds-secret-xyz"},
            text=True,
        )
        store_path = tmp_path / "history.sqlite3"
        while not _snds_saved(store_path):  # the ready state: the healthy source is in the store
            assert process.poll() is None
            subprocess.run(["sleep", "0.1"], check=True)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 3, err
    assert "Traceback" not in out + err
    assert "interrupted" in out
    with SqliteStore(store_path) as store:
        assert len(store.load().snds) == 3


def _snds_saved(path: Path) -> bool:
    if not path.exists():
        return False
    try:
        with SqliteStore(path) as store:
            return any(run_.source == "snds" and run_.ok for run_ in store.source_runs())
    except Exception:
        return False


def _alerting_config(tmp_path: Path, api: FakeApi, alerts: str) -> Path:
    api.route("GET", "/v3/ips", fixture("sendgrid/ips-list.json"))
    api.route("GET", "/snds/data.aspx", Reply(body=DATA))
    api.route(
        "GET", "/snds/ipStatus.aspx", Reply(body=b"1.1.1.2,1.1.1.2,Yes,Blocked due to user complaints\r\n")
    )
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[store]
path = "history.sqlite3"
retention_days = 36500

[[sources]]
kind = "snds"
name = "snds"
api_key_env = "TEST_SNDS_KEY"
base_url = "{api.base_url}"

[alerts]
min_severity = "critical"
timeout = 1
{alerts}
"""
    )
    return path


def test_a_command_that_backgrounds_a_child_is_delivered(tmp_path: Path, api: FakeApi, env: None) -> None:
    command = json.dumps(["sh", "-c", "cat > /dev/null; sleep 30 & exit 0"])
    config = _alerting_config(tmp_path, api, f"command = {command}")
    code, _out, err = run("poll", "--once", "--config", str(config))
    assert code == 0, err
    assert "not delivered" not in err and "Traceback" not in err and "Event loop is closed" not in err
    with SqliteStore(tmp_path / "history.sqlite3") as store:
        assert len(store.open_alerts()) == 2


def test_a_hanging_command_is_killed_with_its_group_and_poll_exits_3(
    tmp_path: Path, api: FakeApi, env: None
) -> None:
    pids = tmp_path / "pids"
    command = json.dumps(["sh", "-c", f"sleep 300 & echo $! >> {pids}; wait"])
    config = _alerting_config(tmp_path, api, f"command = {command}")
    code, _out, err = run("poll", "--once", "--config", str(config))
    assert code == 3
    assert err.count("no exit within 1 s, killed") == 2 and "Traceback" not in err
    for pid in pids.read_text().split():
        assert not _alive(int(pid))  # the backgrounded child went with its group
    with SqliteStore(tmp_path / "history.sqlite3") as store:
        assert store.open_alerts() == {}  # not delivered: retried next poll


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie waiting for its parent is gone for our purposes.
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()


def test_a_dripping_webhook_is_bounded_by_the_alert_timeout(
    tmp_path: Path, api: FakeApi, env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with DrippingServer(every=0.2) as dripping:
        monkeypatch.setenv("TEST_HOOK", f"{dripping.base_url}/hook?token=hook-secret")
        config = _alerting_config(tmp_path, api, 'webhook_url_env = "TEST_HOOK"')
        code, out, err = run("poll", "--once", "--config", str(config))
    assert code == 3
    assert "webhook: no answer within 1 s" in err and "hook-secret" not in out + err


@pytest.mark.parametrize(
    "value", ["nan", "inf", "-inf", "1e300", '"' + "9" * 400 + 'd"', '"1e999s"'], ids=str.strip
)
def test_absurd_intervals_are_one_line_config_errors(tmp_path: Path, value: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[[sources]]\nkind = "sendgrid"\napi_key_env = "K"\ninterval = {value}\n')
    for command in (["poll", "--once"], ["sources", "test"], ["report"]):
        code, out, err = run(*command, "--config", str(path))
        assert code == 2, (command, out, err)
        assert len(err.strip().splitlines()) == 1 and "interval" in err and "Traceback" not in err


def test_a_toml_nested_20000_deep_is_a_one_line_config_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("x = " + "[" * 20_000 + "]" * 20_000 + "\n")
    for command in (["poll", "--once"], ["report"]):
        code, _out, err = run(*command, "--config", str(path))
        assert code == 2 and len(err.strip().splitlines()) == 1 and "nested too deeply" in err
