"""Regenerate the sample data's receiver reports: `python sample_data/generate_reports.py`.

Reads stats.csv and ips.toml (run generate.py first) and writes, for the last 7 days:

* dmarc/: one DMARC aggregate report per reporter, sending domain and day, shaped like each reporter's
  real ones: Google (.zip, no namespace, extra_contact_info, np), Microsoft (.xml.gz, xsd/xsi
  namespaces, envelope_to, no version), Yahoo (.xml.gz, DMARCbis namespace, version).
  Receivers report what they accepted: about the ESP's delivered count per mailbox provider.
* arf/: Yahoo and Microsoft feedback-loop complaints (ARF) for 198.51.100.12, no more per day and
  provider than the ESP already counts (so the merge adds nothing: the rule is "the larger, never the sum").

Stories: promo.acme-shop.example still signs part of its mail with the retired old2019 selector, so
203.0.113.20's DKIM fails there (DMARC pass ~95%: a warning); 192.0.2.99, a forgotten CRM service,
sends as acme-shop.example with SPF for its own domain and no DKIM (an unknown source, failing DMARC).
Deterministic: fixed seeds, gzip mtime 0, fixed zip timestamps.
"""

from __future__ import annotations

import csv
import gzip
import random
import tomllib
import zipfile
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
LAST_DAY = date(2026, 11, 20)
DAYS = 7
REPORTERS = ("google", "microsoft", "yahoo")
PROVIDER = {"google": "gmail.com", "microsoft": "outlook.com", "yahoo": "yahoo.com"}
FORGOTTEN_CRM = "192.0.2.99"
#: Share of 203.0.113.20's mail still signed with the retired selector (DKIM fails, SPF not aligned).
OLD_SELECTOR_SHARE = 0.05
#: (day, provider) -> ARF complaints for 198.51.100.12, each at or under the ESP's count that day.
ARF = {(date(2026, 11, 20), "yahoo.com"): 3, (date(2026, 11, 19), "outlook.com"): 2, (date(2026, 11, 20), "outlook.com"): 1}


def epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def record(ip: str, count: int, domain: str, dkim: bool, spf: bool, reporter: str, selector: str) -> str:
    evaluated = (
        f"<policy_evaluated><disposition>none</disposition><dkim>{'pass' if dkim else 'fail'}</dkim>"
        f"<spf>{'pass' if spf else 'fail'}</spf></policy_evaluated>"
    )
    to = f"<envelope_to>{PROVIDER[reporter].replace('outlook.com', 'hotmail.com')}</envelope_to>" if reporter == "microsoft" else ""
    envelope = f"<envelope_from>bounce.{domain}</envelope_from>" if reporter != "google" else ""
    spf_domain = f"bounce.{domain}" if ip != FORGOTTEN_CRM else "crm-vendor.example"
    dkim_part = (
        f"<dkim><domain>{domain}</domain><selector>{selector}</selector><result>{'pass' if dkim else 'fail'}</result></dkim>"
        if ip != FORGOTTEN_CRM
        else ""
    )
    return (
        f"<record><row><source_ip>{ip}</source_ip><count>{count}</count>{evaluated}</row>"
        f"<identifiers>{to}{envelope}<header_from>{domain}</header_from></identifiers>"
        f"<auth_results>{dkim_part}<spf><domain>{spf_domain}</domain><result>pass</result></spf></auth_results></record>"
    )


def report(reporter: str, domain: str, day: date, rows: list[str], rng: random.Random) -> bytes:
    begin, end = epoch(day), epoch(day + timedelta(days=1)) - 1
    if reporter == "google":
        head = (
            "<feedback><report_metadata><org_name>google.com</org_name>"
            "<email>noreply-dmarc-support@google.com</email>"
            "<extra_contact_info>https://support.google.com/a/answer/2466580</extra_contact_info>"
            f"<report_id>{rng.getrandbits(63)}</report_id>"
        )
        policy = f"<policy_published><domain>{domain}</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><sp>none</sp><pct>100</pct><np>none</np></policy_published>"
    elif reporter == "microsoft":
        head = (
            '<feedback xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            "<report_metadata><org_name>Outlook.com</org_name><email>dmarcreport@microsoft.com</email>"
            f"<report_id>{rng.getrandbits(128):032x}</report_id>"
        )
        end += 1
        policy = f"<policy_published><domain>{domain}</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><sp>none</sp><pct>100</pct><fo>0</fo></policy_published>"
    else:
        head = (
            '<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0"><version>1.0</version>'
            "<report_metadata><org_name>Yahoo</org_name><email>dmarchelp@yahooinc.com</email>"
            f"<report_id>{begin}.{rng.randrange(10**6):06d}</report_id>"
        )
        policy = f"<policy_published><domain>{domain}</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><testing>n</testing></policy_published>"
    dates = f"<date_range><begin>{begin}</begin><end>{end}</end></date_range></report_metadata>"
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + head + dates + policy + "".join(rows) + "</feedback>\n").encode()


def write_dmarc(delivered: dict[tuple[date, str, str], int], domains: dict[str, str], selectors: dict[str, str]) -> int:
    folder = HERE / "dmarc"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    rng = random.Random(20261120)
    written = 0
    for back in range(DAYS - 1, -1, -1):
        day = LAST_DAY - timedelta(days=back)
        for reporter in REPORTERS:
            provider = PROVIDER[reporter]
            by_domain: dict[str, list[str]] = defaultdict(list)
            for ip, domain in domains.items():
                count = delivered.get((day, ip, provider), 0)
                if not count:
                    continue
                old = round(count * OLD_SELECTOR_SHARE) if ip == "203.0.113.20" else 0
                by_domain[domain].append(record(ip, count - old, domain, True, True, reporter, selectors[domain]))
                if old:
                    by_domain[domain].append(record(ip, old, domain, False, False, reporter, "old2019"))
            crm = rng.randrange(30, 90)
            by_domain["acme-shop.example"].append(record(FORGOTTEN_CRM, crm, "acme-shop.example", False, False, reporter, ""))
            for domain, rows in sorted(by_domain.items()):
                data = report(reporter, domain, day, rows, rng)
                stem = {"google": "google.com", "microsoft": "protection.outlook.com", "yahoo": "yahoo.com"}[reporter]
                name = f"{stem}!{domain}!{epoch(day)}!{epoch(day + timedelta(days=1))}"
                if reporter == "google":
                    with zipfile.ZipFile(folder / f"{name}.zip", "w", zipfile.ZIP_DEFLATED) as archive:
                        archive.writestr(zipfile.ZipInfo(f"{name}.xml", (day.year, day.month, day.day, 12, 0, 0)), data)
                else:
                    (folder / f"{name}.xml.gz").write_bytes(gzip.compress(data, mtime=0))
                written += 1
    return written


ARF_TEMPLATE = """From: {sender}
To: fbl@acme-shop.example
Subject: Complaint about a message from 198.51.100.12
Date: {date}
Message-ID: <fbl-{n}@{host}>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="arf-{n}"

--arf-{n}
Content-Type: text/plain; charset="US-ASCII"

This is an email abuse report for an email message received from IP 198.51.100.12.

--arf-{n}
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: {agent}
Version: 1
Original-Mail-From: <bounce-{n}@news.acme-shop.example>
Arrival-Date: {date}
{source_ip}Reported-Domain: news.acme-shop.example

--arf-{n}
Content-Type: text/rfc822-headers

Received: from mta12.mail.acme-shop.example ([198.51.100.12]) by {mx}; {date}
From: Acme Shop News <news@news.acme-shop.example>
Subject: This week's deals
Message-ID: <deal-{n}@news.acme-shop.example>

--arf-{n}--
"""


def write_arf() -> int:
    folder = HERE / "arf"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    n = 0
    for (day, provider), count in sorted(ARF.items()):
        for index in range(count):
            n += 1
            when = datetime(day.year, day.month, day.day, 9 + index, 17, tzinfo=UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
            yahoo = provider == "yahoo.com"
            text = ARF_TEMPLATE.format(
                sender="Yahoo! Mail AntiSpam Feedback <feedback@arf.mail.yahoo.com>" if yahoo else "staff@hotmail.com",
                date=when,
                n=n,
                host="arf.mail.yahoo.com" if yahoo else "hotmail.com",
                agent="Yahoo!-Mail-Feedback/2.0" if yahoo else "Microsoft JMRP",
                source_ip="Source-IP: 198.51.100.12\n" if yahoo else "",  # JMRP: the Received chain tells
                mx="mta1001.mail.gq1.yahoo.com" if yahoo else "BN8NAM12FT012.mail.protection.outlook.com",
            )
            (folder / f"{day.isoformat()}-{provider}-{n}.eml").write_text(text)
    return n


def main() -> None:
    facts = tomllib.loads((HERE / "ips.toml").read_text())["ips"]
    domains = {entry["ip"]: entry["sending_domains"][0] for entry in facts if entry.get("sending_domains")}
    selectors = {entry["name"]: entry["selectors"][0] for entry in tomllib.loads((HERE / "domains.toml").read_text())["domains"]}
    first = LAST_DAY - timedelta(days=DAYS - 1)
    delivered: dict[tuple[date, str, str], int] = {}
    with open(HERE / "stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            day = date.fromisoformat(row["date"])
            if first <= day <= LAST_DAY:
                delivered[(day, row["ip"], row["mailbox_provider"])] = int(row["delivered"])
    print(f"{write_dmarc(delivered, domains, selectors)} DMARC reports, {write_arf()} ARF reports")


if __name__ == "__main__":
    main()
