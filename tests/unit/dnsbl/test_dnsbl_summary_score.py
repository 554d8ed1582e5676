"""Summaries that cannot lie, the score signal, feed findings, re-check timing and the run outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ipdash.domain.dnsbl.catalog import Catalog
from ipdash.domain.dnsbl.judge import Status, Verdict, skipped
from ipdash.domain.dnsbl.rdns import Fcrdns, RdnsResult
from ipdash.domain.dnsbl.results import CheckReport, TargetResult, ZoneResult
from ipdash.domain.dnsbl.score import (
    FindingKind,
    RunOutcome,
    new_findings,
    recheck_due,
    run_outcome,
    score_signal,
)
from ipdash.domain.dnsbl.summary import Overall, summarise

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def result(
    catalog: Catalog, zone_id: str, status: Status, *, cause: str = "", severity: str | None = None
) -> ZoneResult:
    severity = severity or ("listing" if status is Status.LISTED else None)
    verdict = Verdict(status, f"{status.value} reason", severity=severity, cause=cause)  # type: ignore[arg-type]
    return ZoneResult.of(catalog.by_id[zone_id], verdict, checked_at=NOW)


def test_listed_with_causes(catalog: Catalog) -> None:
    results = [
        result(catalog, "spamcop", Status.LISTED),
        result(catalog, "psbl", Status.LISTED),
        result(catalog, "barracuda", Status.UNKNOWN, cause="timeout"),
        result(catalog, "s5h", Status.UNKNOWN, cause="timeout"),
        result(catalog, "dronebl", Status.UNKNOWN, cause="REFUSED"),
        *[
            result(catalog, z, Status.CLEAN)
            for z in ("spamhaus-zen", "sem-black", "lashback-ubl", "interserver")
        ],
        *[result(catalog, z, Status.CLEAN) for z in ("uceprotect-1", "mailspike-bl", "spamrats-all")],
    ]
    summary = summarise(results)
    assert summary.text == (
        "listed on 2 of 12, 3 not checked (timeout ×2, REFUSED ×1), important lists not checked: "
        "Barracuda Reputation Block List (BRBL)"
    )
    assert summary.overall is Overall.LISTED


def test_clean_only_when_everything_answered(catalog: Catalog) -> None:
    clean = summarise([result(catalog, z, Status.CLEAN) for z in ("spamcop", "psbl")])
    assert clean.text == "clean on 2 of 2" and clean.overall is Overall.CLEAN
    partial = summarise(
        [
            result(catalog, "spamcop", Status.CLEAN),
            result(catalog, "spamhaus-zen", Status.ERROR, cause="error code"),
        ]
    )
    assert partial.overall is Overall.INCOMPLETE
    assert partial.text.startswith("no block listing on 1 of 2, 1 not checked (error code ×1)")
    assert "important lists not checked: Spamhaus ZEN" in partial.text
    assert "clean on" not in partial.text


def test_policy_and_collateral_are_named_apart(catalog: Catalog) -> None:
    summary = summarise(
        [
            result(catalog, "spamhaus-zen", Status.LISTED, severity="policy"),
            result(catalog, "uceprotect-2", Status.LISTED, severity="collateral"),
            result(catalog, "spamcop", Status.CLEAN),
        ]
    )
    assert summary.block_listed == ()
    assert summary.text == (
        "no block listing on 1 of 3, policy listing on 1 (Spamhaus ZEN (public mirrors)), "
        "network listed on 1 (UCEPROTECT Level 2)"
    )
    assert summary.overall is Overall.LISTED


def test_skipped_are_counted_apart(catalog: Catalog) -> None:
    skip = ZoneResult.of(catalog.by_id["spamcop"], skipped("n/a", "n/a for IPv6"), checked_at=NOW)
    summary = summarise([skip, skip, result(catalog, "spamhaus-zen", Status.CLEAN)])
    assert summary.text == "clean on 1 of 1, 2 skipped (n/a for IPv6 ×2)"
    assert summarise([skip]).overall is Overall.NOTHING_CHECKED
    assert summarise([]).text == "nothing checked"


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([("spamhaus-zen", Status.LISTED, "listing")], (True, 0, 0, 0)),
        ([("spamhaus-zen", Status.LISTED, "policy")], (False, 1, 0, 0)),
        ([("spamcop", Status.LISTED, "listing"), ("barracuda", Status.LISTED, "listing")], (False, 2, 0, 0)),
        (
            [("psbl", Status.LISTED, "listing"), ("uceprotect-2", Status.LISTED, "collateral")],
            (False, 0, 2, 0),
        ),
        ([("spamhaus-zen", Status.UNKNOWN, None), ("barracuda", Status.ERROR, None)], (False, 0, 0, 2)),
        ([("psbl", Status.UNKNOWN, None)], (False, 0, 0, 0)),
        ([("spamcop", Status.CLEAN, None)], (False, 0, 0, 0)),
    ],
)
def test_score_signal(catalog: Catalog, rows: list, expected: tuple) -> None:
    signal = score_signal([result(catalog, z, s, severity=sev) for z, s, sev in rows])
    assert (
        signal.spamhaus_listed,
        signal.major_listings,
        signal.minor_listings,
        signal.important_unknown,
    ) == expected
    assert signal.checked_at == NOW


def _target(catalog: Catalog, listed: tuple[str, ...], fcrdns: Fcrdns = Fcrdns.PASS) -> TargetResult:
    zones = (*tuple(result(catalog, z, Status.LISTED) for z in listed), result(catalog, "psbl", Status.CLEAN))
    rdns = RdnsResult("198.51.100.7", ("mail.example.com",), fcrdns, False, "reason")
    return TargetResult("198.51.100.7", "ip", zones, rdns, NOW)


def test_new_findings(catalog: Catalog) -> None:
    before = _target(catalog, ("spamcop",))
    after = _target(catalog, ("spamcop", "barracuda"), Fcrdns.FAIL)
    findings = new_findings(before, after)
    assert [(f.kind, f.subject) for f in findings] == [
        (FindingKind.NEW_LISTING, "Barracuda Reputation Block List (BRBL)"),
        (FindingKind.RDNS_FAILURE, "reverse DNS"),
    ]
    assert new_findings(after, after) == ()
    assert len(new_findings(None, before)) == 1


@pytest.mark.parametrize(
    ("last", "expected"), [(None, True), (NOW - timedelta(hours=5), False), (NOW - timedelta(hours=6), True)]
)
def test_recheck_due(last: datetime | None, expected: bool) -> None:
    assert recheck_due(last, NOW, timedelta(hours=6)) is expected


@pytest.mark.parametrize(
    ("listed", "unknown", "fcrdns", "deadline", "expected"),
    [
        ((), False, Fcrdns.PASS, False, RunOutcome.CLEAN),
        (("spamcop",), True, Fcrdns.PASS, False, RunOutcome.FINDING),
        ((), True, Fcrdns.PASS, False, RunOutcome.INCOMPLETE),
        ((), False, Fcrdns.TEMPERROR, False, RunOutcome.INCOMPLETE),
        ((), False, Fcrdns.PERMERROR, False, RunOutcome.FINDING),
        ((), False, Fcrdns.FAIL, False, RunOutcome.FINDING),
        ((), False, Fcrdns.PASS, True, RunOutcome.INCOMPLETE),
    ],
)
def test_run_outcome(
    catalog: Catalog, listed: tuple, unknown: bool, fcrdns: Fcrdns, deadline: bool, expected: RunOutcome
) -> None:
    target = _target(catalog, listed, fcrdns)
    if unknown:
        target = TargetResult(
            target.target,
            "ip",
            (*target.blocklists, result(catalog, "s5h", Status.UNKNOWN)),
            target.rdns,
            NOW,
        )
    report = CheckReport("127.0.0.1:53", (target,), NOW, NOW, deadline_reached=deadline)
    assert run_outcome(report) is expected


def test_a_target_with_no_list_asked_is_incomplete_not_clean(catalog: Catalog) -> None:
    skip = ZoneResult.of(catalog.by_id["spamcop"], skipped("n/a", "n/a for IPv6"), checked_at=NOW)
    target = TargetResult("2001:db8::1", "ip", (skip,), None, NOW)
    assert run_outcome(CheckReport("127.0.0.1:53", (target,), NOW, NOW)) is RunOutcome.INCOMPLETE
