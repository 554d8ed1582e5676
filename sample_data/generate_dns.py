"""Write dns_snapshot.json: the sending domains' DNS as the offline sample mode shows it.

Run ``python sample_data/generate_dns.py`` (needs ``cryptography`` for the DKIM keys; they are throwaway
keys, so each run writes new ones and the verdicts stay the same). The stories, one per domain:

- acme-shop.example: fully compliant. SPF -all with 2 lookups, two 2048-bit DKIM keys, DMARC p=reject
  with reports to itself, BIMI with a VMC, MTA-STS enforce covering both MX hosts, TLS-RPT.
- news.acme-shop.example: fine but incomplete. SPF and a 2048-bit key pass, DMARC is inherited from
  acme-shop.example (p=reject); no MTA-STS, TLS-RPT or BIMI of its own (warnings).
- promo.acme-shop.example: what a year of "just add another include" does. The Return-Path domain's SPF
  needs 13 lookups through nested includes and hits 4 void lookups (a retired vendor); 203.0.113.20
  still passes (its include comes first), but 203.0.113.21, added to the pool later and missing from
  the include, runs into the lookup limit: permerror. DKIM ses1 is 1024-bit and old2019 is revoked; its
  own DMARC is p=none with aggregate reports to a vendor that has not authorised them; no MTA-STS,
  TLS-RPT or BIMI.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

HERE = Path(__file__).parent
ORG = "acme-shop.example"


def key(bits: int) -> str:
    public = rsa.generate_private_key(public_exponent=65537, key_size=bits).public_key()
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


def records() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []

    def add(name: str, rdtype: str, *values: str) -> None:
        out.append({"name": name, "type": rdtype, "values": list(values)})

    # acme-shop.example: compliant
    add(
        ORG,
        "TXT",
        "v=spf1 ip4:198.51.100.10 include:_spf.sendgrid-esp.example -all",
        "google-site-verification=sample",
    )
    add("_spf.sendgrid-esp.example", "TXT", "v=spf1 ip4:198.51.100.0/24 ip4:192.0.2.51 ~all")
    add(ORG, "MX", f"10 mx1.mail.{ORG}.", f"20 mx2.mail.{ORG}.")
    for selector in ("s1", "s2"):
        add(f"{selector}._domainkey.{ORG}", "TXT", f"v=DKIM1; k=rsa; p={key(2048)}")
    add(
        f"_dmarc.{ORG}",
        "TXT",
        f"v=DMARC1; p=reject; adkim=r; aspf=r; rua=mailto:dmarc-agg@{ORG}; ruf=mailto:dmarc-forensic@{ORG}",
    )
    add(
        f"default._bimi.{ORG}", "TXT", f"v=BIMI1; l=https://bimi.{ORG}/logo.svg; a=https://bimi.{ORG}/vmc.pem"
    )
    add(f"_mta-sts.{ORG}", "TXT", "v=STSv1; id=20261101T000000")
    add(f"mta-sts.{ORG}", "A", "198.51.100.80")
    add(f"_smtp._tls.{ORG}", "TXT", f"v=TLSRPTv1; rua=mailto:tls-reports@{ORG}")
    # news.acme-shop.example: inherits DMARC, no MTA-STS / TLS-RPT / BIMI of its own
    add(f"news.{ORG}", "TXT", "v=spf1 include:_spf.sendgrid-esp.example -all")
    add(f"nl1._domainkey.news.{ORG}", "TXT", f"v=DKIM1; k=rsa; p={key(2048)}")
    # promo.acme-shop.example: realistic problems
    bounce = f"bounce.promo.{ORG}"
    add(
        bounce,
        "TXT",
        "v=spf1 include:amazonses-esp.example include:_spf.crm-vendor.example "
        "include:_spf.helpdesk-vendor.example include:_spf.survey-vendor.example ~all",
    )
    add("amazonses-esp.example", "TXT", "v=spf1 ip4:203.0.113.0/29 ip4:203.0.113.20 ip4:192.0.2.50 -all")
    add(
        "_spf.crm-vendor.example",
        "TXT",
        "v=spf1 include:_spf1.crm-vendor.example include:_spf2.crm-vendor.example include:_spf3.crm-vendor.example ~all",
    )
    for index in (1, 2, 3):
        add(f"_spf{index}.crm-vendor.example", "TXT", f"v=spf1 ip4:192.0.2.{100 + index} ~all")
    add("_spf.helpdesk-vendor.example", "TXT", "v=spf1 a mx include:mail.helpdesk-vendor.example ~all")
    add("mail.helpdesk-vendor.example", "TXT", "v=spf1 ip4:192.0.2.120 ~all")
    add("_spf.helpdesk-vendor.example", "A", "192.0.2.121")
    add(
        "_spf.survey-vendor.example",
        "TXT",
        "v=spf1 a:out.survey-vendor.example a:retired.survey-vendor.example exists:legacy.survey-vendor.example ~all",
    )
    add(f"ses1._domainkey.promo.{ORG}", "TXT", f"v=DKIM1; k=rsa; p={key(1024)}")
    add(f"old2019._domainkey.promo.{ORG}", "TXT", "v=DKIM1; k=rsa; p=")
    add(f"_dmarc.promo.{ORG}", "TXT", "v=DMARC1; p=none; rua=mailto:reports@dmarc-vendor.example")
    # PTR and forward records for the sending IPs (FCrDNS)
    for ip, name in (
        ("198.51.100.10", f"mta10.mail.{ORG}"),
        ("198.51.100.11", f"mta11.mail.{ORG}"),
        ("198.51.100.12", f"mta12.mail.{ORG}"),
        ("203.0.113.20", f"mail20.{ORG}"),
        ("203.0.113.21", "203-0-113-21.dyn.isp-pool.example"),
    ):
        add(".".join(reversed(ip.split("."))) + ".in-addr.arpa", "PTR", name + ".")
        add(name, "A", ip)
    # The RFC 5782 test point of a default list: a working resolver answers it, and the rDNS checks
    # trust a resolver's NXDOMAIN for a PTR only after it has answered a name that must exist.
    add("2.0.0.127.zen.spamhaus.org", "A", "127.0.0.2")
    return out


def main() -> None:
    policy = f"version: STSv1\nmode: enforce\nmx: *.mail.{ORG}\nmax_age: 1209600\n"
    snapshot = {
        "_about": "Sample sending domains' DNS for offline mode; written by generate_dns.py (throwaway keys).",
        "records": records(),
        "policies": {f"https://mta-sts.{ORG}/.well-known/mta-sts.txt": policy},
    }
    (HERE / "dns_snapshot.json").write_text(json.dumps(snapshot, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
