"""The shipped catalog: facts with sources, and a model that refuses inconsistent entries."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ipdash.domain.dnsbl.catalog import Catalog, ZoneEntry, catalog_from_data
from ipdash.domain.dnsbl.fields import Invalid


def test_every_zone_has_sources_and_a_known_confidence(catalog: Catalog) -> None:
    assert len(catalog.zones) > 40
    for entry in catalog.zones:
        assert entry.sources, entry.id
        assert entry.confidence in ("high", "medium", "low")


def test_defunct_zones_carry_a_date_and_are_never_default(catalog: Catalog) -> None:
    defunct = [e for e in catalog.zones if e.status == "defunct"]
    assert {"sorbs", "ahbl", "nixspam"} <= {e.id for e in defunct}
    assert all(not e.default for e in defunct)
    assert catalog.by_id["sorbs"].defunct_since is not None
    assert catalog.by_id["sorbs"].defunct_since.isoformat() == "2024-06-05"


def test_keyed_zones_use_a_placeholder_never_a_key(catalog: Catalog) -> None:
    keyed = [e for e in catalog.zones if e.key is not None]
    assert {"spamhaus-dqs-zen", "abusix-combined"} <= {e.id for e in keyed}
    for entry in keyed:
        assert entry.zone is not None and entry.zone.startswith("{key}.")
        assert entry.display_zone.startswith("<key>.")


def test_zen_covers_its_parts_and_dqs_zen_covers_public_zen(catalog: Catalog) -> None:
    assert set(catalog.by_id["spamhaus-zen"].covers) >= {
        "spamhaus-sbl",
        "spamhaus-xbl",
        "spamhaus-pbl",
        "abuseat-cbl",
    }
    assert "spamhaus-zen" in catalog.by_id["spamhaus-dqs-zen"].covers


@pytest.mark.parametrize(
    ("zone_id", "code", "effect"),
    [
        ("spamhaus-zen", "127.0.0.10", "policy"),
        ("spamhaus-zen", "127.0.0.11", "policy"),
        ("abusix-combined", "127.0.0.12", "policy"),
        ("mailspike-rep", "127.0.0.20", "good"),
        # Mailspike's own table (read 2026-12-02): L3-L5 are what bl.mailspike.net blocks; L2
        # "suspicious", L1 "neutral - probably spam", H1 "neutral - probably legit" are neither
        # listings nor good (wl.mailspike.net starts at H2).
        ("mailspike-rep", "127.0.0.12", "listing"),
        ("mailspike-rep", "127.0.0.13", "neutral"),
        ("mailspike-rep", "127.0.0.14", "neutral"),
        ("mailspike-rep", "127.0.0.16", "neutral"),
        ("mailspike-rep", "127.0.0.17", "good"),
        ("hostkarma", "127.0.0.1", "good"),
    ],
)
def test_code_effects_from_the_reference(catalog: Catalog, zone_id: str, code: str, effect: str) -> None:
    assert catalog.by_id[zone_id].code_effects[code] == effect


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("spamhaus-zen", "spamhaus-zen"),
        ("zen.spamhaus.org", "spamhaus-zen"),
        ("ZEN.Spamhaus.ORG.", "spamhaus-zen"),
        ("bl.spamcop.net", "spamcop"),
        ("nothing.example", None),
    ],
)
def test_find_by_id_or_zone_name(catalog: Catalog, name: str, expected: str | None) -> None:
    found = catalog.find(name)
    assert (found.id if found else None) == expected


@pytest.mark.parametrize(
    ("zone", "expected_id", "expected_key"),
    [
        ("Abc123.zen.dq.spamhaus.net", "spamhaus-dqs-zen", "Abc123"),
        ("k.combined.mail.abusix.zone", "abusix-combined", "k"),
        ("a.b.zen.dq.spamhaus.net", None, None),
        ("zen.dq.spamhaus.net", None, None),
        ("zen.spamhaus.org", None, None),
    ],
)
def test_raw_keyed_zone_is_matched_to_its_entry(
    catalog: Catalog, zone: str, expected_id: str | None, expected_key: str | None
) -> None:
    match = catalog.keyed_match(zone)
    found = (match[0].id, match[1]) if match else (None, None)
    assert found == (expected_id, expected_key)


def test_probes_default_to_rfc_5782_and_follow_the_family(catalog: Catalog) -> None:
    zen = catalog.by_id["spamhaus-zen"]
    assert catalog.probes_for(zen, "ipv4").listed == ("127.0.0.2",)
    assert catalog.probes_for(zen, "ipv4").not_listed == ("127.0.0.1",)
    assert catalog.probes_for(zen, "ipv6").listed == ("::ffff:7f00:2",)
    assert catalog.probes_for(catalog.by_id["spamhaus-dbl"], None).listed == ("dbltest.com",)
    assert catalog.probes_for(catalog.by_id["surbl-multi"], None).not_listed == ("invalid",)
    karma = catalog.by_id["hostkarma"]
    assert catalog.probes_for(karma, "ipv4").not_listed == ()
    assert catalog.probes_for(karma, "ipv6").listed == ("::ffff:7f00:2",)


def _entry(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "x",
        "zone": "bl.example.net",
        "name": "X",
        "kind": "ip",
        "families": ["ipv4"],
        "list_type": "block",
    }
    base.update(changes)
    return base


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"zone": "not a zone"}, "valid DNS zone name"),
        ({"zone": "{key}.bl.example.net"}, "'{key}'"),
        ({"key": {"name": "k", "env": "K"}}, "'{key}'"),
        ({"codes": {"127.0.0.300": "x"}}, "not an address"),
        ({"error_codes": {"banana": {"meaning": "x"}}}, "not an address"),
        ({"code_effects": {"127.0.0.2": "terrible"}}, "code_effects"),
        ({"list_type": "spooky"}, "list_type"),
        ({"families": []}, "address family"),
        ({"kind": "domain"}, "no address families"),
        ({"zone": None}, "subscriber-only"),
        ({"id": "Has Spaces"}, "id"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_inconsistent_entries_are_rejected_with_the_reason(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(Invalid) as error:
        ZoneEntry.from_data(_entry(**changes))
    assert message in str(error.value)


def test_duplicate_ids_and_unknown_covers_are_rejected(catalog_data: dict[str, Any]) -> None:
    data = copy.deepcopy(catalog_data)
    data["zones"].append(copy.deepcopy(data["zones"][0]))
    with pytest.raises(Invalid, match="appears twice"):
        catalog_from_data(data)
    data = copy.deepcopy(catalog_data)
    data["zones"][0]["covers"] = ["no-such-zone"]
    with pytest.raises(Invalid, match="no-such-zone"):
        catalog_from_data(data)


def test_most_specific_code_wins_over_a_range(catalog: Catalog) -> None:
    zen = catalog.by_id["spamhaus-zen"]
    first_network, first = zen.error_table[0]
    assert first_network.prefixlen == 32
    assert zen.error_table[-1][0].prefixlen == 24
    assert (
        "public/open resolver" in dict((str(n), e.meaning) for n, e in zen.error_table)["127.255.255.254/32"]
    )
    assert first


def test_a_block_list_cannot_call_an_answer_neutral_or_good(catalog: Catalog) -> None:
    data = catalog.by_id["spamcop"].as_data()
    data["code_effects"] = {"127.0.0.3": "neutral"}
    with pytest.raises(Invalid, match="answers listings only"):
        ZoneEntry.from_data(data)
    allow = catalog.by_id["mailspike-rep"].as_data() | {"code_effects": {"127.0.0.15": "neutral"}}
    assert ZoneEntry.from_data(allow).code_effects == {"127.0.0.15": "neutral"}


def test_every_zone_inherits_the_spamhaus_error_range_unless_it_documents_the_code(catalog: Catalog) -> None:
    for entry in catalog.zones:
        assert "127.255.255.0/24" in entry.error_codes, entry.id
    # A zone's own documented meaning wins over the catalog-wide one (SenderScore's 127.255.255.255).
    assert "excessive" not in catalog.by_id["senderscore"].error_codes["127.255.255.255"].meaning


def test_a_range_a_zone_documents_replaces_the_catalog_codes_inside_it(catalog_data: dict[str, Any]) -> None:
    """An entry that words 127.255.255.0/24 itself owns the whole range: the catalog-wide Spamhaus
    meanings of .250-.255 (more specific, so looked up first) are not added to it."""
    from ipdash.domain.dnsbl.judge import judge_addresses
    from ipdash.domain.dnsbl.results import Status

    data = copy.deepcopy(catalog_data)
    spamcop = next(z for z in data["zones"] if z["id"] == "spamcop")
    spamcop["error_codes"] = {"127.255.255.0/24": {"meaning": "not a SpamCop code", "remedy": "ask SpamCop"}}
    entry = catalog_from_data(data).by_id["spamcop"]
    assert set(entry.error_codes) == {"127.255.255.0/24"}
    for code in ("127.255.255.250", "127.255.255.254", "127.255.255.7"):
        verdict = judge_addresses(entry, (code,))
        assert verdict.status is Status.ERROR and "not a SpamCop code" in verdict.reason, code
        assert "Spamhaus" not in verdict.reason + verdict.remedy, code
    # a zone documenting one code keeps the rest of the catalog's range
    assert "127.255.255.0/24" in catalog_from_data(catalog_data).by_id["senderscore"].error_codes


@pytest.mark.parametrize(
    ("zone", "operator_list"),
    [
        ("spam.dnsbl.sorbs.net", "sorbs"),
        ("rhsbl.sorbs.net", "sorbs"),
        ("SORBS.NET", "sorbs"),
        ("ix.dnsbl.manitu.net", "nixspam"),
        ("other.dnsbl.manitu.net", "nixspam"),
        ("rhsbl.ahbl.org", "ahbl"),
        ("phishing.rbl.msrbl.net", "msrbl"),
        ("virbl.dnsbl.bit.nl", "virbl"),
    ],
)
def test_defunct_operators_are_matched_by_suffix(catalog: Catalog, zone: str, operator_list: str) -> None:
    """Every zone under a dead operator's domain is that operator's dead list (issue 17: by suffix,
    ``*.sorbs.net``, ``*.ahbl.org``, ``*.manitu.net``, …), with its date."""
    entry = catalog.find(zone)
    owner = catalog.by_id[operator_list]
    assert entry is not None and entry.status == "defunct"
    assert entry.defunct_since == owner.defunct_since and entry.name.startswith(owner.name)


def test_a_suffix_is_a_whole_label_match(catalog: Catalog) -> None:
    assert catalog.find("bl.notsorbs.net") is None


def test_catalog_additions_carry_sources_and_verified_dates(catalog: Catalog) -> None:
    added = [
        "spamhaus-sbl-xbl", "spamhaus-dqs-sbl", "spamhaus-dqs-xbl", "spamhaus-dqs-pbl", "spamhaus-dqs-sbl-xbl",
        "spamhaus-dqs-dbl", "spamhaus-dqs-zrd", "spamhaus-dqs-authbl", "nordspam-dbl", "abusix-black",
        "abusix-exploit", "abusix-dblack", "sem-black-ipv6", "justspam", "virusfree-bip",
    ]  # fmt: skip
    for zone_id in added:
        entry = catalog.by_id[zone_id]
        assert entry.sources, zone_id
    # Verified dates only where the operator's documentation was read on that date.
    read = [
        "spamhaus-sbl-xbl",
        "nordspam-dbl",
        "abusix-black",
        "abusix-exploit",
        "abusix-dblack",
        "sem-black-ipv6",
    ]
    assert all(catalog.by_id[z].verified is not None for z in read)
    assert catalog.by_id["virusfree-bip"].verified is None
    assert catalog.by_id["nordspam"].families == ("ipv4", "ipv6")
    assert not catalog.by_id["s5h"].default and not catalog.by_id["interserver"].default
    assert catalog.by_id["s5h"].demoted and catalog.by_id["interserver"].demoted


def test_lookup_links_fill_in_the_target(catalog: Catalog) -> None:
    assert catalog.by_id["spamcop"].lookup_link("192.0.2.1") == "https://www.spamcop.net/bl.shtml?192.0.2.1"
    assert catalog.by_id["nether-relays"].lookup_link("192.0.2.1") == ""


def test_lookup_pages_are_web_addresses_with_their_provenance() -> None:
    """Every lookup/delisting link is http(s); the entry says what was read about it, or that it was not."""
    from ipdash.sources.dns.configure import shipped_catalog

    catalog, _ = shipped_catalog()
    linked = [entry for entry in catalog.zones if entry.lookup_url]
    assert len(linked) >= 20
    for entry in linked:
        assert entry.lookup_url.startswith(("https://", "http://")), entry.id
        assert "{target}" not in entry.lookup_url.split("?", 1)[0], entry.id
        assert "lookup page" in entry.notes.lower() or "read 20" in entry.notes.lower(), entry.id
    assert (
        catalog.by_id["spamcop"].lookup_link("198.51.100.7")
        == "https://www.spamcop.net/bl.shtml?198.51.100.7"
    )


def test_every_lookup_page_says_where_its_address_was_confirmed() -> None:
    """The data file states the evidence for each address (never the silent default), and an address
    the operator was not seen to give says so in its notes and cites what it was taken from."""
    import json
    from importlib.resources import files

    from ipdash.sources.dns.configure import shipped_catalog

    raw = json.loads(files("ipdash").joinpath("data/dnsbl_zones.json").read_text(encoding="utf-8"))
    stated = {z["id"]: z.get("lookup_evidence") for z in raw["zones"] if z.get("lookup_url")}
    assert all(evidence in ("operator", "other-tools", "unverified") for evidence in stated.values()), stated
    catalog, _ = shipped_catalog()
    for zone_id, evidence in stated.items():
        entry = catalog.by_id[zone_id]
        if evidence != "operator":
            assert "not seen on the operator" in entry.notes.lower(), zone_id
            assert len(entry.sources) >= 2, zone_id
    # the addresses checked on 2026-12-01 (issue 17): each as its evidence allows
    uce = catalog.by_id["uceprotect-1"]
    assert uce.lookup_link("192.0.2.1") == "http://www.uceprotect.net/rblcheck.php?ipr=192.0.2.1"
    assert uce.lookup_evidence == "operator"
    assert catalog.by_id["psbl"].lookup_evidence == "other-tools"
    assert "listing.cgi" in " ".join(catalog.by_id["psbl"].sources)
    assert catalog.by_id["dronebl"].lookup_evidence == "other-tools"
    assert catalog.by_id["uribl-multi"].lookup_url == "https://admin.uribl.com/?section=lookup"
    assert {catalog.by_id[z].lookup_evidence for z in ("spamrats-all", "abusix-combined")} == {"other-tools"}
    assert catalog.by_id["spamrats-dyna"].lookup_evidence == "operator"
    assert catalog.by_id["virusfree-bip"].lookup_url == ""


def test_a_user_zone_with_a_lookup_page_is_unconfirmed_unless_it_says_otherwise() -> None:
    from ipdash.domain.dnsbl.catalog import ZoneEntry

    entry = ZoneEntry.from_data(
        {
            "id": "mine",
            "zone": "bl.example.net",
            "name": "Mine",
            "kind": "ip",
            "families": ["ipv4"],
            "list_type": "block",
            "lookup_url": "https://bl.example.net/?ip={target}",
        }
    )
    assert entry.lookup_evidence == "unverified"
    with pytest.raises(ValueError):
        ZoneEntry.from_data({**entry.as_data(), "lookup_evidence": "trust-me"})


def test_verified_dates_are_real_past_dates_with_the_page_read_first() -> None:
    """Every ``verified`` is an ISO date not after today and names the page read (an http(s)
    address, first in ``sources``, which ``--list-zones`` shows); every entry without one says why
    in ``unverified_reason`` (shown by ``--list-zones`` in place of the date)."""
    import json
    from datetime import date
    from importlib.resources import files

    raw = json.loads(files("ipdash").joinpath("data/dnsbl_zones.json").read_text(encoding="utf-8"))
    for zone in raw["zones"]:
        if zone.get("verified") is not None:
            assert date.fromisoformat(zone["verified"]) <= date.today(), zone["id"]
            assert len(zone["verified"]) == 10, zone["id"]
            assert zone["sources"][0].startswith(("https://", "http://")), zone["id"]
            assert "unverified_reason" not in zone, zone["id"]
        else:
            # short enough for the --list-zones column; the detail is in the notes
            assert 20 <= len(zone.get("unverified_reason", "")) <= 100, zone["id"]


def test_a_catalog_build_parses_each_code_text_once(
    catalog_data: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every entry's error codes are compared with the catalog-wide ones, and a run with a config builds
    the catalog twice: each text is parsed into a network once (2,250 parses of 51 texts took ~70 ms of
    every `ipdash check`)."""
    from ipdash.domain.dnsbl import catalog as module

    forget = getattr(module.parse_code, "cache_clear", lambda: None)
    forget()
    parsed: list[str] = []
    real = module.ipaddress.ip_network

    def ip_network(text: str, strict: bool = True) -> Any:
        parsed.append(text)
        return real(text, strict=strict)

    monkeypatch.setattr(module.ipaddress, "ip_network", ip_network)
    built = catalog_from_data(copy.deepcopy(catalog_data))
    Catalog(built.zones, built.defaults)
    forget()
    assert parsed and len(parsed) == len(set(parsed))
