"""`b` in the TUI, through dnspython, against the loopback DNS server: results arrive in the
table, the feed and the score; nothing touches a live list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from dnsbl_loopback_server import DnsScript, LoopbackDnsServer, ZoneSpec, listed, reversed_labels

from ipdash.domain.config import Config
from ipdash.sources.loader import sample_plan
from ipdash.ui.app import IpdashApp
from ipdash.ui.widgets.breach_feed import BreachFeed
from ipdash.ui.widgets.ip_table import IpTable
from settling import settle

LISTED_IP = "198.51.100.10"


async def test_b_checks_every_ip_and_results_reach_table_feed_and_score(
    script: DnsScript, server: LoopbackDnsServer
) -> None:
    zen = script.add_zone(ZoneSpec("zen.spamhaus.org"))
    script.add_zone(ZoneSpec("bl.spamcop.net"))
    zen.entries[reversed_labels(LISTED_IP)] = listed("127.0.0.2", txt="https://check.spamhaus.org/")
    script.add_ptr(LISTED_IP, "mta10.mail.acme-shop.example")
    config = Config(
        blocklists={
            "zones": ["spamhaus-zen", "spamcop"],
            "nameserver": server.nameserver,
            "timeout_seconds": 0.3,
        }
    )
    app = IpdashApp(
        sample_plan(config),
        clock=lambda: datetime(2026, 11, 21, 9, 0, tzinfo=UTC),
        watch_files=False,
    )
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert app.blocklists.checks is not None, app.blocklists.problem
        table = app.dashboard.query_one(IpTable)
        assert table.row_data[LISTED_IP].blocklist is None  # never checked: the "not checked" cell
        score_before = app.data.analysis.ips[LISTED_IP].score.value  # type: ignore[union-attr]
        await pilot.press("b")
        await settle(pilot)
        cell_text, tone = table.row_data[LISTED_IP].blocklist  # type: ignore[misc]
        assert "listed" in cell_text and tone == "bad"
        assert all(
            "clean" in table.row_data[ip].blocklist[0]  # type: ignore[index]
            for ip in table.row_data
            if ip != LISTED_IP and ":" not in ip
        )
        feed = app.dashboard.query_one(BreachFeed)
        assert any(
            item.ip == LISTED_IP and item.what.startswith("listed") and item.severity == "critical"
            for item in feed.items
        )
        analysis = app.data.analysis.ips[LISTED_IP]  # type: ignore[union-attr]
        assert analysis.score.value is not None and analysis.score.value <= 20 < (score_before or 100)
        assert any(gate.condition == "listed on Spamhaus" for gate in analysis.score.gates)
        assert server.total_queries() > 0


async def test_without_a_usable_resolver_b_explains_instead_of_guessing(
    make_app: Callable[..., IpdashApp],
) -> None:
    app = make_app(sample_plan(Config(blocklists={"nameserver": "not a host:port:x"})))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert app.blocklists.checks is None and app.blocklists.problem
        await pilot.press("b")
        await pilot.pause()
        assert any("Blocklist checks unavailable" in str(n.message) for n in app._notifications)
