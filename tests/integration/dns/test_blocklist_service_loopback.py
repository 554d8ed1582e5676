"""The TUI-side service: keeps results across restarts, turns new listings and rDNS failures into
findings once, knows which IPs are due for a polite re-check, and feeds the score signal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dnsbl_loopback_server import DnsScript, LoopbackDnsServer, ZoneSpec, listed, reversed_labels

from ipdash.domain.dnsbl.results import TargetResult
from ipdash.domain.dnsbl.score import FindingKind
from ipdash.domain.dnsbl.settings import BlocklistConfigError
from ipdash.sources.dns.service import BlocklistChecks


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def blocklists(script: DnsScript, server: LoopbackDnsServer) -> dict[str, object]:
    zen = script.add_zone(ZoneSpec("zen.spamhaus.org"))
    script.add_zone(ZoneSpec("bl.spamcop.net"))
    zen.entries[reversed_labels("198.51.100.2")] = listed("127.0.0.2")
    script.add_ptr("198.51.100.1", "mail.example.com")
    script.add_ptr("198.51.100.2", "mail2.example.com")
    return {"zones": ["spamhaus-zen", "spamcop"], "nameserver": server.nameserver, "timeout_seconds": 0.3}


async def test_findings_once_results_kept_and_due_after_the_interval(
    blocklists: dict[str, object], script: DnsScript, tmp_path: Path
) -> None:
    clock = Clock()
    store = tmp_path / "checks.json"
    service = BlocklistChecks(blocklists, store_path=store, now=clock)
    assert service.due(["198.51.100.1", "198.51.100.2"]) == ["198.51.100.1", "198.51.100.2"]
    arrived: list[TargetResult] = []
    run = await service.check(["198.51.100.1", "::ffff:198.51.100.2"], on_result=arrived.append)
    assert sorted(r.target for r in arrived) == ["198.51.100.1", "198.51.100.2"]
    assert [(f.kind, f.target) for f in run.findings] == [(FindingKind.NEW_LISTING, "198.51.100.2")]
    again = await service.check(["198.51.100.2"])
    assert again.findings == ()
    assert service.due(["198.51.100.1"]) == []
    clock.now += timedelta(hours=6)
    assert service.due(["198.51.100.1"]) == ["198.51.100.1"]
    signal = service.signal("198.51.100.2")
    assert (
        signal is not None
        and signal.spamhaus_listed
        and signal.checked_at == datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    )
    assert service.signal("203.0.113.1") is None
    await service.aclose()

    restarted = BlocklistChecks(blocklists, store_path=store, now=clock)
    assert set(restarted.results) == {"198.51.100.1", "198.51.100.2"}
    script.add("1.100.51.198.in-addr.arpa", "PTR", listed())  # PTR gone: rDNS now fails
    clock.now += timedelta(hours=1)
    run = await restarted.check(["198.51.100.1", "198.51.100.2"])
    assert [(f.kind, f.target) for f in run.findings] == [(FindingKind.RDNS_FAILURE, "198.51.100.1")]
    await restarted.aclose()


def test_bad_config_is_reported_by_key(tmp_path: Path) -> None:
    with pytest.raises(BlocklistConfigError, match=r"blocklists\.recheck_hours"):
        BlocklistChecks({"recheck_hours": 0, "nameserver": "127.0.0.1"}, store_path=tmp_path / "c.json")
