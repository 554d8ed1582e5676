"""One analysis, one truth (issue 9), end to end on the loopback DNS server: the TUI and `report` give
the same verdicts for the same data and stored check results; a resolver that cannot answer changes
no score and raises no finding; stored results never leak into another dataset; a Spamhaus listing
pauses warm-up on every surface."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from dnsbl_loopback_server import SILENCE, DnsScript, LoopbackDnsServer, ZoneSpec, listed, reversed_labels

from ipdash.cli import main_group
from ipdash.domain.analysis import Analysis
from ipdash.exit_codes import EXIT_INCOMPLETE
from ipdash.sources.config_file import load_config
from ipdash.sources.loader import plan_from_inputs
from ipdash.ui.app import IpdashApp
from ipdash.ui.widgets.breach_feed import BreachFeed
from ipdash.ui.widgets.ip_table import IpTable
from settling import settle

LISTED_IP = "203.0.113.20"  # the sample's bad-import IP
WARMING_IP = "198.51.100.11"  # the sample's warming IP


def write_config(tmp_path: Path, server: LoopbackDnsServer, *extra: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        "[blocklists]\n"
        'zones = ["spamhaus-zen", "spamcop"]\n'
        f'nameserver = "{server.nameserver}"\n'
        "timeout_seconds = 0.3\n"
        "deadline_seconds = 20\n" + "".join(extra)
    )
    return path


def healthy_lists(script: DnsScript, *listed_ips: str) -> None:
    zen = script.add_zone(ZoneSpec("zen.spamhaus.org"))
    script.add_zone(ZoneSpec("bl.spamcop.net"))
    for ip in listed_ips:
        zen.entries[reversed_labels(ip)] = listed("127.0.0.2", txt="https://check.spamhaus.org/")


async def run(*args: str) -> tuple[int, str, str]:
    """The CLI as a script runs it (in a thread: it runs its own event loop)."""

    def invoke() -> tuple[int, str, str]:
        result = CliRunner().invoke(main_group, list(args), catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return await asyncio.to_thread(invoke)


def per_ip(ips: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    return {
        ip["ip"]: (
            ip["score"],
            ip["band"],
            len(ip["breaches"]),
            ip["sent"],
            ip["bounce_rate"],
            ip["complaint_rate"],
            (ip["warmup"] or {}).get("status"),
            ip["blocklists"]["status"],
        )
        for ip in ips
    }


def tui_per_ip(analysis: Analysis) -> dict[str, tuple[Any, ...]]:
    from ipdash.domain.dnsbl.summary import summarise

    return {
        ip: (
            a.score.value,
            a.score.band.value,
            len(a.breaches),
            a.metrics.totals.sent if a.volume_known else None,
            a.metrics.totals.bounce_rate,
            a.metrics.totals.complaint_rate,
            a.warmup.state.value if a.warmup else None,
            summarise(a.checks.result.blocklists).overall.value if a.checks else "not-checked",
        )
        for ip, a in analysis.ips.items()
    }


async def tui_analysis(config_path: Path, *csv: Path) -> IpdashApp:
    config, found_at = load_config(config_path)
    app = IpdashApp(
        plan_from_inputs(list(csv), config, False, found_at),
        clock=lambda: datetime.now(UTC),
        watch_files=False,
    )
    return app


async def test_the_tui_and_report_give_the_same_verdicts(
    tmp_path: Path, script: DnsScript, server: LoopbackDnsServer
) -> None:
    healthy_lists(script, LISTED_IP)
    script.add_ptr(LISTED_IP, "mta20.mail.example")
    config = write_config(tmp_path, server)
    code, out, err = await run("report", "--config", str(config), "--checks", "--format", "json")
    checked = per_ip(json.loads(out)["ips"])
    assert code == 1, err
    assert checked[LISTED_IP][7] == "listed"
    code, out, _ = await run("report", "--config", str(config), "--format", "json")  # the stored results now
    stored = per_ip(json.loads(out)["ips"])
    assert stored == checked
    app = await tui_analysis(config)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert app.data is not None
        assert tui_per_ip(app.data.analysis) == stored
        table = app.dashboard.query_one(IpTable)
        assert table.row_data[LISTED_IP].blocklist is not None
        assert "listed" in table.row_data[LISTED_IP].blocklist[0]
        feed = app.dashboard.query_one(BreachFeed).items
        assert len(feed) == len(app.data.analysis.feed)
        # lines that are no IP's own: the sample accounts', and the DMARC reports' unknown sources
        other_lines = sum(1 for item in app.data.analysis.feed if item.kind in ("account", "unknown-source"))
        assert sum(len(a.breaches) for a in app.data.analysis.ips.values()) + other_lines == len(feed)


@pytest.mark.parametrize("resolver", ["never answers", "NXDOMAIN for everything"])
async def test_a_resolver_that_cannot_answer_changes_no_score_and_raises_no_finding(
    tmp_path: Path, script: DnsScript, server: LoopbackDnsServer, resolver: str
) -> None:
    if resolver == "never answers":
        script.otherwise = SILENCE
    config = write_config(tmp_path, server)
    app = await tui_analysis(config)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert app.data is not None
        before = {ip: a.score.value for ip, a in app.data.analysis.ips.items()}
        feed_before = len(app.data.analysis.feed)
        app._notifications.clear()
        await pilot.press("b")
        await settle(pilot)
        after = app.data.analysis
        assert {ip: a.score.value for ip, a in after.ips.items()} == before
        assert not [item for item in after.feed if item.kind in ("rdns", "listing")]
        assert len(after.feed) == feed_before
        cells = {ip: row.blocklist for ip, row in app.dashboard.query_one(IpTable).row_data.items()}
        assert all(cell is not None and cell[0].startswith("?") for cell in cells.values()), cells
        assert all(not a.checks.rdns_judged for a in after.ips.values() if a.checks)  # type: ignore[union-attr]
        notes = [str(n.message) for n in app._notifications]
        assert not [n for n in app._notifications if n.severity == "error"], notes
        assert len(notes) <= 2 and any("incomplete" in note for note in notes), notes
    code, out, _ = await run("check", "--config", str(config), "198.51.100.10", "--format", "json")
    assert code == EXIT_INCOMPLETE, out
    rdns = json.loads(out)["results"][0]["rdns"]
    assert rdns["fcrdns"] == "temperror"


async def test_stored_results_never_leak_into_another_dataset(
    tmp_path: Path, script: DnsScript, server: LoopbackDnsServer
) -> None:
    healthy_lists(script, LISTED_IP)
    config = write_config(tmp_path, server)
    assert (await run("report", "--config", str(config), "--checks"))[
        0
    ] == 1  # stores results for the sample IPs
    mine = tmp_path / "mine.csv"
    mine.write_text("date,ip,sent,bounced\n2026-11-20,192.0.2.77,5000,5\n")
    code, out, _ = await run("report", "--config", str(config), "--csv", str(mine), "--format", "json")
    data = json.loads(out)
    assert [ip["ip"] for ip in data["ips"]] == ["192.0.2.77"]
    assert data["ips"][0]["blocklists"]["status"] == "not-checked" and code == 0
    app = await tui_analysis(config, mine)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert app.data is not None
        assert set(app.data.analysis.ips) == {"192.0.2.77"}
        assert {item.ip for item in app.dashboard.query_one(BreachFeed).items} <= {"192.0.2.77"}


async def test_a_spamhaus_listing_pauses_warm_up_in_the_tui_and_warmup_status(
    tmp_path: Path, script: DnsScript, server: LoopbackDnsServer
) -> None:
    healthy_lists(script, WARMING_IP)
    config = write_config(tmp_path, server)
    await run("report", "--config", str(config), "--checks")
    code, out, _ = await run("warmup", "status", "--config", str(config), "--format", "json")
    status = {ip["ip"]: ip for ip in json.loads(out)["ips"]}
    assert json.loads(out)["blocklists_checked"] is True
    assert status[WARMING_IP]["next_step"]["action"] == "pause", status[WARMING_IP]
    assert code == 1
    app = await tui_analysis(config)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert app.data is not None
        warmup = app.data.analysis.ips[WARMING_IP].warmup
        assert warmup is not None and warmup.next_step.action.value == "pause"
        feed = app.dashboard.query_one(BreachFeed).items
        assert any(i.ip == WARMING_IP and "paused (Spamhaus)" in i.what for i in feed)
