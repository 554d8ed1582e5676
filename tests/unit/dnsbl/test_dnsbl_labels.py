"""Words and symbols for verdicts, and the IP table's compact blocklist/rDNS cell."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ipdash.domain.dnsbl.catalog import Catalog
from ipdash.domain.dnsbl.judge import Status, Verdict
from ipdash.domain.dnsbl.labels import blocklist_cell_text, fcrdns_label, status_label
from ipdash.domain.dnsbl.rdns import Fcrdns, RdnsResult
from ipdash.domain.dnsbl.results import TargetResult, ZoneResult

NOW = datetime(2025, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "severity", "label"),
    [
        (Status.LISTED, "listing", "✗ listed"),
        (Status.LISTED, "policy", "✗ policy"),
        (Status.LISTED, "collateral", "✗ network"),
        (Status.CLEAN, None, "✓ clean"),
        (Status.ERROR, None, "! error"),
        (Status.UNKNOWN, None, "? unknown"),
        (Status.SKIPPED, None, "– skipped"),
    ],
)
def test_status_labels_always_have_a_symbol_and_a_word(
    status: Status, severity: str | None, label: str
) -> None:
    assert status_label(status, severity) == label


def test_fcrdns_labels() -> None:
    assert fcrdns_label(Fcrdns.PASS) == "✓ pass"
    assert fcrdns_label(Fcrdns.PERMERROR) == "✗ permerror"
    assert fcrdns_label(Fcrdns.TEMPERROR) == "? temperror"


def _result(
    catalog: Catalog,
    rows: list[tuple[str, Status, str | None]],
    rdns: Fcrdns | None = None,
    generic: bool = False,
) -> TargetResult:
    zones = tuple(
        ZoneResult.of(catalog.by_id[z], Verdict(s, "r", severity=sev), checked_at=NOW)  # type: ignore[arg-type]
        for z, s, sev in rows
    )
    rdns_result = RdnsResult("198.51.100.1", ("x.example",), rdns, generic, "r") if rdns else None
    return TargetResult("198.51.100.1", "ip", zones, rdns_result, NOW)


@pytest.mark.parametrize(
    ("rows", "rdns", "generic", "expected"),
    [
        ([("spamcop", Status.CLEAN, None)] * 12, Fcrdns.PASS, False, ("✓ clean 12", "ok")),
        (
            [("spamcop", Status.LISTED, "listing")] * 2 + [("psbl", Status.CLEAN, None)] * 10,
            None,
            False,
            ("✗ listed 2/12", "bad"),
        ),
        (
            [("spamhaus-zen", Status.LISTED, "policy"), ("psbl", Status.CLEAN, None)],
            None,
            False,
            ("! policy 1/2", "warn"),
        ),
        (
            [("psbl", Status.UNKNOWN, None)] * 3 + [("psbl", Status.CLEAN, None)] * 9,
            None,
            False,
            ("? 3 unchecked", "warn"),
        ),
        (
            [("psbl", Status.ERROR, None), ("psbl", Status.CLEAN, None)],
            None,
            False,
            ("? 1 unchecked", "warn"),
        ),
        ([("psbl", Status.SKIPPED, None)], None, False, ("– no list", "muted")),
        ([("psbl", Status.CLEAN, None)], Fcrdns.FAIL, False, ("✓ clean 1 · rDNS ✗", "bad")),
        ([("psbl", Status.CLEAN, None)], Fcrdns.TEMPERROR, False, ("✓ clean 1 · rDNS ?", "warn")),
        ([("psbl", Status.CLEAN, None)], Fcrdns.PASS, True, ("✓ clean 1 · PTR generic", "warn")),
        ([("psbl", Status.LISTED, "listing")], Fcrdns.PASS, True, ("✗ listed 1/1 · PTR generic", "bad")),
    ],
)
def test_cell_text(
    catalog: Catalog, rows: list, rdns: Fcrdns | None, generic: bool, expected: tuple[str, str]
) -> None:
    assert blocklist_cell_text(_result(catalog, rows, rdns, generic)) == expected


def test_cell_text_before_and_during_a_check() -> None:
    assert blocklist_cell_text(None) == ("— not checked", "muted")
    assert blocklist_cell_text(None, checking=True) == ("… checking", "info")


def _zone(status: Status, url: str, name: str = "Some list", evidence: str = "operator") -> ZoneResult:
    return ZoneResult(
        zone="bl.example",
        zone_id="x",
        name=name,
        list_type="block",
        importance="major",
        operator="",
        status=status,
        reason="",
        lookup_url=url,
        lookup_evidence=evidence if url else "",
    )


def test_a_lookup_address_not_given_by_the_operator_carries_its_caveat() -> None:
    from ipdash.domain.dnsbl.labels import lookup_links

    zones = [
        _zone(Status.LISTED, "https://a.example/", name="A"),
        _zone(Status.LISTED, "https://b.example/", name="B", evidence="other-tools"),
        _zone(Status.LISTED, "https://c.example/", name="C", evidence="unverified"),
        _zone(Status.LISTED, "https://d.example/", name="D", evidence=""),
    ]
    caveats = [link.caveat for link in lookup_links(zones)]
    assert caveats[0] == ""
    assert "other tools" in caveats[1]
    assert caveats[2] == caveats[3] == "(address not confirmed)"


def test_lookup_links_are_listings_only_safe_and_once_each() -> None:
    from ipdash.domain.dnsbl.labels import LINK_LIMIT, lookup_links

    zones = [
        _zone(Status.LISTED, "https://lookup.example/?ip=198.51.100.7"),
        _zone(Status.LISTED, "https://lookup.example/?ip=198.51.100.7"),
        _zone(Status.CLEAN, "https://clean.example/"),
        _zone(Status.LISTED, ""),
        _zone(Status.LISTED, "ftp://odd.example/\x1b]8;;x\x07", name="Odd\x1b[2J"),
        _zone(Status.LISTED, "https://long.example/" + "a" * 400, name="Long"),
    ]
    links = lookup_links(zones)
    assert [(link.name, link.clickable) for link in links] == [
        ("Some list", True),
        ("Odd", False),
        ("Long", False),
    ]
    assert all("\x1b" not in link.url and "\x07" not in link.url for link in links)
    assert len(links[2].url) == LINK_LIMIT and links[2].url.endswith("…"), "a cut address is never a link"
