"""Regenerate the sample MTA log: `python sample_data/generate_mta.py`.

KumoMTA log records (https://docs.kumomta.com/reference/log_record/), one JSON object per line, in
weekly zstd-compressed segments under `mta/` as KumoMTA writes them. It is a reply excerpt: the
bounces and deferrals of the sample IPs over the last 42 days with their SMTP replies, told to match
the stories in README.md. The stats CSV's counts win for the same (day, IP, mailbox provider), so the
log adds the replies: the top reasons in the IP detail and a new block reason where one appears.
Seeded; the same output every run (zstd level 3, one frame per segment).
"""

from __future__ import annotations

import csv
import json
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import zstandard

HERE = Path(__file__).resolve().parent
SEED = 20261120
LAST_DAY = date(2026, 11, 20)
DAYS = 42

GMAIL_RATE = (
    421,
    (4, 7, 28),
    "[{ip}] Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited. Please visit https://support.google.com/mail/?p=UnsolicitedRateLimitError to review our Bulk Email Senders Guidelines. {id} - gsmtp",
)
GMAIL_NO_USER = (
    550,
    (5, 1, 1),
    "The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. For more information, go to https://support.google.com/mail/?p=NoSuchUser {id} - gsmtp",
)
OUTLOOK_RATE = (
    451,
    (4, 7, 650),
    "The mail server [{ip}] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://aka.ms/postmaster (S775) [Name=Protocol Filter Agent][AGT=PFA][MxId={id}]",
)
OUTLOOK_S3150 = (
    550,
    (5, 7, 1),
    "Unfortunately, messages from [{ip}] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors. [{id}.eop-nam12.prod.protection.outlook.com]",
)
OUTLOOK_NO_USER = (
    550,
    (5, 5, 0),
    "Requested action not taken: mailbox unavailable (S2017062302). [{id}.eop-nam12.prod.protection.outlook.com]",
)
YAHOO_TSS04 = (
    421,
    (4, 7, 0),
    "[TSS04] Messages from {ip} temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
)
YAHOO_NO_USER = (
    554,
    None,
    "delivery error: dd This user doesn't have a yahoo.com account ({rcpt}) [0] - mta1234.mail.bf1.yahoo.com",
)
OTHER_NO_USER = (
    550,
    (5, 1, 1),
    "<{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table",
)

DOMAINS = {
    "gmail.com": "gmail.com",
    "outlook.com": "hotmail.com",
    "yahoo.com": "yahoo.com",
    "other": "example.net",
}

#: (ip, mailbox provider, reply, per-day count, first day back, last day back); days back from LAST_DAY.
Reply = tuple[int, tuple[int, int, int] | None, str]
#: KumoMTA's bounce classifier (iana.toml and the community rules) names invalid recipients.
INVALID = {GMAIL_NO_USER, OUTLOOK_NO_USER, YAHOO_NO_USER, OTHER_NO_USER}
STORIES: list[tuple[str, str, Reply, int, int, int]] = [
    ("198.51.100.10", "gmail.com", GMAIL_NO_USER, 6, 41, 0),
    ("198.51.100.10", "other", OTHER_NO_USER, 3, 41, 0),
    # warming: Gmail and Yahoo push back on the fast-growing volume (since the warm-up began, 11-05)
    ("198.51.100.11", "gmail.com", GMAIL_RATE, 9, 15, 0),
    ("198.51.100.11", "yahoo.com", YAHOO_TSS04, 4, 14, 0),
    ("198.51.100.11", "gmail.com", GMAIL_NO_USER, 5, 15, 0),
    # Gmail complaints rising from 30 days back: Gmail rate-limits the IP
    ("198.51.100.12", "gmail.com", GMAIL_RATE, 14, 30, 0),
    ("198.51.100.12", "gmail.com", GMAIL_NO_USER, 4, 41, 0),
    ("198.51.100.12", "outlook.com", OUTLOOK_RATE, 3, 29, 0),
    # the bad list import: invalid recipients everywhere, then Microsoft's block list (new: S3150)
    ("203.0.113.20", "gmail.com", GMAIL_NO_USER, 4, 41, 7),
    ("203.0.113.20", "gmail.com", GMAIL_NO_USER, 60, 4, 3),
    ("203.0.113.20", "outlook.com", OUTLOOK_NO_USER, 25, 4, 3),
    ("203.0.113.20", "outlook.com", OUTLOOK_S3150, 18, 4, 0),
    ("203.0.113.20", "yahoo.com", YAHOO_NO_USER, 12, 4, 3),
    # shared pool with noisy neighbours: Yahoo defers the whole range
    ("192.0.2.51", "yahoo.com", YAHOO_TSS04, 7, 41, 0),
    ("192.0.2.51", "other", OTHER_NO_USER, 5, 41, 0),
    ("2001:db8:25::10", "gmail.com", GMAIL_NO_USER, 2, 41, 0),
]


def record(rng: random.Random, ip: str, provider: str, reply: Reply, day: date) -> str:
    code, enhanced, text = reply
    moment = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(seconds=rng.randrange(86400))
    rcpt = f"user{rng.randrange(10**6)}@{DOMAINS[provider]}"
    token = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(14))
    permanent = code >= 500
    fields = {
        "type": "Bounce" if permanent else "TransientFailure",
        "id": f"{rng.getrandbits(128):032x}",
        "sender": "bounce@acme-shop.example",
        "recipient": rcpt,
        "queue": f"{DOMAINS[provider]}",
        "site": f"{provider}-mx",
        "size": rng.randrange(8000, 60000),
        "response": {
            "code": code,
            "enhanced_code": dict(zip(("class", "subject", "detail"), enhanced, strict=True))
            if enhanced
            else None,
            "content": text.format(ip=ip, id=token, rcpt=rcpt),
            "command": "RCPT TO" if reply in INVALID else "MAIL FROM",
        },
        "timestamp": int(moment.timestamp()),
        "created": int(moment.timestamp()) - rng.randrange(60, 3600),
        "num_attempts": rng.randrange(1, 4),
        "bounce_classification": "InvalidRecipient" if reply in INVALID else "Uncategorized",
        "egress_pool": "acme-pool",
        "egress_source": f"ip-{ip}",
        "source_address": {
            "address": f"[{ip}]:0" if ":" in ip else f"{ip}:0",
            "protocol": None,
            "server": None,
        },
        "delivery_protocol": "ESMTP",
    }
    return json.dumps(fields, separators=(",", ":"))


def sending_keys() -> set[tuple[date, str, str]]:
    """(day, IP, mailbox provider) that stats.csv has volume for: the excerpt only has replies to mail sent."""
    with open(HERE / "stats.csv", encoding="utf-8", newline="") as handle:
        return {
            (date.fromisoformat(row["date"]), row["ip"], row["mailbox_provider"])
            for row in csv.DictReader(handle)
            if int(row["sent"]) > 0
        }


def main() -> None:
    rng = random.Random(SEED)
    keys = sending_keys()
    lines: list[tuple[int, str]] = []
    for ip, provider, reply, per_day, first_back, last_back in STORIES:
        for back in range(last_back, first_back + 1):
            day = LAST_DAY - timedelta(days=back)
            if (day, ip, provider) not in keys:
                continue
            for _ in range(max(0, round(per_day * rng.uniform(0.6, 1.4)))):
                text = record(rng, ip, provider, reply, day)
                lines.append((json.loads(text)["timestamp"], text))
    lines.sort()
    folder = HERE / "mta"
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*"):
        old.unlink()
    weeks: dict[str, list[str]] = {}
    for stamp, text in lines:
        moment = datetime.fromtimestamp(stamp, UTC)
        start = LAST_DAY - timedelta(days=(LAST_DAY - moment.date()).days // 7 * 7 + 6)
        weeks.setdefault(start.strftime("%Y%m%d-000000"), []).append(text)
    compressor = zstandard.ZstdCompressor(level=3)
    for name, chunk in sorted(weeks.items()):
        (folder / name).write_bytes(compressor.compress(("\n".join(chunk) + "\n").encode()))
    print(f"wrote {len(lines)} records in {len(weeks)} segments to {folder}")


if __name__ == "__main__":
    main()
