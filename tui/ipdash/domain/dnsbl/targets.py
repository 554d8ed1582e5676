"""What can be checked (IP addresses, IPv4 blocks up to /24, domains) and the DNS names to ask.

RFC 5782: IPv4 is four reversed octets; IPv6 is all 32 nibbles of the fully expanded address, reversed;
domains are prepended unchanged. An IPv4-mapped IPv6 sender is the IPv4 sender. Names are lower-case
and absolute (the resolver side never appends a search domain).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ipdash.domain.dnsbl.catalog import Family

MAX_CIDR_PREFIX_V4 = 24
MAX_TARGETS = 4096
MAX_NAME_LENGTH = 253
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
#: Why 127.0.0.2 still answers "listed" everywhere: ipdash asks it as each list's health check.
_TEST_ENTRY = "127.0.0.2 is every list's RFC 5782 test entry, asked as its health check"

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Address ranges no public list covers (RFC 6890 registries): sent to a public list they only leak
#: internal addressing and answer nothing. Each with what it is and why no list answers for it.
_PRIVATE = "public lists never list it"
_NO_SENDER = "no mail comes from it"
_NON_PUBLIC: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...] = tuple(
    (ipaddress.ip_network(network), f"{what}: {why}")
    for network, what, why in (
        ("10.0.0.0/8", "a private address (RFC 1918)", _PRIVATE),
        ("172.16.0.0/12", "a private address (RFC 1918)", _PRIVATE),
        ("192.168.0.0/16", "a private address (RFC 1918)", _PRIVATE),
        ("100.64.0.0/10", "in the carrier-grade NAT shared space (RFC 6598)", _PRIVATE),
        ("169.254.0.0/16", "a link-local address (RFC 3927)", _PRIVATE),
        ("fe80::/10", "a link-local address (RFC 4291)", _PRIVATE),
        ("fc00::/7", "a unique-local address (RFC 4193)", _PRIVATE),
        ("198.18.0.0/15", "in the benchmarking range (RFC 2544)", _PRIVATE),
        ("64:ff9b:1::/48", "a local-use NAT64 address (RFC 8215)", _PRIVATE),
        ("127.0.0.0/8", "a loopback address (RFC 1122)", f"{_NO_SENDER} ({_TEST_ENTRY})"),
        ("::1/128", "the loopback address (RFC 4291)", _NO_SENDER),
        ("0.0.0.0/8", '"this network" (0.0.0.0/8, RFC 1122)', _NO_SENDER),
        ("::/128", "the unspecified address (RFC 4291)", _NO_SENDER),
        ("224.0.0.0/4", "a multicast address (RFC 5771)", _NO_SENDER),
        ("ff00::/8", "a multicast address (RFC 4291)", _NO_SENDER),
        ("240.0.0.0/4", "reserved (240.0.0.0/4, RFC 1112) or the broadcast address", _NO_SENDER),
    )
)
#: IPv6 prefixes that carry an IPv4 address in their low 32 bits (NAT64's well-known prefix, RFC 6052):
#: such an address is as private as the IPv4 address it carries.
_EMBEDS_IPV4 = ipaddress.ip_network("64:ff9b::/96")


class TargetError(ValueError):
    """A target that cannot be checked; the message names it."""

    def __init__(self, target: str, reason: str) -> None:
        super().__init__(f"{target!r}: {reason}")
        self.target = target
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Target:
    """One thing to check, in canonical text form (IPv6 compressed, IPv4-mapped unmapped, IDNA)."""

    text: str
    kind: Literal["ip", "domain"]
    family: Family | None = None

    @property
    def query_prefix(self) -> str:
        if self.kind == "domain":
            return self.text
        return reverse_labels(ipaddress.ip_address(self.text))


def reverse_labels(address: IpAddress) -> str:
    """``192.0.2.99`` -> ``99.2.0.192``; IPv6 -> 32 reversed nibbles. No unmapping here: test points
    like ``::ffff:7f00:2`` must be asked as IPv6."""
    if address.version == 4:
        return ".".join(reversed(str(address).split(".")))
    return ".".join(reversed(address.exploded.replace(":", "")))


def query_name(prefix: str, zone: str) -> str:
    """The absolute-to-be name for ``prefix`` in ``zone``, or raise TargetError when it is too long."""
    name = f"{prefix}.{zone}".lower()
    if len(name) > MAX_NAME_LENGTH:
        raise TargetError(
            prefix, f"the query name in {zone} would be longer than {MAX_NAME_LENGTH} characters"
        )
    return name


def probe_prefix(point: str, kind: Literal["ip", "domain"]) -> str:
    """The prefix for an RFC 5782 probe: IPs reversed as written (never unmapped), names as they are."""
    if kind == "domain":
        return point.lower()
    try:
        return reverse_labels(ipaddress.ip_address(point))
    except ValueError:  # a domain probe ("test") for an uncatalogued zone asked about a domain
        return point.lower()


def ip_target(address: IpAddress) -> Target:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return Target(str(address), "ip", "ipv4" if address.version == 4 else "ipv6")


def non_public_reason(text: str) -> str | None:
    """Why an address is not something public blocklists list ("a private address (RFC 1918)"), or None."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    for network, reason in _NON_PUBLIC:
        if address.version == network.version and address in network:
            return reason
    if isinstance(address, ipaddress.IPv6Address) and address in _EMBEDS_IPV4:
        carried = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        inner = non_public_reason(str(carried))
        return None if inner is None else f"a NAT64 address of {carried}, {inner}"
    return None


def parse_target(text: str) -> list[Target]:
    """One command-line target: an IP, an IPv4 block up to /24 (every address), or a domain."""
    raw = text.strip()
    if not raw:
        raise TargetError(text, "empty target")
    if len(raw) > MAX_NAME_LENGTH + 10:
        raise TargetError(raw[:40] + "…", "too long to be an address or a domain")
    if "/" in raw:
        return _parse_block(raw)
    if "%" in raw and ":" in raw:
        raise TargetError(
            raw,
            "an IPv6 zone index (the part after %) names a local interface, not a sender: "
            "give the address without it",
        )
    try:
        return [ip_target(ipaddress.ip_address(raw))]
    except ValueError:
        pass
    return [parse_domain(raw)]


def _parse_block(raw: str) -> list[Target]:
    try:
        network = ipaddress.ip_network(raw, strict=True)
    except ValueError as error:
        if "host bits set" in str(error):
            suggestion = ipaddress.ip_network(raw, strict=False)
            raise TargetError(raw, f"host bits set; did you mean {suggestion}?") from None
        raise TargetError(raw, "not an IP address block") from None
    if network.version == 6:
        if network.prefixlen != 128:
            raise TargetError(raw, "IPv6 blocks are not expanded; give single IPv6 addresses")
        return [ip_target(network.network_address)]
    if network.prefixlen < MAX_CIDR_PREFIX_V4:
        raise TargetError(raw, f"block larger than /{MAX_CIDR_PREFIX_V4} ({network.num_addresses} addresses)")
    return [ip_target(address) for address in network]


def parse_domain(raw: str) -> Target:
    name = raw.strip().rstrip(".").lower()
    try:
        ascii_name = name.encode("idna").decode("ascii")
    except UnicodeError:
        raise TargetError(raw, "not a valid IP address or domain name") from None
    if len(ascii_name) > MAX_NAME_LENGTH:
        raise TargetError(raw, f"domain name longer than {MAX_NAME_LENGTH} characters")
    labels = ascii_name.split(".")
    if len(labels) < 2 or not all(_LABEL.match(x) for x in labels):
        raise TargetError(raw, "not a valid IP address or domain name")
    if labels[-1].isdigit():
        raise TargetError(raw, "not a valid IP address (and a domain cannot end in a number)")
    return Target(ascii_name, "domain")


def parse_targets(texts: Iterable[str], *, limit: int = MAX_TARGETS) -> list[Target]:
    """Every target, expanded and de-duplicated in order; the first bad one raises TargetError."""
    seen: set[str] = set()
    targets: list[Target] = []
    for text in texts:
        for target in parse_target(text):
            if target.text in seen:
                continue
            seen.add(target.text)
            targets.append(target)
            if len(targets) > limit:
                raise TargetError(text, f"more than {limit} targets in one run")
    return targets
