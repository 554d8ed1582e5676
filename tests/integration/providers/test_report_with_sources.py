"""`ipdash report --config` polls every provider source once (loopback APIs) and merges it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .fakeapi import FakeApi, Reply
from .test_commands import env, routes, run, write_config  # noqa: F401 - fixtures and helpers


def test_report_polls_sources_and_lists_every_ip_they_know(tmp_path: Path, api: FakeApi, env: None) -> None:  # noqa: F811
    routes(api)
    code, out, err = run("report", "--config", str(write_config(tmp_path, api)), "--format", "json")
    assert code in (0, 1), err
    report = json.loads(out)
    ips = {entry["ip"] for entry in report["ips"]}
    # SendGrid's documented IP list and SNDS's fixture IPs, even without sending volume.
    assert "1.1.1.0" in ips
    sendgrid_ips = json.loads((Path(__file__).parent / "fixtures/sendgrid/ips-list.json").read_text())["body"]
    assert {entry["ip"] for entry in sendgrid_ips} <= ips
    sources = {s["name"]: s["state"] for s in report["sources"]}
    assert sources["sg"] == "fresh" and sources["snds"] == "fresh"
    assert "sg-secret-xyz" not in out and "snds-secret-xyz" not in out


def test_a_failing_source_marks_the_report_incomplete(
    tmp_path: Path,
    api: FakeApi,
    env: None,  # noqa: F811
) -> None:
    routes(api)
    api.route(
        "GET",
        "/v3/ips",
        Reply(status=401, body=b'{"errors":[{"field":null,"message":"authorization required"}]}'),
    )
    code, out, _ = run("report", "--config", str(write_config(tmp_path, api)), "--format", "json")
    report = json.loads(out)
    states = {s["name"]: (s["state"], s["detail"]) for s in report["sources"]}
    assert states["sg"][0] in ("failed", "stale") and "auth" in states["sg"][1]
    assert states["snds"][0] == "fresh"
    assert code == 3, "no critical breach, but a source could not be read: incomplete"


@pytest.mark.parametrize(
    "bad", ['[[sources]]\nkind = "nope"\nname = "x"\n', '[[sources]]\nkind = "sendgrid"\n']
)
def test_a_bad_sources_table_is_a_usage_error(tmp_path: Path, bad: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(bad)
    code, _, err = run("report", "--config", str(config))
    assert code == 2
    assert str(config) in err and "sources[0]" in err
