"""RFC 5782 health checks (§5, §7) and the incidents they catch (reference dnsbl.md §1.6)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ipdash.domain.dnsbl.catalog import Catalog
from ipdash.domain.dnsbl.health import judge_health
from ipdash.domain.dnsbl.judge import HealthState
from ipdash.domain.dnsbl.lookups import LookupOutcome, Rcode, nxdomain, records, timeout

LISTED = records("127.0.0.2")


@pytest.mark.parametrize(
    ("positive", "negative", "state", "reason_part"),
    [
        (LISTED, nxdomain(), HealthState.PASSED, "RFC 5782"),
        (records("127.0.0.2", "127.0.0.4", "127.0.0.10"), nxdomain(), HealthState.PASSED, "RFC 5782"),
        (LISTED, LookupOutcome(Rcode.NOERROR), HealthState.PASSED, "RFC 5782"),
        (nxdomain(), nxdomain(), HealthState.FAILED, "must be listed, is not"),
        (LISTED, LISTED, HealthState.FAILED, "lists everything"),
        (records("203.0.113.5"), records("203.0.113.5"), HealthState.FAILED, "outside 127.0.0.0/8"),
        (records("127.255.255.254"), records("127.255.255.254"), HealthState.FAILED, "public/open resolver"),
        (timeout(), nxdomain(), HealthState.UNKNOWN, "timeout"),
        (LISTED, LookupOutcome(Rcode.SERVFAIL), HealthState.UNKNOWN, "servfail"),
        (LookupOutcome(Rcode.REFUSED), LookupOutcome(Rcode.REFUSED), HealthState.UNKNOWN, "refused"),
        (timeout(), LISTED, HealthState.FAILED, "lists everything"),
    ],
)
def test_health_from_the_test_points(
    catalog: Catalog, positive: LookupOutcome, negative: LookupOutcome, state: HealthState, reason_part: str
) -> None:
    health = judge_health(catalog.by_id["spamhaus-zen"], {"127.0.0.2": positive}, {"127.0.0.1": negative})
    assert health.state is state
    assert reason_part in health.reason


def test_blocked_spamhaus_resolver_gets_the_dqs_remedy(catalog: Catalog) -> None:
    health = judge_health(catalog.by_id["spamhaus-zen"], {"127.0.0.2": nxdomain()}, {"127.0.0.1": nxdomain()})
    assert "refuses this resolver" in health.reason
    assert "DQS" in health.remedy


def test_wildcarded_dead_list_is_marked_as_listing_everything(catalog: Catalog) -> None:
    health = judge_health(
        catalog.by_id["spamcop"], {"127.0.0.2": LISTED}, {"127.0.0.1": records("127.0.0.2")}
    )
    assert health.lists_everything


def test_parked_domain_answer_fails_without_claiming_listings(catalog: Catalog) -> None:
    health = judge_health(
        catalog.by_id["spamcop"],
        {"127.0.0.2": records("198.51.100.80")},
        {"127.0.0.1": records("198.51.100.80")},
    )
    assert health.state is HealthState.FAILED
    assert not health.lists_everything


def test_hostkarma_is_checked_without_the_negative_point(catalog: Catalog) -> None:
    entry = catalog.by_id["hostkarma"]
    points = catalog.probes_for(entry, "ipv4")
    assert points.not_listed == ()
    health = judge_health(entry, {p: LISTED for p in points.listed}, {})
    assert health.state is HealthState.PASSED


def test_disabled_health_check(catalog: Catalog) -> None:
    entry = replace(catalog.by_id["spamcop"], health_check=False)
    assert judge_health(entry, {}, {}).state is HealthState.DISABLED


def test_no_points_is_unknown_not_passed(catalog: Catalog) -> None:
    assert judge_health(catalog.by_id["spamcop"], {}, {}).state is HealthState.UNKNOWN


def test_domain_list_points(catalog: Catalog) -> None:
    entry = catalog.by_id["spamhaus-dbl"]
    health = judge_health(entry, {"dbltest.com": records("127.0.1.2")}, {"invalid": nxdomain()})
    assert health.state is HealthState.PASSED
    blocked = judge_health(entry, {"dbltest.com": records("127.0.1.255")}, {"invalid": nxdomain()})
    assert blocked.state is HealthState.FAILED
