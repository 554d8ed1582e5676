"""Pure pieces of the one analysis: check results by age, and breaches from SNDS, provider listings and
account status."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from ipdash.domain.checks import CheckResults, check_breaches, ip_checks
from ipdash.domain.dnsbl.judge import Status
from ipdash.domain.dnsbl.rdns import Fcrdns, RdnsResult
from ipdash.domain.dnsbl.results import TargetResult, ZoneResult
from ipdash.domain.metrics import Window
from ipdash.domain.models import AccountDay, ProviderListing, SndsDay
from ipdash.domain.signals import account_breaches, provider_listing_breaches, snds_breaches

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
WINDOW = Window.ending(date(2026, 11, 20), 7)


def zone(status: Status, importance: str = "critical", name: str = "Spamhaus ZEN") -> ZoneResult:
    return ZoneResult(
        zone="zen.spamhaus.org",
        zone_id="spamhaus-zen",
        name=name,
        list_type="block",  # type: ignore[arg-type]
        importance=importance,
        operator="spamhaus",
        status=status,
        reason="SBL listing",  # type: ignore[arg-type]
        codes=("127.0.0.2",),
        severity="listing",
    )


def result(
    *zones: ZoneResult, rdns: Fcrdns | None = None, age: timedelta = timedelta(hours=1)
) -> TargetResult:
    found = RdnsResult("192.0.2.1", (), rdns, False, f"rdns {rdns}") if rdns else None
    return TargetResult("192.0.2.1", "ip", zones, found, NOW - age, resolver="127.0.0.1:53")


@pytest.mark.parametrize(("age", "stale"), [(timedelta(hours=1), False), (timedelta(hours=6), True)])
def test_a_result_older_than_the_recheck_interval_is_stale(age: timedelta, stale: bool) -> None:
    checks = ip_checks(CheckResults({"192.0.2.1": result(age=age)}, NOW, timedelta(hours=6)), "192.0.2.1")
    assert checks is not None and checks.stale is stale and checks.resolver == "127.0.0.1:53"


def test_only_ips_with_a_result_get_one() -> None:
    assert ip_checks(CheckResults({"192.0.2.1": result()}, NOW), "192.0.2.9") is None


@pytest.mark.parametrize(
    ("importance", "severity"), [("critical", "critical"), ("major", "critical"), ("minor", "warn")]
)
def test_listings_are_breaches_by_the_list_importance(importance: str, severity: str) -> None:
    checks = ip_checks(CheckResults({"192.0.2.1": result(zone(Status.LISTED, importance))}, NOW), "192.0.2.1")
    assert checks is not None
    [breach] = check_breaches(checks)
    assert (breach.kind, breach.severity, breach.scope) == ("listing", severity, "zen.spamhaus.org")


@pytest.mark.parametrize(
    ("fcrdns", "breaches"),
    [(Fcrdns.PASS, 0), (Fcrdns.FAIL, 1), (Fcrdns.PERMERROR, 1), (Fcrdns.TEMPERROR, 0)],
)
def test_only_a_judged_failing_rdns_is_a_breach(fcrdns: Fcrdns, breaches: int) -> None:
    checks = ip_checks(CheckResults({"192.0.2.1": result(zone(Status.CLEAN), rdns=fcrdns)}, NOW), "192.0.2.1")
    assert checks is not None and len(check_breaches(checks)) == breaches
    assert checks.rdns_judged is (fcrdns is not Fcrdns.TEMPERROR)


def snds(day: int, colour: str, traps: int = 0) -> SndsDay:
    return SndsDay(
        "192.0.2.1",
        date(2026, 11, day),
        None,
        None,
        10,
        10,
        10,
        colour,
        "< 0.1%",
        0.001,
        traps,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ([snds(18, "GREEN")], []),
        ([snds(18, "YELLOW")], [("snds_filter_result", "warn")]),
        ([snds(17, "YELLOW"), snds(18, "RED")], [("snds_filter_result", "critical")]),
        ([snds(18, "GREEN", traps=3)], [("snds_trap_hits", "critical")]),
        ([snds(1, "RED", traps=3)], []),  # before the window
    ],
)
def test_snds_breaches(days: list[SndsDay], expected: list[tuple[str, str]]) -> None:
    assert [(b.metric, b.severity) for b in snds_breaches("192.0.2.1", days, WINDOW)] == expected


@pytest.mark.parametrize(
    ("name", "listed", "severity"),
    [("snds-blocked", True, "critical"), ("cbl.abuseat.org", True, "warn"), ("snds-blocked", False, None)],
)
def test_provider_listings(name: str, listed: bool, severity: str | None) -> None:
    found = provider_listing_breaches([ProviderListing("192.0.2.1", name, listed, source="snds")])
    assert [b.severity for b in found] == ([severity] if severity else [])


@pytest.mark.parametrize(
    ("status", "severity"), [("HEALTHY", None), ("PROBATION", "warn"), ("SHUTDOWN", "critical")]
)
def test_the_latest_account_status_in_the_window(status: str, severity: str | None) -> None:
    days = [
        AccountDay(date(2026, 11, 15), "account", "ses", status="SHUTDOWN", source="ses"),
        AccountDay(date(2026, 11, 19), "account", "ses", status=status, source="ses"),
    ]
    assert [b.severity for b in account_breaches(days, WINDOW)] == ([severity] if severity else [])
