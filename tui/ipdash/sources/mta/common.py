"""What the three log parsers share: record errors, times, the sending IP from a name or an address."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import lru_cache

from ipdash.domain.models import canonical_ip as _canonical_ip

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@lru_cache(maxsize=4096)
def canonical_ip(text: str) -> str:
    """models.canonical_ip, cached: a log names the same few IPs millions of times."""
    return _canonical_ip(text)


class RecordError(ValueError):
    """One record cannot be used: reported with its file and line, skipped."""


def day_of_epoch(value: object) -> date:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RecordError(f"timestamp is not a number: {str(value)[:40]!r}")
    try:
        return date.fromordinal(_EPOCH_ORDINAL + int(value) // 86400)  # the UTC day, without a datetime
    except (OverflowError, ValueError) as error:
        raise RecordError(f"timestamp out of range: {value!r}") from error


def strip_port(address: str) -> str:
    """'10.0.0.1:53210' → '10.0.0.1'; '[2001:db8::1]:25' → '2001:db8::1'; a bare IPv6 stays as it is."""
    address = address.strip()
    if address.startswith("["):
        return address[1:].partition("]")[0]
    if address.count(":") == 1:
        return address.partition(":")[0]
    return address


def sending_ip(address: str | None, name: str | None, names: Mapping[str, str], what: str) -> str:
    """The canonical sending IP: the address when there is one, else the source's name mapped in
    ``ip_names`` (or the name itself when it is an IP)."""
    if address:
        if len(address) > 80:  # no IP and port is longer; a longer one must not enter the cache
            raise RecordError(f"source address {address[:60]!r}… is not an IP address")
        try:
            return canonical_ip(strip_port(address))
        except ValueError:
            raise RecordError(f"source address {address[:60]!r} is not an IP address") from None
    if name:
        if len(name) > 255:
            raise RecordError(f"{what} {name[:60]!r}… is too long to be a name")
        mapped = names.get(name)
        try:
            return canonical_ip(mapped if mapped is not None else name)
        except ValueError:
            pass
        if mapped is not None:
            raise RecordError(f"ip_names maps {what} {name[:60]!r} to {mapped[:60]!r}, not an IP address")
        raise RecordError(f"{what} {name[:60]!r} has no IP: map it in ip_names (--mta-ip {name[:60]}=IP)")
    raise RecordError(f"no sending IP in the record (no source address, no {what})")
