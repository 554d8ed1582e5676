"""The [blocklists] config section: validation naming the key, overrides, extra zones, nameservers."""

from __future__ import annotations

from typing import Any

import pytest

from ipdash.domain.dnsbl.catalog import Catalog
from ipdash.domain.dnsbl.settings import (
    BlocklistConfigError,
    BlocklistSettings,
    Nameserver,
    build_catalog,
    parse_blocklist_settings,
    parse_nameserver,
)


def test_defaults() -> None:
    settings = parse_blocklist_settings({})
    assert settings.zones == ("default",)
    assert settings.recheck_hours == 6
    assert settings.timeout_seconds == 2.5
    assert settings.concurrency == 50
    assert settings.parsed_nameserver is None


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        ({"timeout_seconds": 0}, "blocklists.timeout_seconds"),
        ({"timeout_seconds": "fast"}, "blocklists.timeout_seconds"),
        ({"concurrency": 1000}, "blocklists.concurrency"),
        ({"recheck_hours": 0.01}, "blocklists.recheck_hours"),
        ({"nameserver": "dns.example.com"}, "HOST must be an IP address"),
        ({"nameserver": "127.0.0.1:99999"}, "PORT must be"),
        ({"keys": {"spamhaus-dqs": {"key": "inline-secret"}}}, "blocklists.keys.spamhaus-dqs"),
        ({"keys": {"spamhaus-dqs": {"key_env": "has space"}}}, "blocklists.keys.spamhaus-dqs.key_env"),
        ({"zonez": ["default"]}, "blocklists.zonez"),
    ],
)
def test_bad_settings_name_the_key(raw: dict[str, Any], where: str) -> None:
    with pytest.raises(BlocklistConfigError) as error:
        parse_blocklist_settings(raw)
    assert where in str(error.value)
    assert "inline-secret" not in str(error.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1", Nameserver("127.0.0.1", 53)),
        ("127.0.0.1:5353", Nameserver("127.0.0.1", 5353)),
        (" 10.0.0.53 ", Nameserver("10.0.0.53", 53)),
        ("::1", Nameserver("::1", 53)),
        ("[::1]:5353", Nameserver("::1", 5353)),
        ("[2001:db8::53]", Nameserver("2001:db8::53", 53)),
    ],
)
def test_nameserver_forms(text: str, expected: Nameserver) -> None:
    assert parse_nameserver(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "localhost",
        "1.2.3.4:",
        "1.2.3.4:0",
        "1.2.3.4:x",
        "[::1]x",
        "[::1]:70000",
        "::1]:53",
        "[::1",
        "[::1]53",
    ],
)
def test_bad_nameservers(text: str) -> None:
    with pytest.raises(ValueError, match="nameserver"):
        parse_nameserver(text)


def test_nameserver_str_round_trips() -> None:
    assert str(parse_nameserver("[::1]:5353")) == "[::1]:5353"
    assert str(parse_nameserver("127.0.0.1")) == "127.0.0.1:53"


def test_overrides_merge_codes_and_change_fields(catalog: Catalog) -> None:
    settings = BlocklistSettings.from_data(
        {
            "overrides": {
                "spamcop": {"importance": "minor", "codes": {"127.0.0.3": "house code"}, "default": False}
            }
        }
    )
    changed = build_catalog(catalog, settings).by_id["spamcop"]
    assert changed.importance == "minor" and not changed.default
    assert changed.codes["127.0.0.2"] and changed.codes["127.0.0.3"] == "house code"
    assert catalog.by_id["spamcop"].importance == "major"


def test_a_lookup_page_set_in_config_does_not_inherit_the_catalogs_evidence(catalog: Catalog) -> None:
    assert catalog.by_id["spamcop"].lookup_evidence == "operator"
    own = {"lookup_url": "https://intranet.example/rbl?ip={target}"}
    changed = build_catalog(catalog, BlocklistSettings.from_data({"overrides": {"spamcop": own}}))
    assert changed.by_id["spamcop"].lookup_evidence == "unverified"
    vouched = {**own, "lookup_evidence": "operator"}
    kept = build_catalog(catalog, BlocklistSettings.from_data({"overrides": {"spamcop": vouched}}))
    assert kept.by_id["spamcop"].lookup_evidence == "operator"
    other = build_catalog(
        catalog, BlocklistSettings.from_data({"overrides": {"spamcop": {"default": False}}})
    )
    assert other.by_id["spamcop"].lookup_evidence == "operator"


@pytest.mark.parametrize(
    ("settings", "where"),
    [
        ({"overrides": {"nope": {"default": True}}}, "unknown zone id(s): nope"),
        ({"overrides": {"spamcop": {"list_type": "banana"}}}, "blocklists.overrides.spamcop.list_type"),
        ({"overrides": {"spamcop": {"codes": {"x": "y"}}}}, "blocklists.overrides.spamcop.codes"),
        ({"overrides": {"spamcop": {"id": "other"}}}, "cannot be overridden"),
        ({"extra_zones": [{"id": "x", "zone": "bl.example.net"}]}, "blocklists.extra_zones.0.name"),
        (
            {
                "extra_zones": [
                    {
                        "id": "spamcop",
                        "zone": "bl.example.net",
                        "name": "dup",
                        "kind": "ip",
                        "families": ["ipv4"],
                        "list_type": "block",
                    }
                ]
            },
            "appears twice",
        ),
        ({"keys": {"nosuchkey": {"key_env": "X"}}}, "unknown key name(s) nosuchkey"),
    ],
)
def test_bad_catalog_changes_name_the_key(catalog: Catalog, settings: dict[str, Any], where: str) -> None:
    with pytest.raises(BlocklistConfigError) as error:
        build_catalog(catalog, BlocklistSettings.from_data(settings))
    assert where in str(error.value)


def test_extra_zone_is_added(catalog: Catalog) -> None:
    extra = {
        "id": "house-bl",
        "zone": "bl.example.net",
        "name": "House BL",
        "kind": "ip",
        "families": ["ipv4"],
        "list_type": "block",
        "default": True,
        "codes": {"127.0.0.2": "house listing"},
        "sources": ["ours"],
    }
    built = build_catalog(catalog, BlocklistSettings.from_data({"extra_zones": [extra]}))
    assert built.by_id["house-bl"].codes == {"127.0.0.2": "house listing"}
    assert built.find("bl.example.net") is built.by_id["house-bl"]
