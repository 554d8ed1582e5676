"""`ipdash check` end to end against the loopback server: JSON shape, table, exit codes 0/1/2/3."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from dnsbl_loopback_server import SILENCE, DnsScript, LoopbackDnsServer, ZoneSpec, listed, reversed_labels

from ipdash.cli import main_group


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        '[blocklists]\nzones = ["spamhaus-zen", "spamcop"]\ntimeout_seconds = 0.3\n', encoding="utf-8"
    )
    return path


@pytest.fixture
def lists(script: DnsScript) -> tuple[ZoneSpec, ZoneSpec]:
    zen = script.add_zone(ZoneSpec("zen.spamhaus.org"))
    spamcop = script.add_zone(ZoneSpec("bl.spamcop.net"))
    zen.entries[reversed_labels("198.51.100.66")] = listed(
        "127.0.0.2", "127.0.0.4", txt="[b]Listed[/b] see SBL"
    )
    spamcop.entries[reversed_labels("198.51.100.77")] = SILENCE
    script.add_ptr("198.51.100.1", "mail.example.com")
    script.add_ptr("198.51.100.66", "mail.example.com", forward=False)
    script.add_ptr("198.51.100.77", "mail77.example.com")
    return zen, spamcop


def invoke(config: Path, server: LoopbackDnsServer, *args: str) -> Result:
    argv = ["check", "--config", str(config), "--nameserver", server.nameserver, *args]
    return CliRunner().invoke(main_group, argv, catch_exceptions=False)


def test_clean_target_exits_0_with_the_issue_json_shape(
    lists: tuple[ZoneSpec, ZoneSpec], server: LoopbackDnsServer, config: Path
) -> None:
    result = invoke(config, server, "198.51.100.1", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["resolver"] == server.nameserver
    assert data["summary"] | {} == data["summary"]
    assert {k: data["summary"][k] for k in ("listed", "clean", "error", "unknown", "skipped")} == {
        "listed": 0,
        "clean": 2,
        "error": 0,
        "unknown": 0,
        "skipped": 0,
    }
    (target,) = data["results"]
    assert target["target"] == "198.51.100.1" and target["kind"] == "ip"
    for item in target["blocklists"]:
        assert {"zone", "name", "status", "codes", "meanings", "reason", "txt"} <= set(item)
        assert item["status"] == "clean" and item["checked_at"].endswith("+00:00")
    assert target["rdns"]["fcrdns"] == "pass" and target["rdns"]["ptr"] == ["mail.example.com"]
    assert target["rdns"]["generic"] is False


def test_listing_exits_1(lists: tuple[ZoneSpec, ZoneSpec], server: LoopbackDnsServer, config: Path) -> None:
    result = invoke(config, server, "198.51.100.66", "--format", "json")
    assert result.exit_code == 1
    zen = json.loads(result.output)["results"][0]["blocklists"][0]
    assert zen["status"] == "listed" and zen["codes"] == ["127.0.0.2", "127.0.0.4"]
    assert zen["txt"] == "Listed see SBL"


def test_unknown_without_listing_exits_3(
    lists: tuple[ZoneSpec, ZoneSpec], server: LoopbackDnsServer, config: Path
) -> None:
    result = invoke(config, server, "198.51.100.77", "--format", "json", "--timeout", "0.1")
    assert result.exit_code == 3
    spamcop = json.loads(result.output)["results"][0]["blocklists"][1]
    assert spamcop["status"] == "unknown" and spamcop["cause"] == "timeout"


def test_failing_rdns_is_a_finding(
    lists: tuple[ZoneSpec, ZoneSpec], server: LoopbackDnsServer, config: Path
) -> None:
    assert invoke(config, server, "198.51.100.2").exit_code == 1  # no PTR: permerror
    assert invoke(config, server, "198.51.100.2", "--no-rdns").exit_code == 0


def test_table_output_has_words_and_symbols(
    lists: tuple[ZoneSpec, ZoneSpec], server: LoopbackDnsServer, config: Path
) -> None:
    result = invoke(
        config, server, "198.51.100.66", "198.51.100.77", "--timeout", "1.0"
    )  # the silent list times out; the others answer even on a busy machine
    assert result.exit_code == 1
    assert f"resolver: {server.nameserver}" in result.output
    assert "✗ listed" in result.output and "? unknown" in result.output
    assert "198.51.100.77: no block listing on 1 of 2, 1 not checked (timeout ×1)" in result.output
    assert "rDNS ✗ fail" in result.output
    assert "overall: listed on 1 of 4, 1 not checked (timeout ×1)" in result.output


def test_cidr_and_raw_zones(
    lists: tuple[ZoneSpec, ZoneSpec], server: LoopbackDnsServer, config: Path
) -> None:
    result = invoke(
        config, server, "198.51.100.64/30", "--zones", "zen.spamhaus.org", "--no-rdns", "--format", "json"
    )
    data = json.loads(result.output)
    assert [r["target"] for r in data["results"]] == [f"198.51.100.{i}" for i in range(64, 68)]
    assert all(len(r["blocklists"]) == 1 for r in data["results"])
    assert result.exit_code == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("198.51.100.0/23",), "bad target '198.51.100.0/23': block larger than /24"),
        (("198.51.100.1", "not_a_host!"), "bad target 'not_a_host!'"),
        ((), "give at least one TARGET"),
        (("198.51.100.1", "--zones", "no such zone"), "zone 'no such zone'"),
        (("198.51.100.1", "--zones", " , ,,"), "--zones names no list"),
        (
            ("198.51.100.1", "--zones", ",".join(f"bl{i}.example.net" for i in range(501))),
            "at most 500 lists",
        ),
        # FloatRange lets NaN through: every probe "timed out" and the resolver was called silent.
        (("198.51.100.1", "--timeout", "nan"), "not a number"),
        # A scoped IPv6 address raised a traceback and exited 1 (a "finding").
        (("fe80::1%eth0",), "zone index"),
        (("198.51.100.1", "--zones", "x" * 5000), "…': not a catalog name"),
    ],
)
def test_usage_errors_exit_2_naming_the_problem(
    lists: tuple[ZoneSpec, ZoneSpec],
    server: LoopbackDnsServer,
    config: Path,
    args: tuple[str, ...],
    message: str,
) -> None:
    result = CliRunner().invoke(
        main_group, ["check", "--config", str(config), "--nameserver", server.nameserver, *args]
    )
    assert result.exit_code == 2
    assert message in result.output
    assert server.total_queries() == 0


@pytest.mark.parametrize("nameserver", ["dns.example.com", "127.0.0.1:0", "[::1"])
def test_bad_nameserver_is_a_usage_error(config: Path, nameserver: str) -> None:
    result = CliRunner().invoke(
        main_group, ["check", "--config", str(config), "--nameserver", nameserver, "198.51.100.1"]
    )
    assert result.exit_code == 2
    assert "nameserver" in result.output


def test_bad_blocklists_config_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[blocklists]\nconcurrency = 0\n", encoding="utf-8")
    result = CliRunner().invoke(main_group, ["check", "--config", str(path), "198.51.100.1"])
    assert result.exit_code == 2 and "blocklists.concurrency" in result.output


def test_key_from_the_environment_is_used_and_never_printed(
    script: DnsScript, server: LoopbackDnsServer, tmp_path: Path
) -> None:
    key = "TopSecretKeyValue42"
    dqs = script.add_zone(ZoneSpec(f"{key.lower()}.zen.dq.spamhaus.net"))
    dqs.entries[reversed_labels("198.51.100.9")] = listed("127.0.0.2", txt=f"see https://x.example/{key}")
    path = tmp_path / "config.toml"
    path.write_text(
        '[blocklists]\nzones = ["spamhaus-dqs-zen"]\n[blocklists.keys.spamhaus-dqs]\nkey_env = "MY_DQS"\n'
    )
    runner = CliRunner(env={"MY_DQS": key})
    for output_format in ("json", "table"):
        result = runner.invoke(
            main_group,
            [
                "check",
                "--config",
                str(path),
                "--nameserver",
                server.nameserver,
                "--no-rdns",
                "198.51.100.9",
                "--format",
                output_format,
            ],
        )
        assert result.exit_code == 1, result.output
        assert key not in result.output and key.lower() not in result.output.lower()
        assert "<key>.zen.dq.spamhaus.net" in result.output


def test_list_zones(config: Path) -> None:
    result = CliRunner().invoke(
        main_group,
        ["check", "--config", str(config), "--list-zones", "--nameserver", "127.0.0.1", "--format", "json"],
    )
    assert result.exit_code == 0
    zones = {z["id"]: z for z in json.loads(result.output)["zones"]}
    assert zones["sorbs"]["status"] == "defunct" and zones["sorbs"]["defunct_since"] == "2024-06-05"
    assert zones["spamhaus-dqs-zen"]["zone"] == "<key>.zen.dq.spamhaus.net"
    assert zones["dronebl"]["verified"] == "2026-12-01" and zones["dronebl"]["sources"]
    assert zones["s5h"]["default"] is False and "false positives" in zones["s5h"]["demoted"]
    assert zones["uceprotect-1"]["lookup_evidence"] == "operator"
    assert zones["dronebl"]["lookup_evidence"] == "other-tools"
    assert zones["nether-relays"]["lookup_evidence"] is None, "no page, no evidence to state"
    table = CliRunner().invoke(
        main_group, ["check", "--config", str(config), "--list-zones", "--nameserver", "127.0.0.1"]
    )
    assert "verified" in table.output and "https://nordspam.com/usage" in table.output
    # an entry nobody could confirm says so, and why, in both forms
    assert zones["virusfree-bip"]["verified"] is None and zones["virusfree-bip"]["unverified_reason"]
    assert zones["dronebl"]["unverified_reason"] is None
    assert "unverified: no operator documentation" in " ".join(table.output.split())


def test_private_addresses_get_a_row_and_are_asked_only_with_include_private(
    lists: tuple[ZoneSpec, ZoneSpec], server: LoopbackDnsServer, config: Path
) -> None:
    result = invoke(config, server, "10.0.0.5", "--no-rdns", "--format", "json")
    rows = json.loads(result.output)["results"][0]["blocklists"]
    assert [(r["id"], r["status"], r["cause"]) for r in rows] == [
        ("spamhaus-zen", "skipped", "not applicable"),
        ("spamcop", "skipped", "not applicable"),
    ]
    assert "private address (RFC 1918)" in rows[0]["reason"]
    assert server.total_queries() == 0
    insisted = invoke(config, server, "10.0.0.5", "--no-rdns", "--include-private", "--format", "json")
    assert insisted.exit_code == 0, insisted.output
    assert {r["status"] for r in json.loads(insisted.output)["results"][0]["blocklists"]} == {"clean"}


def test_a_listing_row_links_to_the_lists_lookup_page(
    lists: tuple[ZoneSpec, ZoneSpec], server: LoopbackDnsServer, config: Path
) -> None:
    result = invoke(config, server, "198.51.100.66", "--no-rdns")
    assert result.exit_code == 1, result.output
    assert "look up / delist: https://check.spamhaus.org/" in result.output
    data = json.loads(invoke(config, server, "198.51.100.66", "--no-rdns", "--format", "json").output)
    zen = next(r for r in data["results"][0]["blocklists"] if r["id"] == "spamhaus-zen")
    assert zen["lookup_url"] == "https://check.spamhaus.org/"
    assert zen["lookup_evidence"] == "operator"


def test_a_lookup_address_from_other_tools_is_shown_with_its_caveat(
    script: DnsScript, server: LoopbackDnsServer, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[blocklists]\nzones = ["psbl"]\ntimeout_seconds = 0.3\n', encoding="utf-8")
    psbl = script.add_zone(ZoneSpec("psbl.surriel.com"))
    psbl.entries[reversed_labels("198.51.100.66")] = listed("127.0.0.2")
    result = invoke(config, server, "198.51.100.66", "--no-rdns")
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert (
        "https://psbl.org/listing?ip=198.51.100.66 (address from other tools, not the list's own pages)"
        in text
    )
    data = json.loads(invoke(config, server, "198.51.100.66", "--no-rdns", "--format", "json").output)
    assert data["results"][0]["blocklists"][0]["lookup_evidence"] == "other-tools"


def test_json_output_is_the_stdlib_encoders_text_with_hostile_txt(
    script: DnsScript, server: LoopbackDnsServer, config: Path
) -> None:
    """orjson writes the report: the text must be what ``json.dumps(indent=2)`` gives for it, control
    characters, quotes, backslashes and non-ASCII in a list's TXT included."""
    from ipdash.commands._output import dumps_json

    zen = script.add_zone(ZoneSpec("zen.spamhaus.org"))
    script.add_zone(ZoneSpec("bl.spamcop.net"))
    zen.entries[reversed_labels("198.51.100.66")] = listed("127.0.0.2", txt='a "q" \\ ü\x1f\x7f\u2028 😀')
    result = invoke(config, server, "198.51.100.66", "--format", "json", "--no-rdns")
    assert result.exit_code == 1, result.output
    assert result.output == dumps_json(json.loads(result.output)) + "\n"


def test_the_report_is_never_formatted_as_text_at_loop_shutdown(
    lists: tuple[ZoneSpec, ZoneSpec], server: LoopbackDnsServer, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Python 3.11's asyncio.run formats its SIGINT handler, which holds the main task and so its result:
    the check's main task returns None, so a /24's report (~1 MB of repr) is never built."""
    from ipdash.domain.dnsbl.results import CheckReport

    formatted: list[int] = []

    def counted(self: CheckReport) -> str:  # reprlib swallows exceptions, so count the calls
        formatted.append(1)
        return "CheckReport(…)"

    monkeypatch.setattr(CheckReport, "__repr__", counted)
    result = invoke(config, server, "198.51.100.1", "--format", "json", "--no-rdns")
    assert result.exit_code == 0, result.output
    assert formatted == []


def test_a_zone_too_long_for_its_test_points_is_a_row_not_a_traceback(
    lists: tuple[ZoneSpec, ZoneSpec], server: LoopbackDnsServer, config: Path
) -> None:
    """A valid zone name of 190 characters: an IPv6 target's 63-character prefix (and the zone's IPv6
    test points) do not fit in 253. The probe names raised TargetError out of the run (exit 1)."""
    zone = ".".join(["a" * 60] * 3) + ".example"
    result = invoke(
        config, server, "2001:db8::1", "198.51.100.1", "--zones", zone, "--no-rdns", "--format", "json"
    )
    assert result.exit_code == 3, result.output
    rows = {r["target"]: r["blocklists"][0] for r in json.loads(result.output)["results"]}
    assert rows["2001:db8::1"]["status"] == "skipped" and rows["2001:db8::1"]["cause"] == "name too long"
    assert rows["198.51.100.1"]["status"] == "unknown", "the zone answers nothing (its health is unknown)"


def test_every_verdict_has_a_machine_status_and_a_human_reason(
    script: DnsScript, server: LoopbackDnsServer, tmp_path: Path
) -> None:
    """Issue 17's "done means": listed, clean, error, unknown and skipped rows (and each target's
    verdict) all carry a status from the vocabulary and a reason; a listing links to the list's page."""
    from dnsbl_loopback_server import SERVFAIL

    config = tmp_path / "config.toml"
    config.write_text("[blocklists]\ntimeout_seconds = 0.5\n", encoding="utf-8")
    zen = script.add_zone(ZoneSpec("zen.spamhaus.org"))
    spamcop = script.add_zone(ZoneSpec("bl.spamcop.net"))
    psbl = script.add_zone(ZoneSpec("psbl.surriel.com"))
    zen.entries[reversed_labels("198.51.100.66")] = listed("127.0.0.2")
    spamcop.entries[reversed_labels("198.51.100.66")] = listed("127.255.255.254")
    psbl.entries[reversed_labels("198.51.100.66")] = SERVFAIL
    zones = "spamhaus-zen,spamcop,psbl,dbl.spamhaus.org"
    args = ("198.51.100.66", "198.51.100.1", "10.0.0.1", "--zones", zones, "--no-rdns", "--format", "json")
    data = json.loads(invoke(config, server, *args).output)
    rows = [(r["target"], z) for r in data["results"] for z in r["blocklists"]]
    assert {z["status"] for _, z in rows} == {"listed", "clean", "error", "unknown", "skipped"}
    for target, row in rows:
        assert isinstance(row["reason"], str) and row["reason"].strip(), (target, row)
        assert row["status"] in ("listed", "clean", "error", "unknown", "skipped")
        if row["status"] == "listed":
            assert row["lookup_url"] == "https://check.spamhaus.org/"
    for result in data["results"]:
        assert result["verdict"]["status"] and result["verdict"]["reason"].strip()
