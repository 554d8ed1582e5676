"""DKIM key records: tags, key types and sizes (DER read by hand), flags, revocation, hostile input."""

from __future__ import annotations

import base64
from functools import lru_cache

import pytest
from auth_helpers import answers_for
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from hypothesis import given
from hypothesis import strategies as st

from ipdash.domain.auth.der import DerError, rsa_key_bits
from ipdash.domain.auth.dkim import judge_dkim, judge_key
from ipdash.domain.auth.status import Status
from ipdash.domain.auth.tags import TagError, parse_tags
from ipdash.domain.dnsbl.lookups import LookupOutcome, Rcode, nxdomain


@lru_cache(maxsize=4)
def rsa_der(bits: int, pkcs1: bool = False) -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits).public_key()
    if pkcs1:
        return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize("bits", [1024, 2048, 3072])
def test_rsa_sizes_are_read_from_spki_and_pkcs1(bits: int) -> None:
    assert rsa_key_bits(rsa_der(bits)) == bits
    assert rsa_key_bits(rsa_der(bits, pkcs1=True)) == bits


@pytest.mark.parametrize(
    "data",
    [b"", b"\x30", b"\x30\x82\xff\xff", b"\x02\x01\x05", b"\x30\x03\x02\x01\x00", b"\x30\x85" + b"\x00" * 10],
)
def test_malformed_der_raises_der_error(data: bytes) -> None:
    with pytest.raises(DerError):
        rsa_key_bits(data)


def test_a_non_rsa_key_is_not_read_as_rsa() -> None:
    public = ec.generate_private_key(ec.SECP256R1()).public_key()
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(DerError, match="not an RSA key"):
        rsa_key_bits(der)


@pytest.mark.parametrize(
    ("record", "status", "bits", "words"),
    [
        ("v=DKIM1; k=rsa; p={2048}", Status.PASS, 2048, "2048-bit rsa"),
        ("p={2048}", Status.PASS, 2048, "rsa"),  # v= and k= are optional
        ("v=DKIM1; p={1024}", Status.WARN, 1024, "2048 bits recommended"),
        ("v=DKIM1; t=y; p={2048}", Status.WARN, 2048, "testing"),
        ("v=DKIM1; t=s:y; p={2048}", Status.WARN, 2048, "testing"),
        ("v=DKIM1; p=", Status.FAIL, None, "revoked"),
        ("v=DKIM1; k=rsa", Status.FAIL, None, "no p= tag"),
        ("v=DKIM1; p=!!notbase64!!", Status.FAIL, None, "not valid base64"),
        ("v=DKIM1; k=dsa; p=AAAA", Status.FAIL, None, "unknown key type"),
        ("v=DKIM1; k=ed25519; p=AAAA", Status.FAIL, None, "32 bytes"),
        ("v=DKIM1; h=sha1; p={2048}", Status.FAIL, 2048, "SHA-1"),
        ("v=DKIM2; p={2048}", Status.FAIL, None, "not DKIM1"),
        ("v=DKIM1; p={2048}; p={2048}", Status.FAIL, None, "twice"),
        ("v=DKIM1; junk; p={2048}", Status.FAIL, None, "cannot be read"),
    ],
)
def test_key_records(record: str, status: Status, bits: int | None, words: str) -> None:
    text = record.replace("{2048}", b64(rsa_der(2048))).replace("{1024}", b64(rsa_der(1024)))
    check = judge_key("s1", "s1._domainkey.example.com", text)
    assert (check.status, check.key_bits) == (status, bits)
    assert words in check.reason


def test_a_key_split_with_whitespace_is_read() -> None:
    key = b64(rsa_der(2048))
    spaced = " ".join(key[i : i + 60] for i in range(0, len(key), 60))
    assert judge_key("s1", "n", f"v=DKIM1; p={spaced}").key_bits == 2048


def test_ed25519() -> None:
    raw = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    check = judge_key("e1", "n", f"v=DKIM1; k=ed25519; p={b64(raw)}")
    assert (check.status, check.key_type) == (Status.PASS, "ed25519")


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (nxdomain(), Status.FAIL),
        (LookupOutcome(Rcode.TIMEOUT), Status.UNKNOWN),
        (LookupOutcome(Rcode.REFUSED), Status.UNKNOWN),
        ("v=spf1 -all", Status.FAIL),
    ],
)
def test_lookup_outcomes(answer: object, status: Status) -> None:
    answers = answers_for({("s1._domainkey.example.com", "TXT"): answer})  # type: ignore[dict-item]
    assert judge_dkim(answers, "example.com", "s1").status is status


def test_two_key_records_warn() -> None:
    key = b64(rsa_der(2048))
    answers = answers_for({("s1._domainkey.example.com", "TXT"): (f"p={key}", f"p={key}")})
    check = judge_dkim(answers, "example.com", "s1")
    assert check.status is Status.WARN and "2 key records" in check.reason


def test_huge_and_hostile_records_are_cut_for_display() -> None:
    check = judge_key("s1", "n", "v=DKIM1; n=\x1b[31m" + "x" * 100_000 + "; p=")
    assert check.status is Status.FAIL
    assert check.record is not None and len(check.record) <= 4096 and "\x1b" not in check.record


@pytest.mark.parametrize(
    ("text", "tags"),
    [("v=DKIM1; k=rsa", {"v": "DKIM1", "k": "rsa"}), (" a = b ;; c=d ; ", {"a": "b", "c": "d"}), ("", {})],
)
def test_tag_lists(text: str, tags: dict[str, str]) -> None:
    assert parse_tags(text) == tags


@pytest.mark.parametrize("text", ["novalue", "=x", "9a=b", "a=b; A=c"])
def test_bad_tag_lists(text: str) -> None:
    with pytest.raises(TagError):
        parse_tags(text)


@given(st.text(max_size=300))
def test_any_key_record_gets_a_verdict(text: str) -> None:
    assert judge_key("s", "n", text).status in set(Status)
