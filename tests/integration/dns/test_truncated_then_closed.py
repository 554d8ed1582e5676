"""A truncated UDP reply, then a TCP connection the server closes without answering: the lookup is
unknown with its reason (never an uncaught EOFError), `ipdash check` reports it and exits 3, and the
TUI's blocklist service keeps the results that arrived when a run is cancelled."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from click.testing import CliRunner
from dnsbl_loopback_server import SILENCE, DnsScript, LoopbackDnsServer, Reply, ZoneSpec, reversed_labels

from ipdash.cli import main_group
from ipdash.domain.dnsbl.lookups import Rcode
from ipdash.domain.dnsbl.results import TargetResult
from ipdash.domain.dnsbl.settings import Nameserver
from ipdash.sources.dns.client import DnsClient
from ipdash.sources.dns.service import BlocklistChecks
from ipdash.sources.dns.store import ResultsStore

#: Over 512 bytes (dnspython never truncates below that): the server sets TC over UDP.
MANY = tuple(f"127.0.0.{i}" for i in range(2, 42))
TRUNCATED_THEN_CLOSED = Reply(addresses=MANY, udp_truncate=True, tcp_close=True)


async def test_the_lookup_is_unknown_with_its_reason(
    script: DnsScript, server: LoopbackDnsServer, nameserver: Nameserver
) -> None:
    script.add("2.0.0.127.zen.example", "A", TRUNCATED_THEN_CLOSED)
    script.add("ok.example", "A", Reply(addresses=("127.0.0.9",)))
    async with DnsClient(nameserver) as client:
        outcome = await client.lookup("2.0.0.127.zen.example", wait=0.5)
        after = await client.lookup("ok.example", wait=0.5)  # the client goes on working
    assert outcome.rcode is Rcode.FAILURE
    assert outcome.detail.startswith(f"TCP to {nameserver} failed: ") and "closed" in outcome.detail
    assert after.values == ("127.0.0.9",)
    assert server.transport_count("tcp") >= 1


def test_ipdash_check_reports_unknown_and_exits_3(
    script: DnsScript, server: LoopbackDnsServer, tmp_path: Path
) -> None:
    zen = script.add_zone(ZoneSpec("zen.spamhaus.org"))
    zen.entries[reversed_labels("198.51.100.5")] = TRUNCATED_THEN_CLOSED
    script.add_ptr("198.51.100.5", "mail5.example.com")
    config = tmp_path / "config.toml"
    config.write_text('[blocklists]\nzones = ["spamhaus-zen"]\ntimeout_seconds = 0.5\n', encoding="utf-8")
    argv = ["check", "--config", str(config), "--nameserver", server.nameserver, "198.51.100.5"]
    result = CliRunner().invoke(main_group, [*argv, "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 3, result.output  # unknown, not 1 (a finding) and not "Aborted!"
    (zone,) = json.loads(result.output)["results"][0]["blocklists"]
    assert zone["status"] == "unknown" and zone["cause"] == "failure", zone
    assert "TCP to" in zone["reason"] and "closed" in zone["reason"]
    table = CliRunner().invoke(main_group, argv, catch_exceptions=False)
    assert table.exit_code == 3 and "Aborted" not in table.output and "Traceback" not in table.output


async def test_a_cancelled_run_keeps_the_results_that_arrived(
    script: DnsScript, server: LoopbackDnsServer, tmp_path: Path
) -> None:
    zen = script.add_zone(ZoneSpec("zen.spamhaus.org"))
    zen.entries[reversed_labels("198.51.100.7")] = SILENCE  # this IP's check never finishes in time
    script.add_ptr("198.51.100.6", "mail6.example.com")
    script.add_ptr("198.51.100.7", "mail7.example.com")
    blocklists = {"zones": ["spamhaus-zen"], "nameserver": server.nameserver, "timeout_seconds": 30}
    store = tmp_path / "checks.json"
    service = BlocklistChecks(blocklists, store_path=store)
    first = asyncio.Event()
    arrived: list[TargetResult] = []

    def on_result(result: TargetResult) -> None:
        arrived.append(result)
        first.set()

    run = asyncio.ensure_future(service.check(["198.51.100.6", "198.51.100.7"], on_result=on_result))
    await first.wait()  # the ready state: one IP's result is in
    run.cancel()
    await asyncio.gather(run, return_exceptions=True)
    await service.aclose()
    assert [result.target for result in arrived] == ["198.51.100.6"]
    assert list(ResultsStore(store).load().results) == ["198.51.100.6"]
