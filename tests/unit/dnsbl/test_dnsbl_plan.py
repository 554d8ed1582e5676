"""Zone selection: the default set, keys, defunct and overlapping lists, raw zone names, families."""

from __future__ import annotations

import pytest

from ipdash.domain.dnsbl.catalog import Catalog
from ipdash.domain.dnsbl.judge import Status
from ipdash.domain.dnsbl.plan import ZoneSelectionError, select_zones, split_zone_names, zones_for
from ipdash.domain.dnsbl.settings import BlocklistSettings, KeyRing, resolve_keys
from ipdash.domain.dnsbl.targets import parse_target

NO_KEYS = KeyRing({}, {})
DQS = KeyRing({"spamhaus-dqs": "Secret26CharacterKeyABCDEF"}, {})


def _ids(plan: list) -> list[str]:
    return [zone.entry.id for zone in plan if zone.skip is None]


def test_default_set_is_active_keyless_and_without_overlap(catalog: Catalog) -> None:
    plan = select_zones(catalog, ["default"], NO_KEYS)
    ids = _ids(plan)
    assert "spamhaus-zen" in ids and "spamcop" in ids and "barracuda" in ids
    assert not {"spamhaus-sbl", "spamhaus-xbl", "spamhaus-pbl", "abuseat-cbl", "sorbs"} & set(ids)
    assert all(catalog.by_id[i].status == "active" and catalog.by_id[i].key is None for i in ids)
    assert all(zone.skip is None for zone in plan)


def test_dqs_key_replaces_public_zen_in_the_default_set(catalog: Catalog) -> None:
    plan = select_zones(catalog, ["default"], DQS)
    queried = {zone.entry.id: zone for zone in plan if zone.skip is None}
    assert "spamhaus-dqs-zen" in queried
    assert queried["spamhaus-dqs-zen"].query_zone == "secret26characterkeyabcdef.zen.dq.spamhaus.net".replace(
        "secret26characterkeyabcdef", "Secret26CharacterKeyABCDEF"
    )
    skipped = {zone.entry.id: zone.skip for zone in plan if zone.skip is not None}
    assert skipped["spamhaus-zen"] is not None and skipped["spamhaus-zen"].cause == "overlap"


def test_keys_never_appear_in_repr_or_display(catalog: Catalog) -> None:
    plan = select_zones(catalog, ["spamhaus-dqs-zen"], DQS)
    assert "Secret26" not in repr(plan)
    assert "Secret26" not in repr(DQS)
    assert plan[0].display_zone == "<key>.zen.dq.spamhaus.net"
    assert plan[0].mask("see https://x/Secret26CharacterKeyABCDEF/") == "see https://x/<key>/"


def test_overlapping_explicit_zones_are_not_both_queried(catalog: Catalog) -> None:
    plan = select_zones(catalog, ["spamhaus-sbl", "zen.spamhaus.org", "cbl.abuseat.org"], NO_KEYS)
    by_id = {zone.entry.id: zone for zone in plan}
    assert by_id["spamhaus-zen"].skip is None
    assert (
        by_id["spamhaus-sbl"].skip is not None
        and "covered by Spamhaus ZEN" in by_id["spamhaus-sbl"].skip.reason
    )
    assert by_id["abuseat-cbl"].skip is not None


@pytest.mark.parametrize(
    ("name", "cause", "reason_part"),
    [
        ("sorbs", "defunct", "defunct since 2024-06-05"),
        ("dnsbl.ahbl.org", "defunct", "since 2014-03-29"),
        ("ix.dnsbl.manitu.net", "defunct", "since 2025-01-16"),
        ("dnsbl.cyberlogic.net", "defunct", "since 2018-05-25"),
        ("invaluement", "no public zone", "no public DNS zone"),
        ("spamhaus-dqs-zen", "needs key", "IPDASH_SPAMHAUS_DQS_KEY"),
        ("abusix-combined", "needs key", "IPDASH_ABUSIX_KEY"),
    ],
)
def test_unqueryable_zones_are_reported_as_skipped(
    catalog: Catalog, name: str, cause: str, reason_part: str
) -> None:
    (zone,) = select_zones(catalog, [name], NO_KEYS)
    # A defunct list is unknown (asked for, and it cannot answer), never clean; the others are skipped.
    expected = Status.UNKNOWN if cause == "defunct" else Status.SKIPPED
    assert zone.skip is not None and zone.skip.status is expected
    assert zone.skip.cause == cause
    assert reason_part in zone.skip.reason
    assert zone.query_zone is None


def test_raw_keyed_zone_is_decoded_with_the_entrys_codes(catalog: Catalog) -> None:
    (zone,) = select_zones(catalog, ["MyKey123.zen.dq.spamhaus.net"], NO_KEYS)
    assert zone.entry.id == "spamhaus-dqs-zen"
    assert zone.query_zone == "MyKey123.zen.dq.spamhaus.net"
    assert zone.display_zone == "<key>.zen.dq.spamhaus.net"
    assert "MyKey123" not in repr(zone)


def test_unknown_raw_zone_becomes_a_health_checked_adhoc_list(catalog: Catalog) -> None:
    (zone,) = select_zones(catalog, ["bl.example.net"], NO_KEYS)
    assert zone.entry.id == "custom-bl-example-net"
    assert zone.entry.health_check and zone.entry.importance == "minor"


@pytest.mark.parametrize(
    "name", ["not a zone", "-bad.example", "{key}.bl.example.net", "x..y", "a" * 300, "single"]
)
def test_bad_zone_names_raise(catalog: Catalog, name: str) -> None:
    with pytest.raises(ZoneSelectionError):
        select_zones(catalog, [name], NO_KEYS)


def test_bad_key_in_a_raw_zone_is_refused_without_echoing_it(catalog: Catalog) -> None:
    with pytest.raises(ZoneSelectionError) as error:
        select_zones(catalog, ["bad_key!.zen.dq.spamhaus.net"], NO_KEYS)
    assert "bad_key!" not in str(error.value)


def test_exclude(catalog: Catalog) -> None:
    assert "dronebl" not in _ids(select_zones(catalog, ["default"], NO_KEYS, exclude=["dronebl"]))
    with pytest.raises(ZoneSelectionError):
        select_zones(catalog, ["default"], NO_KEYS, exclude=["nope.example"])


def test_split_zone_names() -> None:
    assert split_zone_names(["a,b", " c ", ",", ""]) == ["a", "b", "c"]


def test_families_and_kinds(catalog: Catalog) -> None:
    plan = select_zones(catalog, ["spamcop", "spamhaus-zen", "spamhaus-dbl"], NO_KEYS)
    (v6,) = parse_target("2001:db8::1")
    applicable = {zone.entry.id: zone for zone in zones_for(v6, plan)}
    assert set(applicable) == {"spamcop", "spamhaus-zen", "spamhaus-dbl"}
    spamcop, dbl = applicable["spamcop"].skip, applicable["spamhaus-dbl"].skip
    assert (
        spamcop is not None and spamcop.cause == "not applicable" and "does not cover IPv6" in spamcop.reason
    )
    assert dbl is not None and dbl.cause == "not applicable"
    assert "lists domain names only" in dbl.reason and "127.0.1.255" in dbl.reason
    assert applicable["spamhaus-zen"].skip is None
    (domain,) = parse_target("example.com")
    by_id = {zone.entry.id: zone for zone in zones_for(domain, plan)}
    assert by_id["spamhaus-dbl"].skip is None
    for ip_list in ("spamcop", "spamhaus-zen"):
        skip = by_id[ip_list].skip
        assert skip is not None and "lists IP addresses only" in skip.reason


@pytest.mark.parametrize(
    ("environ", "expected_key", "problem_part"),
    [
        ({"IPDASH_SPAMHAUS_DQS_KEY": "abc123"}, "abc123", None),
        ({"IPDASH_SPAMHAUS_DQS_KEY": "  abc123\n"}, "abc123", None),
        ({}, None, "set $IPDASH_SPAMHAUS_DQS_KEY"),
        ({"IPDASH_SPAMHAUS_DQS_KEY": "has.dot"}, None, "not a valid DNS label"),
        ({"IPDASH_SPAMHAUS_DQS_KEY": "x" * 64}, None, "not a valid DNS label"),
    ],
)
def test_keys_come_from_the_environment(
    catalog: Catalog, environ: dict[str, str], expected_key: str | None, problem_part: str | None
) -> None:
    ring = resolve_keys(catalog, BlocklistSettings(), environ)
    assert ring.keys.get("spamhaus-dqs") == expected_key
    if problem_part:
        assert problem_part in ring.problems["spamhaus-dqs"]
        assert "has.dot" not in ring.problems["spamhaus-dqs"]


def test_config_names_another_environment_variable(catalog: Catalog) -> None:
    settings = BlocklistSettings.from_data({"keys": {"spamhaus-dqs": {"key_env": "MY_DQS"}}})
    ring = resolve_keys(catalog, settings, {"MY_DQS": "k1", "IPDASH_SPAMHAUS_DQS_KEY": "other"})
    assert ring.keys["spamhaus-dqs"] == "k1"


def test_a_run_asks_at_most_max_zones_lists(catalog: Catalog) -> None:
    from ipdash.domain.dnsbl.plan import MAX_ZONES

    names = [f"bl{i}.example.net" for i in range(MAX_ZONES)]
    planned = select_zones(catalog, names, KeyRing({}, {}))
    assert len(planned) == MAX_ZONES and all(p.query_zone for p in planned)
    with pytest.raises(ZoneSelectionError, match=f"at most {MAX_ZONES} lists"):
        select_zones(catalog, [*names, "one.more.example"], KeyRing({}, {}))


def test_covered_lists_are_skipped_by_the_first_list_covering_them_among_many(catalog: Catalog) -> None:
    names = [f"bl{i}.example.net" for i in range(300)] + ["spamrats-dyna", "spamrats-all"]
    planned = {p.entry.id: p for p in select_zones(catalog, names, KeyRing({}, {}))}
    dyna = planned["spamrats-dyna"]
    assert dyna.skip is not None and "covered by SpamRATS combined" in dyna.skip.reason
    assert planned["spamrats-all"].skip is None
