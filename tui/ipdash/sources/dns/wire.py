"""DNS wire format for the hot path (A queries to DNSBL zones), with dnspython as the full parser.

A DNSBL answer is nearly always one of two shapes: NXDOMAIN with an SOA, or a few A (or, for a listing's
reason, TXT) records owned by the query name. ``fast_reply`` reads exactly those shapes from the bytes and
returns None for anything else (CNAME chains, compression it does not expect, odd sections), so the
caller hands the packet to dnspython. ``full_reply`` is that dnspython path, also used for PTR and AAAA.
Reading TXT here matters: dnspython's parser costs about as much CPU for the ~5% of names that are listed
(one TXT query each) as the whole A sweep.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

import dns.exception
import dns.flags
import dns.rcode
import dns.rdatatype

if TYPE_CHECKING:
    import dns.message

_HEADER = struct.Struct("!HHHHHH")
_RR_FIXED = struct.Struct("!HHIH")
_FLAG_QR = 0x8000
_FLAG_TC = 0x0200
_FLAG_RD = 0x0100
_OPCODE_MASK = 0x7800
TYPE_A = 1
TYPE_SOA = 6
TYPE_TXT = 16
#: Query types ``fast_reply`` reads (any other goes to dnspython).
FAST_TYPES = frozenset({TYPE_A, TYPE_TXT})
CLASS_IN = 1
#: An answer TTL above this is not trusted for longer (lists update within minutes to hours).
MAX_TTL = 3600


class WireError(ValueError):
    """A name that cannot be put on the wire, or a reply that is not a DNS message."""


@dataclass(frozen=True, slots=True)
class Reply:
    """A decoded reply: ``rcode`` as a dnspython rcode number, record values as text, and the TTL the
    outcome may be cached for (answer TTL, or the negative TTL from the SOA per RFC 2308)."""

    rcode: int
    values: tuple[str, ...] = ()
    ttl: int | None = None
    truncated: bool = False


_LENGTH_OCTET = [bytes((n,)) for n in range(64)]


def encode_name(name: str) -> bytes:
    """``name`` as wire labels. Every check runs in C (``min``/``max`` over the label lengths): this is
    called once per query of a sweep."""
    try:
        raw = name.encode("ascii")
    except UnicodeEncodeError:
        raise WireError(f"cannot encode {name!r}: not ASCII") from None
    labels = raw.rstrip(b".").split(b".")
    sizes = list(map(len, labels))
    if min(sizes) == 0 or max(sizes) > 63 or b" " in raw:
        bad = next(label for label in labels if not 0 < len(label) < 64 or b" " in label)
        raise WireError(f"cannot encode label {bad!r}")
    if sum(sizes) + len(sizes) + 1 > 255:
        raise WireError("name longer than 255 octets")
    octet = _LENGTH_OCTET
    return b"".join([octet[size] + label for size, label in zip(sizes, labels, strict=True)]) + b"\x00"


def question_bytes(name: str, rdtype: int) -> bytes:
    return encode_name(name.lower()) + struct.pack("!HH", rdtype, CLASS_IN)


def encode_query(query_id: int, question: bytes) -> bytes:
    """A recursive query (RD set, no EDNS) carrying ``question``."""
    return _HEADER.pack(query_id, _FLAG_RD, 1, 0, 0, 0) + question


def reply_id(data: bytes) -> int | None:
    return int.from_bytes(data[:2], "big") if len(data) >= 12 else None


def matches_question(data: bytes, question: bytes) -> bool:
    """True when ``data`` is a response whose only question is ours (case-insensitively)."""
    if len(data) < 12 + len(question):
        return False
    flags, qdcount = struct.unpack_from("!HH", data, 2)
    if not flags & _FLAG_QR or qdcount != 1:
        return False
    return data[12 : 12 + len(question)].lower() == question


def fast_reply(data: bytes, question: bytes) -> Reply | None:
    """The common shapes of an A or TXT reply, or None when dnspython must parse it."""
    try:
        return _fast_reply(data, question)
    except (IndexError, struct.error):
        return None


def _fast_reply(data: bytes, question: bytes) -> Reply | None:
    _, flags, _, ancount, nscount, _ = _HEADER.unpack_from(data, 0)
    if flags & _OPCODE_MASK:
        return None
    rcode = flags & 0x000F
    if flags & _FLAG_TC:
        return Reply(rcode, truncated=True)
    if ancount and rcode != 0:
        return None  # contradictory (e.g. NXDOMAIN with answers): dnspython decides
    qtype = int.from_bytes(question[-4:-2], "big")
    offset = 12 + len(question)
    values: list[str] = []
    seen: set[bytes] = set()
    ttl: int | None = None
    for _ in range(ancount):
        if data[offset : offset + 2] != b"\xc0\x0c":
            return None
        rtype, rclass, rttl, length = _RR_FIXED.unpack_from(data, offset + 2)
        offset += 12
        if rtype != qtype or rclass != CLASS_IN or offset + length > len(data):
            return None
        rdata = data[offset : offset + length]
        if rtype == TYPE_A:
            if length != 4:
                return None
            value = ".".join(str(octet) for octet in rdata)
        else:
            text = _txt_strings(rdata)
            if text is None:
                return None
            value = text
        if rdata not in seen:  # an RRset holds each record once (as dnspython reads it)
            seen.add(rdata)
            values.append(value)
        ttl = rttl if ttl is None else min(ttl, rttl)
        offset += length
    if offset > len(data):
        return None
    if values:
        return Reply(rcode, tuple(values), _cap(ttl))
    return Reply(rcode, (), _negative_ttl(data, offset, nscount))


def _txt_strings(rdata: bytes) -> str | None:
    """One TXT record's character-strings joined (RFC 1035 3.3.14), or None when they overrun it."""
    parts: list[bytes] = []
    at = 0
    while at < len(rdata):
        end = at + 1 + rdata[at]
        if end > len(rdata):
            return None
        parts.append(rdata[at + 1 : end])
        at = end
    if not parts:
        return None  # an empty TXT RDATA is malformed: dnspython decides
    return b"".join(parts).decode("utf-8", errors="replace")


def _negative_ttl(data: bytes, offset: int, nscount: int) -> int | None:
    for _ in range(nscount):
        offset = _skip_name(data, offset)
        rtype, _, rttl, length = _RR_FIXED.unpack_from(data, offset)
        offset += 10
        if rtype == TYPE_SOA and length >= 20:
            (minimum,) = struct.unpack_from("!I", data, offset + length - 4)
            return _cap(min(rttl, minimum))
        offset += length
    return None


def _skip_name(data: bytes, offset: int) -> int:
    while True:
        length = data[offset]
        if length == 0:
            return offset + 1
        if length & 0xC0 == 0xC0:
            return offset + 2
        if length & 0xC0:
            raise IndexError("bad label type")
        offset += length + 1


def _cap(ttl: int | None) -> int | None:
    if ttl is None:
        return None
    return max(0, min(ttl, MAX_TTL))


def full_reply(message: dns.message.Message) -> Reply:
    """Decode with dnspython: follows CNAME chains to the queried type, reads the SOA negative TTL."""
    import dns.message  # off the A-record fast path: `ipdash check` starts faster

    rcode = message.rcode()
    if message.flags & dns.flags.TC:
        return Reply(rcode, truncated=True)
    if rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN) or not isinstance(
        message, dns.message.QueryMessage
    ):
        return Reply(rcode)
    try:
        chain = message.resolve_chaining()
    except dns.exception.DNSException:
        return Reply(dns.rcode.FORMERR)
    if chain.answer is None:
        has_soa = any(rrset.rdtype == dns.rdatatype.SOA for rrset in message.authority)
        return Reply(rcode, (), _cap(chain.minimum_ttl) if has_soa else None)
    rdtype = chain.answer.rdtype
    values = tuple(_rdata_text(rdata, rdtype) for rdata in chain.answer)
    return Reply(rcode, values, _cap(chain.minimum_ttl))


def _rdata_text(rdata: object, rdtype: int) -> str:
    if rdtype == dns.rdatatype.TXT:
        strings = getattr(rdata, "strings", ())
        return b"".join(strings).decode("utf-8", errors="replace")
    if rdtype in (dns.rdatatype.PTR, dns.rdatatype.CNAME):
        target = getattr(rdata, "target", None)
        to_text = getattr(target, "to_text", None)
        return to_text(omit_final_dot=True) if callable(to_text) else str(rdata)
    return str(getattr(rdata, "address", rdata))


def parse_wire(data: bytes) -> dns.message.Message:
    """dnspython's parser, with its errors turned into WireError."""
    import dns.message

    try:
        return dns.message.from_wire(data)
    except (dns.exception.DNSException, ValueError) as error:
        raise WireError(f"malformed reply: {error}") from None
