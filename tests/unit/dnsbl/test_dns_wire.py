"""The fast reply reader agrees with dnspython on every shape it accepts, declines the rest, and never
crashes on garbage (property tests with Hypothesis)."""

from __future__ import annotations

import contextlib

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rrset
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ipdash.sources.dns.wire import (
    MAX_TTL,
    TYPE_A,
    TYPE_TXT,
    WireError,
    encode_name,
    encode_query,
    fast_reply,
    full_reply,
    matches_question,
    parse_wire,
    question_bytes,
    reply_id,
)

NAME = "2.0.0.127.zen.example"
QUESTION = question_bytes(NAME, TYPE_A)

addresses = st.lists(
    st.tuples(st.just(127), st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)).map(
        lambda t: ".".join(map(str, t))
    ),
    max_size=6,
    unique=True,
)


def build(
    rcode: int,
    answer: list[str],
    ttl: int,
    soa: tuple[int, int] | None,
    *,
    cname: bool = False,
    edns: bool = False,
    truncated: bool = False,
) -> bytes:
    query = dns.message.make_query(NAME, "A", use_edns=0 if edns else None, id=4242)
    response = dns.message.make_response(query)
    response.set_rcode(rcode)
    qname = query.question[0].name
    if cname:
        target = dns.name.from_text("alias.zen.example")
        response.answer.append(dns.rrset.from_text(qname, ttl, "IN", "CNAME", target.to_text()))
        qname = target
    if answer:
        response.answer.append(dns.rrset.from_text_list(qname, ttl, "IN", "A", answer))
    if soa is not None:
        soa_ttl, minimum = soa
        rdata = f"ns.zen.example. hostmaster.zen.example. 1 3600 600 86400 {minimum}"
        response.authority.append(dns.rrset.from_text("zen.example.", soa_ttl, "IN", "SOA", rdata))
    if truncated:
        response.flags |= dns.flags.TC
    return response.to_wire()


@settings(max_examples=300, deadline=None)
@given(
    rcode=st.sampled_from([dns.rcode.NOERROR, dns.rcode.NXDOMAIN, dns.rcode.SERVFAIL, dns.rcode.REFUSED]),
    answer=addresses,
    ttl=st.integers(0, 2**31 - 1),
    soa=st.none() | st.tuples(st.integers(0, 100_000), st.integers(0, 100_000)),
    cname=st.booleans(),
    edns=st.booleans(),
)
def test_fast_reader_agrees_with_dnspython(
    rcode: int, answer: list[str], ttl: int, soa: tuple[int, int] | None, cname: bool, edns: bool
) -> None:
    wire = build(rcode, answer, ttl, soa, cname=cname, edns=edns)
    fast = fast_reply(wire, QUESTION)
    full = full_reply(parse_wire(wire))
    if cname and rcode in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
        assert fast is None, "CNAME chains go to dnspython"
    if fast is not None:
        assert fast.rcode == full.rcode
        if rcode in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            assert sorted(fast.values) == sorted(full.values)
            assert fast.ttl == full.ttl
    if full.values:
        assert full.ttl is not None and 0 <= full.ttl <= MAX_TTL


def test_nxdomain_negative_ttl_is_the_smaller_of_soa_ttl_and_minimum() -> None:
    reply = fast_reply(build(dns.rcode.NXDOMAIN, [], 0, (900, 60)), QUESTION)
    assert reply is not None and reply.ttl == 60 and reply.values == ()
    reply = fast_reply(build(dns.rcode.NXDOMAIN, [], 0, (30, 600)), QUESTION)
    assert reply is not None and reply.ttl == 30
    reply = fast_reply(build(dns.rcode.NXDOMAIN, [], 0, None), QUESTION)
    assert reply is not None and reply.ttl is None


def test_truncated_reply_is_flagged() -> None:
    reply = fast_reply(build(dns.rcode.NOERROR, [], 0, None, truncated=True), QUESTION)
    assert reply is not None and reply.truncated


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_garbage_never_crashes(data: bytes) -> None:
    fast_reply(data, QUESTION)
    matches_question(data, QUESTION)
    reply_id(data)
    with contextlib.suppress(WireError):
        full_reply(parse_wire(data))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 600), st.binary(max_size=8))
def test_cut_or_corrupted_replies_never_crash(cut: int, junk: bytes) -> None:
    wire = build(dns.rcode.NOERROR, ["127.0.0.2", "127.0.0.4"], 300, (60, 60))
    damaged = wire[:cut] + junk
    fast_reply(damaged, QUESTION)
    with contextlib.suppress(WireError):
        full_reply(parse_wire(damaged))


def test_query_and_question_matching() -> None:
    wire = encode_query(4242, QUESTION)
    parsed = dns.message.from_wire(wire)
    assert parsed.id == 4242 and parsed.flags & dns.flags.RD
    assert parsed.question[0].name == dns.name.from_text(NAME)
    reply = build(dns.rcode.NOERROR, ["127.0.0.2"], 60, None)
    assert matches_question(reply, QUESTION)
    assert not matches_question(reply, question_bytes("other.zen.example", TYPE_A))
    assert not matches_question(wire, QUESTION), "a query is not a reply"
    upper = reply[:12] + reply[12:].replace(b"zen", b"ZEN", 1)
    assert matches_question(upper, QUESTION), "0x20 case differences still match"


@pytest.mark.parametrize(
    "name", ["", "a..b", "x" * 64 + ".example", "bü.example", "sp ace.example", "a." * 130]
)
def test_names_that_cannot_be_encoded(name: str) -> None:
    with pytest.raises(WireError):
        encode_name(name)


def test_nxdomain_with_answers_is_not_taken_at_its_word() -> None:
    wire = build(dns.rcode.NXDOMAIN, ["127.0.0.2"], 60, None)
    assert fast_reply(wire, QUESTION) is None
    assert full_reply(parse_wire(wire)).rcode == dns.rcode.FORMERR


TXT_QUESTION = question_bytes(NAME, TYPE_TXT)
txt_records = st.lists(
    st.lists(st.binary(max_size=80), min_size=1, max_size=3).map(tuple), max_size=4, unique=True
)


def build_txt(rcode: int, records: list[tuple[bytes, ...]], ttl: int, *, cname: bool = False) -> bytes:
    import dns.rdataclass
    import dns.rdatatype
    from dns.rdtypes.ANY.TXT import TXT

    query = dns.message.make_query(NAME, "TXT", id=4243)
    response = dns.message.make_response(query)
    response.set_rcode(rcode)
    qname = query.question[0].name
    if cname:
        target = dns.name.from_text("alias.zen.example")
        response.answer.append(dns.rrset.from_text(qname, ttl, "IN", "CNAME", target.to_text()))
        qname = target
    if records:
        rrset = dns.rrset.RRset(qname, dns.rdataclass.IN, dns.rdatatype.TXT)
        for strings in records:
            rrset.add(TXT(dns.rdataclass.IN, dns.rdatatype.TXT, strings), ttl)
        response.answer.append(rrset)
    return response.to_wire()


@settings(max_examples=300, deadline=None)
@given(
    rcode=st.sampled_from([dns.rcode.NOERROR, dns.rcode.NXDOMAIN, dns.rcode.SERVFAIL]),
    records=txt_records,
    ttl=st.integers(0, 2**31 - 1),
    cname=st.booleans(),
)
def test_fast_txt_reader_agrees_with_dnspython(
    rcode: int, records: list[tuple[bytes, ...]], ttl: int, cname: bool
) -> None:
    wire = build_txt(rcode, records, ttl, cname=cname)
    fast = fast_reply(wire, TXT_QUESTION)
    full = full_reply(parse_wire(wire))
    if cname and records and rcode == dns.rcode.NOERROR:
        assert fast is None, "CNAME chains go to dnspython"
    if fast is not None:
        assert fast.rcode == full.rcode
        if rcode in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            assert fast.values == full.values
            assert fast.ttl == full.ttl


def test_fast_txt_reader_joins_strings_and_declines_overruns() -> None:
    second = b"see https://x.example/\xff"
    wire = build_txt(dns.rcode.NOERROR, [(b"listed by ", b"zen"), (second,)], 300)
    reply = fast_reply(wire, TXT_QUESTION)
    assert reply is not None and reply.ttl == 300
    assert sorted(reply.values) == ["listed by zen", "see https://x.example/\ufffd"]  # dnspython shuffles RRs
    same_text = build_txt(dns.rcode.NOERROR, [(b"ab",), (b"a", b"b")], 60)
    assert fast_reply(same_text, TXT_QUESTION) == full_reply(parse_wire(same_text)), "two records, one text"
    overrun = bytearray(wire)
    at = wire.index(second)
    overrun[at - 1] = 200  # a string length past its record
    assert fast_reply(bytes(overrun), TXT_QUESTION) is None
    assert fast_reply(wire, QUESTION) is None, "a TXT answer to an A question is not read as A"


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 400), st.binary(max_size=8))
def test_cut_or_corrupted_txt_replies_never_crash(cut: int, junk: bytes) -> None:
    wire = build_txt(dns.rcode.NOERROR, [(b"a" * 40, b"b" * 10), (b"c",)], 300)
    damaged = wire[:cut] + junk
    fast_reply(damaged, TXT_QUESTION)
    with contextlib.suppress(WireError):
        full_reply(parse_wire(damaged))


_LABELS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=63)


@given(st.lists(_LABELS, min_size=1, max_size=8), st.booleans())
def test_encoded_names_are_dnspythons_wire_form(labels: list[str], trailing_dot: bool) -> None:
    name = ".".join(labels) + ("." if trailing_dot else "")
    try:
        expected = dns.name.from_text(name).to_wire()
    except dns.name.NameTooLong:
        with pytest.raises(WireError, match="longer than 255"):
            encode_name(name)
        return
    assert encode_name(name) == expected


_ANY_LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC0123456789-_. é", min_size=0, max_size=70)


@given(st.lists(_ANY_LABEL, min_size=1, max_size=5), st.lists(_ANY_LABEL, min_size=1, max_size=4))
def test_a_sweep_s_pre_encoded_question_is_the_whole_name_s(
    prefix_parts: list[str], zone_parts: list[str]
) -> None:
    """The checker encodes each target's prefix and each zone once and joins them: whenever it does, the
    bytes are exactly those of the whole query name (and otherwise the client encodes the name itself)."""
    from ipdash.domain.dnsbl.targets import TargetError, query_name
    from ipdash.sources.dns.checker import _labels, _zone_question

    prefix, zone = ".".join(prefix_parts), ".".join(zone_parts)
    try:
        name = query_name(prefix, zone)
    except TargetError:
        return
    labels, tail = _labels(prefix), _zone_question(zone)
    if labels is None or not tail:
        return
    assert labels + tail == question_bytes(name, TYPE_A)
