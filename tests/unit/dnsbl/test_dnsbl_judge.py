"""Every row of the outcome table (reference dnsbl.md §2) and the answer rules of §7.3–§7.5, §7.8."""

from __future__ import annotations

import pytest

from ipdash.domain.dnsbl.catalog import Catalog
from ipdash.domain.dnsbl.judge import (
    HEALTH_DISABLED,
    HealthState,
    Status,
    ZoneHealth,
    judge_addresses,
    judge_lookup,
)
from ipdash.domain.dnsbl.lookups import LookupOutcome, Rcode, nxdomain, records, timeout

HEALTHY = ZoneHealth(HealthState.PASSED, "ok")
BLOCKED = ZoneHealth(HealthState.FAILED, "test point 127.0.0.2 is not listed", remedy="use a local resolver")
WILDCARD = ZoneHealth(HealthState.FAILED, "zone lists everything", lists_everything=True)
HEALTH_TIMED_OUT = ZoneHealth(HealthState.UNKNOWN, "test point 127.0.0.2 got timeout")


@pytest.mark.parametrize(
    ("zone_id", "answer", "status", "severity", "meaning_part"),
    [
        ("spamhaus-zen", ("127.0.0.2",), Status.LISTED, "listing", "SBL"),
        ("spamhaus-zen", ("127.0.0.4",), Status.LISTED, "listing", "XBL"),
        ("spamhaus-zen", ("127.0.0.3",), Status.LISTED, "listing", "CSS"),
        ("spamhaus-zen", ("127.0.0.10",), Status.LISTED, "policy", "PBL"),
        ("spamhaus-zen", ("127.0.0.2", "127.0.0.10"), Status.LISTED, "listing", "PBL"),
        ("spamhaus-zen", ("127.0.0.99",), Status.LISTED, "listing", "unrecognised code 127.0.0.99"),
        ("spamcop", ("127.0.0.2",), Status.LISTED, "listing", "SpamCop"),
        ("spamrats-all", ("127.0.0.36", "127.0.0.38"), Status.LISTED, "listing", "RATS-Spam"),
        ("spamrats-spam", ("127.0.0.38",), Status.LISTED, "listing", "RATS-Spam"),
        ("mailspike-bl", ("127.0.0.20",), Status.LISTED, "listing", "unrecognised code 127.0.0.20"),
        ("uceprotect-2", ("127.0.0.2",), Status.LISTED, "collateral", "Level 2"),
        ("abusix-combined", ("127.0.0.11",), Status.LISTED, "policy", "generic rDNS"),
        ("mailspike-rep", ("127.0.0.10",), Status.LISTED, "listing", "L5"),
        ("mailspike-rep", ("127.0.0.20",), Status.CLEAN, None, "H5"),
        ("mailspike-rep", ("127.0.0.15",), Status.CLEAN, None, "neutral"),
        ("mailspike-rep", ("127.0.0.12",), Status.LISTED, "listing", "L3 (-3): bad reputation"),
        ("mailspike-rep", ("127.0.0.13",), Status.CLEAN, None, "L2 (-2): suspicious behavior"),
        ("mailspike-rep", ("127.0.0.14",), Status.CLEAN, None, "neutral - probably spam"),
        ("mailspike-wl", ("127.0.0.18",), Status.CLEAN, None, "H3"),
        # Validity's reason codes (knowledge base, read 2026-12-02), once "unrecognised code"
        ("senderscore", ("127.0.0.8",), Status.LISTED, "listing", "suspect_attach"),
        ("senderscore", ("127.0.0.6",), Status.LISTED, "listing", "pristine + noauth"),
        # the operators' own usage pages (read 2026-12-02)
        ("nether-relays", ("127.0.0.2",), Status.LISTED, "listing", "confirmed open relay"),
        ("0spam", ("127.0.0.5",), Status.LISTED, "listing", "0spam traps"),
        ("dnswl", ("127.0.10.3",), Status.CLEAN, None, "DNSWL"),
        ("hostkarma", ("127.0.0.1",), Status.CLEAN, None, "WHITE"),
        ("hostkarma", ("127.0.0.2",), Status.LISTED, "listing", "BLACK"),
        ("dronebl", ("127.0.0.1",), Status.LISTED, "listing", "class 1: testing"),
        ("dronebl", ("127.0.0.2",), Status.LISTED, "listing", "class 2: sample data"),
        ("dronebl", ("127.0.0.3",), Status.LISTED, "listing", "IRC spam drone"),
        ("spamhaus-dbl", ("127.0.1.2",), Status.LISTED, "listing", "low-reputation"),
        ("spamhaus-dbl", ("127.0.1.102",), Status.LISTED, "listing", "abused legitimate"),
    ],
)
def test_listing_codes_are_decoded_exactly(
    catalog: Catalog,
    zone_id: str,
    answer: tuple[str, ...],
    status: Status,
    severity: str | None,
    meaning_part: str,
) -> None:
    verdict = judge_addresses(catalog.by_id[zone_id], answer)
    assert verdict.status is status
    assert verdict.severity == severity
    assert verdict.codes == answer
    assert any(meaning_part in meaning for meaning in verdict.meanings), verdict.meanings


def test_every_code_of_a_multi_record_answer_is_reported(catalog: Catalog) -> None:
    verdict = judge_addresses(catalog.by_id["spamhaus-zen"], ("127.0.0.2", "127.0.0.4", "127.0.0.10"))
    assert verdict.status is Status.LISTED
    assert len(verdict.meanings) == 3
    assert "SBL" in verdict.reason and "XBL" in verdict.reason and "PBL" in verdict.reason


def test_codes_are_compared_exactly_not_as_substrings(catalog: Catalog) -> None:
    """A grep for 127.0.0.2 also matches 127.0.0.20: exact comparison must not."""
    verdict = judge_addresses(catalog.by_id["spamcop"], ("127.0.0.20",))
    assert verdict.meanings == (
        "unrecognised code 127.0.0.20 (any answer is a listing per RFC 5782; review)",
    )


@pytest.mark.parametrize(
    ("zone_id", "answer", "meaning_parts"),
    [
        ("surbl-multi", ("127.0.0.80",), ("malware", "spam/abuse")),
        ("surbl-multi", ("127.0.0.8",), ("phishing",)),
        ("surbl-multi", ("127.0.1.64",), ("spam/abuse",)),
        ("uribl-multi", ("127.0.0.14",), ("black", "grey", "red")),
        ("uribl-multi", ("127.0.0.2",), ("black",)),
        ("uribl-multi", ("127.0.0.18",), ("black", "unrecognised bit 16")),
    ],
)
def test_bitmask_zones_report_every_bit(
    catalog: Catalog, zone_id: str, answer: tuple[str, ...], meaning_parts: tuple[str, ...]
) -> None:
    verdict = judge_addresses(catalog.by_id[zone_id], answer)
    assert verdict.status is Status.LISTED
    assert len(verdict.meanings) == len(meaning_parts)
    for part, meaning in zip(meaning_parts, verdict.meanings, strict=True):
        assert part in meaning


@pytest.mark.parametrize(
    ("zone_id", "answer", "reason_part", "remedy_part"),
    [
        (
            "spamhaus-zen",
            ("127.255.255.254",),
            "public/open resolver",
            "use a local recursive resolver or a DQS key",
        ),
        ("spamhaus-zen", ("127.255.255.255",), "excessive number of queries", "volume"),
        ("spamhaus-zen", ("127.255.255.252",), "typing error", "zone name"),
        ("spamhaus-zen", ("127.255.255.200",), "error range", "resolver"),
        ("spamhaus-zen", ("127.0.0.2", "127.255.255.254"), "public/open resolver", "DQS"),
        ("spamhaus-zen", ("127.255.255.254", "127.0.0.4"), "public/open resolver", "DQS"),
        ("spamhaus-dqs-zen", ("127.255.255.250",), "invalid DQS key", "DQS key"),
        ("spamhaus-dqs-zen", ("127.255.255.251",), "invalid DQS key", "DQS key"),
        ("spamhaus-dbl", ("127.0.1.255",), "IP address queried", "never IP addresses"),
        ("abuseat-cbl", ("127.255.255.254",), "public/open resolver", "DQS"),
        ("surbl-multi", ("127.0.0.1",), "BLOCKED", "own recursive resolver"),
        ("uribl-multi", ("127.0.0.1",), "REFUSED", "own recursive resolver"),
        ("dnswl", ("127.0.0.255",), "over free limit", "over the free limit"),
        ("senderscore", ("127.255.255.255",), "not registered", "register"),
    ],
)
def test_error_codes_poison_the_whole_answer(
    catalog: Catalog, zone_id: str, answer: tuple[str, ...], reason_part: str, remedy_part: str
) -> None:
    verdict = judge_addresses(catalog.by_id[zone_id], answer)
    assert verdict.status is Status.ERROR
    assert verdict.severity is None
    assert reason_part in verdict.reason
    assert remedy_part in verdict.remedy
    assert verdict.cause == "error code"


@pytest.mark.parametrize(
    "answer", [("203.0.113.7",), ("127.0.0.2", "198.51.100.1"), ("10.0.0.2",), ("128.0.0.2",)]
)
@pytest.mark.parametrize("zone_id", ["spamcop", "spamhaus-zen", "surbl-multi", "hostkarma"])
def test_answers_outside_loopback_are_errors(catalog: Catalog, zone_id: str, answer: tuple[str, ...]) -> None:
    verdict = judge_addresses(catalog.by_id[zone_id], answer)
    assert verdict.status is Status.ERROR
    assert "outside 127.0.0.0/8" in verdict.reason
    assert verdict.cause == "broken zone"


@pytest.mark.parametrize("zone_id", ["spamcop", "psbl", "spamhaus-zen", "barracuda", "s5h"])
def test_undocumented_127_0_0_1_is_an_error(catalog: Catalog, zone_id: str) -> None:
    verdict = judge_addresses(catalog.by_id[zone_id], ("127.0.0.1",))
    assert verdict.status is Status.ERROR
    assert "never-listed test address" in verdict.reason


def test_barracuda_blocked_query_names_registration(catalog: Catalog) -> None:
    verdict = judge_addresses(catalog.by_id["barracuda"], ("127.0.0.1",))
    assert "register" in verdict.remedy


@pytest.mark.parametrize("answer", [("not-an-ip",), ("2001:db8::1",), ("",)])
def test_malformed_answers_are_errors(catalog: Catalog, answer: tuple[str, ...]) -> None:
    verdict = judge_addresses(catalog.by_id["spamcop"], answer)
    assert verdict.status is Status.ERROR
    assert verdict.cause == "bad answer"


@pytest.mark.parametrize(
    ("outcome", "health", "status", "cause"),
    [
        (nxdomain(), HEALTHY, Status.CLEAN, ""),
        (nxdomain(), BLOCKED, Status.UNKNOWN, "unhealthy zone"),
        (nxdomain(), WILDCARD, Status.UNKNOWN, "unhealthy zone"),
        (nxdomain(), HEALTH_TIMED_OUT, Status.UNKNOWN, "health unknown"),
        (nxdomain(), HEALTH_DISABLED, Status.CLEAN, ""),
        (LookupOutcome(Rcode.NOERROR), HEALTHY, Status.CLEAN, ""),
        (LookupOutcome(Rcode.NOERROR), BLOCKED, Status.UNKNOWN, "unhealthy zone"),
        (timeout("2.0 s, asked twice"), HEALTHY, Status.UNKNOWN, "timeout"),
        (LookupOutcome(Rcode.SERVFAIL), HEALTHY, Status.UNKNOWN, "SERVFAIL"),
        (LookupOutcome(Rcode.REFUSED), HEALTHY, Status.UNKNOWN, "REFUSED"),
        (LookupOutcome(Rcode.FAILURE, detail="FORMERR"), HEALTHY, Status.UNKNOWN, "failure"),
        (records("127.0.0.2"), HEALTHY, Status.LISTED, ""),
        (records("127.0.0.2"), HEALTH_TIMED_OUT, Status.LISTED, ""),
        (records("127.0.0.2"), BLOCKED, Status.LISTED, ""),
        (records("127.0.0.2"), WILDCARD, Status.UNKNOWN, "unhealthy zone"),
        (records("127.255.255.254"), WILDCARD, Status.ERROR, "error code"),
    ],
)
def test_outcome_table(
    catalog: Catalog, outcome: LookupOutcome, health: ZoneHealth, status: Status, cause: str
) -> None:
    verdict = judge_lookup(catalog.by_id["spamhaus-zen"], outcome, health)
    assert verdict.status is status
    assert verdict.cause == cause
    if status is Status.UNKNOWN:
        assert "clean" not in verdict.reason.replace("not clean", "")


def test_unanswered_never_clean_and_says_why(catalog: Catalog) -> None:
    verdict = judge_lookup(catalog.by_id["spamcop"], timeout("no answer in 2.0 s, asked twice"), HEALTHY)
    assert verdict.reason == "timed out (no answer in 2.0 s, asked twice): unknown, not clean"


def test_keyed_refusal_carries_the_key_remedy(catalog: Catalog) -> None:
    verdict = judge_lookup(catalog.by_id["abusix-combined"], LookupOutcome(Rcode.SERVFAIL), HEALTHY)
    assert verdict.status is Status.UNKNOWN
    assert "IPDASH_ABUSIX_KEY" in verdict.remedy


def test_blanket_nxdomain_from_a_blocked_resolver_is_not_clean(catalog: Catalog) -> None:
    verdict = judge_lookup(catalog.by_id["spamhaus-zen"], nxdomain(), BLOCKED)
    assert verdict.status is Status.UNKNOWN
    assert "127.0.0.2" in verdict.reason
    assert verdict.remedy == "use a local resolver"


@pytest.mark.parametrize("zone_id", ["spamcop", "psbl", "sem-black", "nordspam"])
def test_a_meaning_that_says_listed_is_not_prefixed_again(catalog: Catalog, zone_id: str) -> None:
    """SpamCop's meaning starts "listed: IP sent mail…": the reason read "listed: listed: IP sent…"."""
    verdict = judge_addresses(catalog.by_id[zone_id], ("127.0.0.2",))
    assert verdict.status is Status.LISTED and verdict.reason.startswith("listed")
    assert not verdict.reason.lower().startswith(("listed: listed", "listed: listed"))


@pytest.mark.parametrize("zone_id", ["abusix-combined", "abusix-dynamic", "abusix-dblack"])
@pytest.mark.parametrize("code", ["127.255.255.250", "127.255.255.251", "127.255.255.254", "127.255.255.9"])
def test_abusix_zones_word_the_error_range_in_abusix_terms(catalog: Catalog, zone_id: str, code: str) -> None:
    """The 127.255.255.0/24 range is an error from every zone, but on an Abusix zone it is not a
    "Spamhaus DQS" key error: Abusix documents no such codes and its key is its own."""
    verdict = judge_addresses(catalog.by_id[zone_id], (code,))
    assert verdict.status is Status.ERROR and verdict.severity is None
    assert "not an Abusix answer code" in verdict.reason
    assert "IPDASH_ABUSIX_KEY" in verdict.remedy
    assert "Spamhaus DQS" not in verdict.reason + verdict.remedy
