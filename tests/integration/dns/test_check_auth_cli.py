"""`ipdash check DOMAIN --auth` end to end on loopback: the Interface JSON shape, the table, [[domains]]
config, --selectors, and exit codes 0 / 1 / 3 combined with the blocklist verdicts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from auth_fixtures import DOMAIN, SENDING_IP, compliant_domain
from click.testing import CliRunner, Result
from dnsbl_loopback_server import SILENCE, DnsScript, LoopbackDnsServer, ZoneSpec, listed
from policy_server import PolicyServer

from ipdash.cli import main_group

STATUSES = {"pass", "warn", "fail", "unknown"}
ENFORCE = "version: STSv1\nmode: enforce\nmx: *.example.com\nmax_age: 604800\n"


@pytest.fixture
def policy(monkeypatch: pytest.MonkeyPatch) -> Iterator[PolicyServer]:
    """The CLI fetches the policy from the loopback server, trusting only the test CA."""
    with PolicyServer(("mta-sts.example.com",)) as server:
        server.serve("mta-sts.example.com", ENFORCE)
        real = __import__("ipdash.sources.auth.lookups", fromlist=["Lookups"]).Lookups.__init__

        def loopback(self, resolver, **kwargs):  # type: ignore[no-untyped-def]
            real(self, resolver, **{**kwargs, "https_port": server.port, "verify": server.client_context()})

        monkeypatch.setattr("ipdash.sources.auth.lookups.Lookups.__init__", loopback)
        yield server


@pytest.fixture
def config(tmp_path: Path, script: DnsScript) -> Path:
    dbl = script.add_zone(ZoneSpec("dbl.spamhaus.org", domain_list=True))
    dbl.entries["dbltest.com"] = listed("127.0.1.2")  # the zone's health test point
    compliant_domain(script)
    script.answer_test_points()  # rDNS of the configured IP is judged only by a resolver proven to answer
    path = tmp_path / "config.toml"
    path.write_text(
        '[blocklists]\nzones = ["spamhaus-dbl"]\ntimeout_seconds = 0.3\n\n'
        f'[[domains]]\nname = "{DOMAIN}"\nselectors = ["s1"]\nips = ["{SENDING_IP}"]\n',
        encoding="utf-8",
    )
    return path


def invoke(config: Path, server: LoopbackDnsServer, *args: str) -> Result:
    argv = ["check", "--config", str(config), "--nameserver", server.nameserver, "--auth", *args]
    return CliRunner().invoke(main_group, argv, catch_exceptions=False)


def test_compliant_domain_json_has_the_interface_shape_and_exits_0(
    config: Path, server: LoopbackDnsServer, policy: PolicyServer
) -> None:
    result = invoke(config, server, DOMAIN, "--format", "json")
    assert result.exit_code == 0, result.output
    (target,) = json.loads(result.output)["results"]
    auth = target["auth"]
    assert {"status", "reason", "lookups", "void_lookups"} <= set(auth["spf"])
    assert auth["spf"]["status"] == "pass" and auth["spf"]["lookups"] == 1
    (dkim,) = auth["dkim"]
    assert {"selector", "status", "reason", "key_bits"} <= set(dkim) and dkim["key_bits"] == 2048
    assert {"status", "reason", "policy", "pct"} <= set(auth["dmarc"]) and auth["dmarc"]["policy"] == "reject"
    for key in ("bimi", "mta_sts", "tls_rpt"):
        assert auth[key]["status"] == "pass", auth[key]
    assert auth["requirements"]
    for line in auth["requirements"]:
        assert {"provider", "rule", "status", "source"} <= set(line) and line["status"] in STATUSES
    gmail = [line for line in auth["requirements"] if line["provider"] == "Gmail"]
    assert {line["rule_id"]: line["status"] for line in gmail}["ptr"] == "pass"  # rDNS of the configured IP
    assert auth["summary"]["gmail"].startswith("meets Gmail bulk-sender requirements: 5 of 5")


def test_a_failing_check_exits_1_and_the_table_says_why(
    config: Path, server: LoopbackDnsServer, policy: PolicyServer, script: DnsScript
) -> None:
    script.add_txt(DOMAIN, "v=spf1 +all")
    result = invoke(config, server, DOMAIN)
    assert result.exit_code == 1, result.output
    assert "✗ fail" in result.output and "+all authorises every host" in result.output
    assert "meets Gmail bulk-sender requirements" in result.output


def test_an_unknown_check_without_failure_exits_3(
    config: Path, server: LoopbackDnsServer, policy: PolicyServer, script: DnsScript
) -> None:
    script.add(f"_smtp._tls.{DOMAIN}", "TXT", SILENCE)
    result = invoke(config, server, DOMAIN, "--format", "json", "--timeout", "0.1")
    assert result.exit_code == 3, result.output
    auth = json.loads(result.output)["results"][0]["auth"]
    assert auth["tls_rpt"]["status"] == "unknown" and "timeout" in auth["tls_rpt"]["reason"]


def test_selectors_option_replaces_the_configured_ones(
    config: Path, server: LoopbackDnsServer, policy: PolicyServer
) -> None:
    result = invoke(config, server, DOMAIN, "--selectors", "s1,missing", "--format", "json")
    assert result.exit_code == 1
    dkim = json.loads(result.output)["results"][0]["auth"]["dkim"]
    assert [(d["selector"], d["status"]) for d in dkim] == [("s1", "pass"), ("missing", "fail")]


@pytest.mark.parametrize("args", [("198.51.100.1",), (DOMAIN, "--selectors", "bad selector!")])
def test_usage_errors_exit_2(config: Path, server: LoopbackDnsServer, args: tuple[str, ...]) -> None:
    result = invoke(config, server, *args)
    assert result.exit_code == 2


def test_without_auth_the_domain_result_has_no_auth_key(
    config: Path, server: LoopbackDnsServer, policy: PolicyServer
) -> None:
    argv = ["check", "--config", str(config), "--nameserver", server.nameserver, DOMAIN, "--format", "json"]
    result = CliRunner().invoke(main_group, argv, catch_exceptions=False)
    assert "auth" not in json.loads(result.output)["results"][0]
