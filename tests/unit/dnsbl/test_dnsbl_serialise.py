"""The JSON shape the issue specifies, timestamps with offsets, and the store's round trip."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ipdash.domain.dnsbl.catalog import Catalog
from ipdash.domain.dnsbl.judge import judge_addresses, skipped
from ipdash.domain.dnsbl.lookups import nxdomain, records
from ipdash.domain.dnsbl.rdns import RdnsRules, judge_rdns
from ipdash.domain.dnsbl.results import CheckReport, TargetResult, ZoneResult
from ipdash.domain.dnsbl.serialise import report_to_json, target_from_json, target_to_json

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def target(catalog: Catalog, rules: RdnsRules) -> TargetResult:
    zen = ZoneResult.of(
        catalog.by_id["spamhaus-zen"],
        judge_addresses(catalog.by_id["spamhaus-zen"], ("127.0.0.2", "127.0.0.10")),
        checked_at=NOW,
        txt="https://check.spamhaus.org/",
    )
    skip = ZoneResult.of(catalog.by_id["sorbs"], skipped("defunct", "defunct"), checked_at=NOW)
    rdns = judge_rdns("198.51.100.7", records("mail.example.com"), {"mail.example.com": nxdomain()}, rules)
    return TargetResult("198.51.100.7", "ip", (zen, skip), rdns, NOW)


def test_report_shape(target: TargetResult) -> None:
    data = report_to_json(CheckReport("127.0.0.1:5353", (target,), NOW, NOW))
    assert data["resolver"] == "127.0.0.1:5353"
    assert data["summary"]["listed"] == 1 and data["summary"]["skipped"] == 1
    assert set(data["summary"]) >= {"listed", "clean", "error", "unknown", "skipped"}
    (result,) = data["results"]
    assert set(result) >= {"target", "kind", "blocklists", "rdns"}
    zen = result["blocklists"][0]
    assert set(zen) >= {"zone", "name", "status", "codes", "meanings", "reason", "txt"}
    assert zen["status"] == "listed" and zen["codes"] == ["127.0.0.2", "127.0.0.10"]
    assert zen["checked_at"] == "2025-03-01T12:00:00+00:00"
    assert set(result["rdns"]) >= {"ptr", "fcrdns", "generic", "reason"}
    assert result["rdns"]["fcrdns"] == "fail"


def test_round_trip(target: TargetResult) -> None:
    assert target_from_json(target_to_json(target)) == target


def test_naive_times_are_refused(catalog: Catalog) -> None:
    naive = TargetResult("198.51.100.7", "ip", (), None, datetime(2025, 1, 1))
    with pytest.raises(ValueError, match="offset"):
        target_to_json(naive)


@pytest.mark.parametrize(
    "broken",
    [
        {},
        {"target": "x", "kind": "printer", "blocklists": [], "checked_at": "2025-01-01T00:00:00+00:00"},
        {"target": "x", "kind": "ip", "blocklists": [], "checked_at": "yesterday"},
        {"target": "x", "kind": "ip", "blocklists": [], "checked_at": "2025-01-01T00:00:00"},
        {
            "target": "x",
            "kind": "ip",
            "blocklists": [{"zone": "z", "name": "n", "status": "maybe", "reason": "r"}],
            "checked_at": "2025-01-01T00:00:00+00:00",
        },
    ],
)
def test_malformed_records_raise(broken: dict) -> None:
    with pytest.raises((KeyError, ValueError, TypeError)):
        target_from_json(broken)
