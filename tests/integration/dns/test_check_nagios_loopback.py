"""`ipdash check --format nagios` against the loopback DNS server: status line, perfdata, exit 0/2/3."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from dnsbl_loopback_server import SILENCE, DnsScript, LoopbackDnsServer, ZoneSpec, listed, reversed_labels

from ipdash.cli import main_group


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('[blocklists]\nzones = ["spamhaus-zen", "spamcop"]\ntimeout_seconds = 0.3\n')
    return path


@pytest.fixture(autouse=True)
def lists(script: DnsScript) -> None:
    zen = script.add_zone(ZoneSpec("zen.spamhaus.org"))
    spamcop = script.add_zone(ZoneSpec("bl.spamcop.net"))
    zen.entries[reversed_labels("198.51.100.66")] = listed("127.0.0.2")
    spamcop.entries[reversed_labels("198.51.100.77")] = SILENCE
    for address in ("198.51.100.1", "198.51.100.66", "198.51.100.77"):
        script.add_ptr(
            address, "mail.example.com" if address == "198.51.100.1" else f"m{address[-2:]}.example.com"
        )


def invoke(config: Path, server: LoopbackDnsServer, *targets: str) -> Result:
    argv = [
        "check",
        "--config",
        str(config),
        "--nameserver",
        server.nameserver,
        "--no-rdns",
        "--format",
        "nagios",
    ]
    return CliRunner().invoke(main_group, [*argv, *targets], catch_exceptions=False)


def test_clean_is_ok(config: Path, server: LoopbackDnsServer) -> None:
    result = invoke(config, server, "198.51.100.1")
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first.startswith(
        "IPDASH OK - 1 target(s) clean on 2 list answers | 'listed'=0;;0;0;2 'clean'=2;;;0;2"
    )


def test_a_listing_is_critical_and_named(config: Path, server: LoopbackDnsServer) -> None:
    result = invoke(config, server, "198.51.100.1", "198.51.100.66")
    assert result.exit_code == 2
    first, *details = result.output.splitlines()
    assert (
        first.startswith("IPDASH CRITICAL - 1 listing(s): 198.51.100.66 on ") and "'listed'=1;;0;0;4" in first
    )
    assert any(line.startswith("198.51.100.66 listed on") for line in details)


def test_an_unanswered_list_is_unknown_never_ok(config: Path, server: LoopbackDnsServer) -> None:
    result = invoke(config, server, "198.51.100.77")
    assert result.exit_code == 3
    assert result.output.startswith("IPDASH UNKNOWN - 1 list answer(s) missing")


def test_a_target_no_list_applies_to_is_not_called_clean(config: Path, server: LoopbackDnsServer) -> None:
    """A private address is not asked: the status line said "1 target(s) clean on 0 list answers"."""
    alone = invoke(config, server, "10.0.0.1")
    assert alone.exit_code == 3
    first, *details = alone.output.splitlines()
    assert first.startswith("IPDASH UNKNOWN - 1 target(s) not checked, no list applies: 10.0.0.1 |")
    assert "clean" not in first.split("|")[0]
    assert details[0].startswith("10.0.0.1 not checked: not applicable: 10.0.0.1 is a private address")
    mixed = invoke(config, server, "10.0.0.1", "198.51.100.1")
    assert mixed.exit_code == 3
    assert mixed.output.startswith(
        "IPDASH UNKNOWN - 1 target(s) not checked, no list applies: 10.0.0.1; "
        "1 target(s) clean on 2 list answers |"
    )
