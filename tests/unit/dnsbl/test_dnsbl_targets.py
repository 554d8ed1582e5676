"""Targets and query names (RFC 5782 §2.1, §2.4, §3): IPv4, IPv6 nibbles, unmapping, domains, blocks."""

from __future__ import annotations

import ipaddress

import pytest

from ipdash.domain.dnsbl.targets import (
    MAX_TARGETS,
    Target,
    TargetError,
    non_public_reason,
    parse_target,
    parse_targets,
    probe_prefix,
    query_name,
    reverse_labels,
)


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("192.0.2.99", "99.2.0.192"),
        ("198.51.100.7", "7.100.51.198"),
        ("2001:db8:1:2:3:4:567:89ab", "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2"),
        ("2001:db8::1", "1.0.0.0." + "0.0.0.0." * 5 + "8.b.d.0.1.0.0.2"),
        ("::1", "1" + ".0" * 31),
        ("::ffff:7f00:2", "2.0.0.0.0.0.f.7.f.f.f.f" + ".0" * 20),
    ],
)
def test_reverse_labels(address: str, expected: str) -> None:
    assert reverse_labels(ipaddress.ip_address(address)) == expected


def test_ipv6_names_always_have_32_nibbles() -> None:
    for text in ("2001:db8::", "2001:DB8:0:0:0:0:0:FF", "fe80::1:2", "::"):
        labels = reverse_labels(ipaddress.ip_address(text)).split(".")
        assert len(labels) == 32 and all(len(label) == 1 for label in labels)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("198.51.100.7", Target("198.51.100.7", "ip", "ipv4")),
        (" 198.51.100.7 ", Target("198.51.100.7", "ip", "ipv4")),
        ("::ffff:198.51.100.7", Target("198.51.100.7", "ip", "ipv4")),
        ("::FFFF:c633:6407", Target("198.51.100.7", "ip", "ipv4")),
        ("2001:DB8::0001", Target("2001:db8::1", "ip", "ipv6")),
        ("Example.COM.", Target("example.com", "domain")),
        ("bücher.example", Target("xn--bcher-kva.example", "domain")),
        ("198.51.100.7/32", Target("198.51.100.7", "ip", "ipv4")),
        ("2001:db8::5/128", Target("2001:db8::5", "ip", "ipv6")),
    ],
)
def test_single_targets_are_canonical(text: str, expected: Target) -> None:
    assert parse_target(text) == [expected]


def test_mapped_ipv6_is_queried_as_ipv4() -> None:
    (target,) = parse_target("::ffff:192.0.2.99")
    assert target.query_prefix == "99.2.0.192"


def test_probe_prefix_never_unmaps() -> None:
    assert probe_prefix("::ffff:7f00:2", "ip").startswith("2.0.0.0.0.0.f.7.f.f.f.f.")
    assert probe_prefix("127.0.0.2", "ip") == "2.0.0.127"
    assert probe_prefix("TEST", "domain") == "test"


@pytest.mark.parametrize(
    ("block", "count"), [("198.51.100.0/24", 256), ("198.51.100.0/30", 4), ("198.51.100.8/31", 2)]
)
def test_ipv4_blocks_up_to_slash_24_expand_to_every_address(block: str, count: int) -> None:
    targets = parse_target(block)
    assert len(targets) == count
    assert targets[0].text == block.split("/")[0]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("198.51.100.0/23", "larger than /24"),
        ("10.0.0.0/8", "larger than /24"),
        ("198.51.100.7/24", "did you mean 198.51.100.0/24"),
        ("2001:db8::/64", "IPv6 blocks"),
        ("198.51.100.0/33", "not an IP address block"),
        ("198.51.100.256", "not a valid IP address"),
        ("01.2.3.4", "not a valid IP address"),
        ("1.2.3", "not a valid IP address"),
        ("exa mple.com", "not a valid"),
        ("example", "not a valid"),
        ("-bad-.example.com", "not a valid"),
        ("a" * 64 + ".example.com", "not a valid"),
        ("x." * 126 + "com", "longer than 253"),
        ("a" * 100_000, "too long"),
        ("example.com/path", "not an IP address block"),
        ("[bold]evil[/bold].com", "not an IP address block"),
        ("[bold]evil.com", "not a valid"),
        ("\x1b[31mred.example", "not a valid"),
        ("ex\x00ample.com", "not a valid"),
        # A scoped IPv6 address (``ip addr`` prints them): raised a traceback and exited 1 before.
        ("fe80::1%eth0", "zone index"),
        ("2001:db8::1%\x1b[31m", "zone index"),
    ],
)
def test_bad_targets_are_named_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(TargetError) as error:
        parse_target(text)
    assert reason in str(error.value)
    assert not any(ord(char) < 32 for char in str(error.value)), "control characters are escaped"


def test_targets_are_deduplicated_in_order() -> None:
    targets = parse_targets(["198.51.100.2", "example.com", "::ffff:198.51.100.2", "198.51.100.0/30"])
    assert [t.text for t in targets] == [
        "198.51.100.2",
        "example.com",
        "198.51.100.0",
        "198.51.100.1",
        "198.51.100.3",
    ]


def test_too_many_targets_is_an_error_not_a_hang() -> None:
    blocks = [f"10.{i // 256}.{i % 256}.0/24" for i in range(MAX_TARGETS // 256 + 1)]
    with pytest.raises(TargetError, match="more than"):
        parse_targets(blocks)


def test_query_name_is_lower_case_and_refuses_overlong_names() -> None:
    assert query_name("Example.COM", "DBL.Spamhaus.org") == "example.com.dbl.spamhaus.org"
    with pytest.raises(TargetError, match="longer than"):
        query_name(".".join(["a" * 63] * 3) + "." + "b" * 50 + ".com", "multi.surbl.org")


@pytest.mark.parametrize(
    ("address", "reason_part"),
    [
        ("10.0.0.1", "RFC 1918"),
        ("172.31.255.255", "RFC 1918"),
        ("192.168.0.1", "RFC 1918"),
        ("100.64.0.1", "RFC 6598"),
        ("100.127.255.254", "RFC 6598"),
        ("169.254.10.10", "link-local"),
        ("fe80::1", "link-local"),
        ("fd12:3456::1", "unique-local"),
        # Addresses no mail comes from: asked, a list answers nothing (or its own test entry).
        ("127.0.0.2", "loopback"),
        ("127.255.0.1", "loopback"),
        ("::1", "loopback"),
        ("0.0.0.0", "this network"),
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "broadcast"),
        ("198.18.0.1", "benchmarking"),
        ("64:ff9b:1::1", "local-use NAT64"),
        ("64:ff9b::a00:1", "NAT64 address of 10.0.0.1, a private address (RFC 1918)"),
    ],
)
def test_non_public_addresses_are_named(address: str, reason_part: str) -> None:
    reason = non_public_reason(address)
    assert reason is not None and reason_part in reason


@pytest.mark.parametrize(
    "address",
    ["198.51.100.1", "100.128.0.1", "172.32.0.1", "2001:db8::1", "64:ff9b::808:808", "example.com"],
)
def test_public_addresses_and_names_are_not(address: str) -> None:
    assert non_public_reason(address) is None
