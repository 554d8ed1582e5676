"""Just enough DER (X.690) to read an RSA public key's modulus size from a DKIM p= value."""

from __future__ import annotations

_SEQUENCE, _INTEGER, _BIT_STRING = 0x30, 0x02, 0x03


class DerError(ValueError):
    """The bytes are not the DER structure expected."""


def _tlv(data: bytes, offset: int) -> tuple[int, int, int]:
    """(tag, start of content, end of content) of the element at ``offset``."""
    if offset + 2 > len(data):
        raise DerError("truncated element")
    tag, length = data[offset], data[offset + 1]
    offset += 2
    if length & 0x80:
        count = length & 0x7F
        if not 0 < count <= 4 or offset + count > len(data):
            raise DerError("bad length")
        length = int.from_bytes(data[offset : offset + count], "big")
        offset += count
    if offset + length > len(data):
        raise DerError("element longer than the data")
    return tag, offset, offset + length


def _expect(data: bytes, offset: int, tag: int) -> tuple[int, int]:
    found, start, end = _tlv(data, offset)
    if found != tag:
        raise DerError(f"expected tag {tag:#x}, found {found:#x}")
    return start, end


def _modulus_bits(data: bytes, offset: int) -> int:
    """Bits of the first INTEGER of an RSAPublicKey SEQUENCE (PKCS #1) at ``offset``."""
    start, _ = _expect(data, offset, _SEQUENCE)
    int_start, int_end = _expect(data, start, _INTEGER)
    modulus = int.from_bytes(data[int_start:int_end], "big")
    if modulus <= 0:
        raise DerError("modulus is not positive")
    return modulus.bit_length()


def rsa_key_bits(data: bytes) -> int:
    """Modulus size of a SubjectPublicKeyInfo (what RFC 6376 §3.6.1 says p= holds) or, as some signers
    publish, a bare PKCS #1 RSAPublicKey."""
    start, _ = _expect(data, 0, _SEQUENCE)
    tag, inner, _ = _tlv(data, start)
    if tag == _INTEGER:
        return _modulus_bits(data, 0)
    if tag != _SEQUENCE:
        raise DerError("neither SubjectPublicKeyInfo nor RSAPublicKey")
    _, algorithm_end = _expect(data, start, _SEQUENCE)
    if b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01" not in data[inner:algorithm_end]:
        raise DerError("the key is not an RSA key (rsaEncryption OID missing)")
    bits_start, bits_end = _expect(data, algorithm_end, _BIT_STRING)
    if bits_start >= bits_end or data[bits_start] != 0:
        raise DerError("bad BIT STRING")
    return _modulus_bits(data[:bits_end], bits_start + 1)
