"""`ipdash sources test` and `ipdash poll --once` end to end: TOML config, loopback APIs, store, alerts."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ipdash.cli import main_group
from ipdash.sources.store import SqliteStore

from .fakeapi import FIXTURES, FakeApi, Reply, fixture

DATA = (FIXTURES / "microsoft-snds/data.csv").read_bytes()
STATUS = (FIXTURES / "microsoft-snds/ipstatus.csv").read_bytes()


def write_config(tmp_path: Path, api: FakeApi, *, alerts: str = "") -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[store]
path = "history.sqlite3"
retention_days = 36500  # the documented examples are from 2015-2020

[[sources]]
kind = "sendgrid"
name = "sg"
api_key_env = "TEST_SG_KEY"
base_url = "{api.base_url}"

[[sources]]
kind = "snds"
name = "snds"
api_key_env = "TEST_SNDS_KEY"
base_url = "{api.base_url}"
{alerts}
"""
    )
    return config


def routes(api: FakeApi, status: bytes = STATUS) -> None:
    api.route("GET", "/v3/ips", fixture("sendgrid/ips-list.json"))
    api.route("GET", "/v3/stats", fixture("sendgrid/stats-global.json"))
    api.route("GET", "/snds/data.aspx", Reply(body=DATA))
    api.route("GET", "/snds/ipStatus.aspx", Reply(body=status))


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_SG_KEY", "sg-secret-xyz")
    monkeypatch.setenv("TEST_SNDS_KEY", "snds-secret-xyz")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main_group, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_sources_test_all_working(tmp_path: Path, api: FakeApi, env: None) -> None:
    routes(api)
    code, out, _ = run("sources", "test", "--config", str(write_config(tmp_path, api)), "--format", "json")
    assert code == 0, out
    report = json.loads(out)
    assert [(s["source"], s["status"]) for s in report["sources"]] == [("sg", "ok"), ("snds", "ok")]
    assert not (tmp_path / "history.sqlite3").exists()  # a test stores nothing


def test_sources_test_names_the_missing_variable_and_exits_1(
    tmp_path: Path, api: FakeApi, env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    routes(api)
    monkeypatch.delenv("TEST_SNDS_KEY")
    code, out, _ = run("sources", "test", "--config", str(write_config(tmp_path, api)))
    assert code == 1
    assert "✓ ok" in out and "✗ config" in out and "TEST_SNDS_KEY" in out
    assert "sg-secret-xyz" not in out


def test_invalid_config_is_exit_2_naming_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[[sources]]\nkind = "mailgun"\napi_key_env = "K"\nregion = "mars"\n')
    code, _, err = run("sources", "test", "--config", str(config))
    assert code == 2
    assert f"{config}: sources[0].region" in err


def test_poll_once_writes_the_store_and_reports_failures_as_incomplete(
    tmp_path: Path, api: FakeApi, env: None
) -> None:
    routes(api)
    config = write_config(tmp_path, api)
    code, out, _ = run("poll", "--once", "--config", str(config))
    assert code == 0, out
    with SqliteStore(tmp_path / "history.sqlite3") as store:
        dataset = store.load()
        assert set(dataset.facts) == {"192.168.1.1", "208.115.214.22"}
        assert len(dataset.snds) == 3 and len(dataset.listings) == 12
    api.route("GET", "/v3/ips", Reply(401, json={"errors": [{"message": "authorization required"}]}))
    code, out, _ = run("poll", "--once", "--config", str(config), "--format", "json")
    assert code == 3
    assert json.loads(out)["sources"][0]["failure"] == "auth"
    with SqliteStore(tmp_path / "history.sqlite3") as store:
        assert len(store.load().facts) == 2  # history kept while the source is failing
        runs = {run.source: run for run in store.source_runs()}
        assert runs["sg"].failure_kind == "auth" and runs["snds"].ok


def test_alerts_once_per_condition_then_recovery(tmp_path: Path, api: FakeApi, env: None) -> None:
    sink = tmp_path / "alerts.jsonl"
    script = f"import sys; open({str(sink)!r}, 'a').write(sys.stdin.read() + '\\n')"
    alerts = (
        f'\n[alerts]\ncommand = {json.dumps([sys.executable, "-c", script])}\nmin_severity = "critical"\n'
    )
    config = write_config(tmp_path, api, alerts=alerts)
    routes(api, status=b"1.1.1.2,1.1.1.2,Yes,Blocked due to user complaints\r\n")

    def sent() -> list[dict[str, object]]:
        return [json.loads(line) for line in sink.read_text().splitlines()] if sink.exists() else []

    assert run("poll", "--once", "--config", str(config))[0] == 0
    first = sent()
    keys = sorted(str(a["key"]) for a in first)
    # 1.1.1.2 is blocked by SNDS and RED in its data feed: two critical conditions.
    assert keys == ["listing:snds:1.1.1.2:snds-blocked", "snds:snds:1.1.1.2"]
    assert all(a["event"] == "alert" and a["severity"] == "critical" for a in first)
    assert run("poll", "--once", "--config", str(config))[0] == 0
    assert len(sent()) == 2  # nothing new: no repeat

    api.route("GET", "/snds/ipStatus.aspx", Reply(500, body="down"))
    run("poll", "--once", "--config", str(config))
    assert len(sent()) == 2  # a failing source recovers nothing

    api.route("GET", "/snds/ipStatus.aspx", Reply(body=b""))
    assert run("poll", "--once", "--config", str(config))[0] == 0
    recoveries = [a for a in sent() if a["event"] == "recovery"]
    assert [a["key"] for a in recoveries] == ["listing:snds:1.1.1.2:snds-blocked"]
    assert str(recoveries[0]["text"]).startswith("✓ ipdash recovered")


def test_webhook_gets_slack_compatible_json(tmp_path: Path, api: FakeApi, env: None, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TEST_WEBHOOK", f"{api.base_url}/hooks/secret-path")
    api.route("POST", "/hooks/secret-path", Reply(200, body="ok"))
    config = write_config(tmp_path, api, alerts='\n[alerts]\nwebhook_url_env = "TEST_WEBHOOK"\n')
    routes(api, status=b"1.1.1.0,1.1.1.0,Yes,Blocked\r\n")
    assert run("poll", "--once", "--config", str(config))[0] == 0
    posts = [call.json() for call in api.calls("POST", "/hooks/secret-path")]
    assert posts and all(set(post) == {"text"} for post in posts)
    assert any("1.1.1.0 listed on snds-blocked" in post["text"] for post in posts)


def test_a_source_that_stops_answering_is_alerted_then_recovers(
    tmp_path: Path, api: FakeApi, env: None
) -> None:
    sink = tmp_path / "alerts.jsonl"
    script = f"import sys; open({str(sink)!r}, 'a').write(sys.stdin.read() + '\\n')"
    config = write_config(
        tmp_path, api, alerts=f"\n[alerts]\ncommand = {json.dumps([sys.executable, '-c', script])}\n"
    )
    routes(api, status=b"")

    def sent(event: str) -> list[dict[str, object]]:
        lines = sink.read_text().splitlines() if sink.exists() else []
        return [
            a for a in map(json.loads, lines) if a["event"] == event and str(a["key"]).startswith("source:")
        ]

    run("poll", "--once", "--config", str(config))
    assert sent("alert") == []
    api.route("GET", "/snds/ipStatus.aspx", Reply(500, body="down"))
    run("poll", "--once", "--config", str(config))
    [alert] = sent("alert")  # the TUI's alerts panel shows the same condition (sources.alerts)
    assert alert["key"] == "source:snds" and alert["severity"] == "warning"
    assert "stale" in str(alert["title"])
    api.route("GET", "/snds/ipStatus.aspx", Reply(body=b""))
    run("poll", "--once", "--config", str(config))
    assert [a["key"] for a in sent("recovery")] == ["source:snds"]
