"""Records for the sending-domain tests: real DKIM keys of a chosen size, and a fully compliant domain
on the loopback DNS server that each test then breaks in one way."""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from dnsbl_loopback_server import DnsScript, Reply

DOMAIN = "example.com"
SENDING_IP = "192.0.2.10"


@lru_cache(maxsize=8)
def rsa_key(bits: int) -> str:
    """The base64 p= value of a fresh RSA key (SubjectPublicKeyInfo DER, as RFC 6376 §3.6.1 says)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits).public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


def _der(tag: int, content: bytes) -> bytes:
    length = len(content)
    encoded = bytes([length]) if length < 0x80 else bytes([0x82]) + length.to_bytes(2, "big")
    return bytes([tag]) + encoded + content


def small_rsa_key(bits: int) -> str:
    """An RSA SubjectPublicKeyInfo with a ``bits``-bit modulus, DER-encoded by hand (cryptography will not
    make keys under 1024 bits; a verifier only needs the modulus size here)."""
    modulus = (1 << (bits - 1)) | 0xF1
    n = _der(0x02, b"\x00" + modulus.to_bytes((bits + 7) // 8, "big"))
    e = _der(0x02, (65537).to_bytes(3, "big"))
    algorithm = _der(0x30, _der(0x06, bytes.fromhex("2a864886f70d010101")) + b"\x05\x00")
    spki = _der(0x30, algorithm + _der(0x03, b"\x00" + _der(0x30, n + e)))
    return base64.b64encode(spki).decode()


def ed25519_key() -> str:
    raw = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return base64.b64encode(raw).decode()


def compliant_domain(script: DnsScript, domain: str = DOMAIN) -> None:
    script.add_txt(
        domain, "v=spf1 ip4:192.0.2.0/28 include:_spf.esp.example -all", "google-site-verification=x"
    )
    script.add_txt("_spf.esp.example", "v=spf1 ip4:198.51.100.0/24 ~all")
    script.add_txt(f"s1._domainkey.{domain}", f"v=DKIM1; k=rsa; p={rsa_key(2048)}")
    script.add_txt(f"_dmarc.{domain}", f"v=DMARC1; p=reject; rua=mailto:dmarc@{domain}")
    script.add_txt(
        f"default._bimi.{domain}",
        f"v=BIMI1; l=https://bimi.{domain}/logo.svg; a=https://bimi.{domain}/vmc.pem",
    )
    script.add_txt(f"_mta-sts.{domain}", "v=STSv1; id=20261101")
    script.add_txt(f"_smtp._tls.{domain}", f"v=TLSRPTv1; rua=mailto:tls@{domain}")
    script.add(domain, "MX", Reply(mx=(f"10 mx1.{domain}",)))
    script.add(f"mta-sts.{domain}", "A", Reply(addresses=("127.0.0.1",)))
    script.add_ptr(SENDING_IP, f"mta10.{domain}")
