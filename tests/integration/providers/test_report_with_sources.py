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
    # SNDS all GREEN, nothing blocked: no finding, so the failing source decides the exit code.
    green = b"1.1.1.0,12/31/2019 8:00 AM,9/29/2020 9:00 PM,14129,14129,13025,GREEN,< 0.1%,,,0,,,\r\n"
    api.route("GET", "/snds/data.aspx", Reply(body=green))
    api.route("GET", "/snds/ipStatus.aspx", Reply(body=b""))
    code, out, _ = run("report", "--config", str(write_config(tmp_path, api)), "--format", "json")
    report = json.loads(out)
    states = {s["name"]: (s["state"], s["detail"]) for s in report["sources"]}
    assert states["sg"][0] in ("failed", "stale") and "auth" in states["sg"][1]
    assert states["snds"][0] == "fresh"
    assert not [b for ip in report["ips"] for b in ip["breaches"]]
    assert code == 3, "no finding, but a source could not be read: incomplete"


def test_snds_red_and_blocked_ips_are_findings(tmp_path: Path, api: FakeApi, env: None) -> None:  # noqa: F811
    """The documented SNDS sample has RED days, trap hits and a blocked IP: breaches, exit 1."""
    routes(api)
    code, out, _ = run("report", "--config", str(write_config(tmp_path, api)), "--format", "json")
    kinds = {(b["kind"], b["severity"]) for ip in json.loads(out)["ips"] for b in ip["breaches"]}
    assert ("snds", "critical") in kinds
    assert code == 1


@pytest.mark.parametrize(
    "bad", ['[[sources]]\nkind = "nope"\nname = "x"\n', '[[sources]]\nkind = "sendgrid"\n']
)
def test_a_bad_sources_table_is_a_usage_error(tmp_path: Path, bad: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(bad)
    code, _, err = run("report", "--config", str(config))
    assert code == 2
    assert str(config) in err and "sources[0]" in err
