"""Regenerate ipdash's bundled sample data: `python sample_data/generate.py`.

Seeded, so the output is the same every run. Every IP tells a deliberate story
(see README.md in this folder); change a story here, not in the CSV.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20261120
LAST_DAY = date(2026, 11, 20)
DAYS = 120
FIRST_DAY = LAST_DAY - timedelta(days=DAYS - 1)

#: Share of each IP's volume per mailbox provider.
SPLIT = {"gmail.com": 0.45, "outlook.com": 0.20, "yahoo.com": 0.15, "other": 0.20}
#: Braze's moderate daily warm-up table (reference/warmup_thresholds.md §1.5): 21 days to 1M.
BRAZE_MODERATE = [50, 100, 500, 1000, 2000, 4000, 8000, 16000, 25000, 35000, 50000, 75000, 100000,
                  150000, 200000, 275000, 375000, 500000, 650000, 825000, 1000000]
WARMUP_TARGET = 500_000  # reached on sending day 18: on the last date the IP is on day 12, mid-way

WEEKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))


@dataclass
class Rates:
    """Fractions for one (day, mailbox provider)."""

    hard_bounce: float = 0.004
    soft_bounce: float = 0.003
    complaint: float = 0.0002  # of delivered
    unsubscribe: float = 0.002  # of delivered
    open: float = 0.32
    click: float = 0.04
    block: float = 0.3  # share of the soft bounces that are blocks (the mailbox provider refusing the IP)


@dataclass
class Story:
    ip: str
    facts: dict[str, object]
    sending_days: frozenset[int]
    volume: Callable[[int, date], int]  # (days before LAST_DAY, date) -> daily volume
    rates: Callable[[int, str], Rates] = lambda _ago, _mbp: Rates()
    snds_colour: Callable[[int], str] = lambda _ago: "GREEN"
    trap_hits: Callable[[int], int] = lambda _ago: 0
    split: dict[str, float] = field(default_factory=lambda: dict(SPLIT))


def sending_days_before(last: date, count: int, weekdays: frozenset[int]) -> date:
    """The date that is `count` sending days before `last` (inclusive of last as day `count`)."""
    day, seen = last, 0
    while True:
        if day.weekday() in weekdays:
            seen += 1
            if seen == count:
                return day
        day -= timedelta(days=1)


WARMUP_START = sending_days_before(LAST_DAY, 12, WEEKDAYS)
IDLE_SINCE = LAST_DAY - timedelta(days=38)


def steady(base: int, weekend_factor: float = 1.0) -> Callable[[int, date], int]:
    return lambda _ago, day: int(base * (weekend_factor if day.weekday() >= 5 else 1.0))


def warming(_ago: int, day: date) -> int:
    if day < WARMUP_START:
        return 0
    sending_day = sum(
        1 for offset in range((day - WARMUP_START).days + 1) if (WARMUP_START + timedelta(offset)).weekday() < 5
    )
    cap = min(BRAZE_MODERATE[min(sending_day, len(BRAZE_MODERATE)) - 1], WARMUP_TARGET)
    return int(cap * 0.97)  # sends just under each day's cap


def gmail_complaints(ago: int, mbp: str) -> Rates:
    if mbp != "gmail.com":
        return Rates(complaint=0.0003)
    if ago >= 30:
        return Rates(complaint=0.0004)
    if ago >= 10:
        return Rates(complaint=0.0016)  # crosses Gmail's 0.1% target
    return Rates(complaint=0.0036)  # then its 0.3% limit


def bad_import(ago: int, mbp: str) -> Rates:
    if ago in (5, 4, 3) and mbp == "outlook.com":  # Microsoft blocks the IP (SNDS RED): ~12% blocks
        return Rates(hard_bounce=0.085, soft_bounce=0.13, complaint=0.0009, block=0.95)
    if ago in (5, 4, 3):
        return Rates(hard_bounce=0.085, soft_bounce=0.012, complaint=0.0009)
    if ago < 3:
        return Rates(hard_bounce=0.035, soft_bounce=0.008, complaint=0.0006)
    return Rates()


def stopped_sending(ago: int, day: date) -> int:
    return 0 if day > IDLE_SINCE else 25_000


STORIES = [
    Story(
        ip="198.51.100.10",
        facts={"pool": "transactional", "provider": "sendgrid", "kind": "dedicated", "stream": "transactional",
               "rdns": "mta10.mail.acme-shop.example", "sending_domains": ["acme-shop.example"]},
        sending_days=EVERY_DAY,
        volume=steady(42_000, weekend_factor=0.7),
        rates=lambda _ago, _mbp: Rates(hard_bounce=0.003, soft_bounce=0.002, complaint=0.00008, unsubscribe=0.0004, open=0.55, click=0.12),
    ),
    Story(
        ip="198.51.100.11",
        facts={"pool": "marketing", "provider": "sendgrid", "kind": "dedicated", "stream": "marketing",
               "warmup_start": WARMUP_START, "warmup_plan": "braze-moderate", "warmup_target_daily": WARMUP_TARGET,
               "rdns": "mta11.mail.acme-shop.example", "sending_domains": ["news.acme-shop.example"]},
        sending_days=WEEKDAYS,
        volume=warming,
        rates=lambda _ago, _mbp: Rates(hard_bounce=0.006, soft_bounce=0.004, complaint=0.0004, unsubscribe=0.003),
    ),
    Story(
        ip="198.51.100.12",
        facts={"pool": "marketing", "provider": "sendgrid", "kind": "dedicated", "stream": "marketing",
               "rdns": "mta12.mail.acme-shop.example", "sending_domains": ["news.acme-shop.example"]},
        sending_days=WEEKDAYS,
        volume=steady(80_000),
        rates=gmail_complaints,
        snds_colour=lambda ago: "YELLOW" if ago < 10 else "GREEN",
    ),
    Story(
        ip="203.0.113.20",
        facts={"pool": "ses-marketing", "provider": "ses", "kind": "dedicated", "stream": "marketing",
               "rdns": "mail20.acme-shop.example", "sending_domains": ["promo.acme-shop.example"]},
        sending_days=WEEKDAYS,
        volume=steady(30_000),
        rates=bad_import,
        snds_colour=lambda ago: "RED" if ago in (5, 4, 3) else ("YELLOW" if ago < 3 else "GREEN"),
        trap_hits=lambda ago: {5: 7, 4: 5, 3: 4, 2: 2}.get(ago, 0),
    ),
    Story(
        ip="203.0.113.21",
        facts={"pool": "ses-marketing", "provider": "ses", "kind": "dedicated", "stream": "marketing",
               "warmup_start": FIRST_DAY, "warmup_plan": "braze-moderate",
               "rdns": "mail21.acme-shop.example", "sending_domains": ["promo.acme-shop.example"]},
        sending_days=WEEKDAYS,
        volume=stopped_sending,
    ),
    Story(
        ip="192.0.2.50",
        facts={"pool": "ses-shared", "provider": "ses", "kind": "shared", "stream": "mixed",
               "rdns": "a50-12.smtp-out.amazonses.example"},
        sending_days=EVERY_DAY,
        volume=steady(9_000, weekend_factor=0.5),
        rates=lambda _ago, _mbp: Rates(hard_bounce=0.009, soft_bounce=0.006, complaint=0.0008, unsubscribe=0.004),
    ),
    Story(
        ip="192.0.2.51",
        facts={"pool": "sg-shared", "provider": "sendgrid", "kind": "shared", "stream": "mixed",
               "rdns": "o51.shared.sendgrid.example"},
        sending_days=EVERY_DAY,
        volume=steady(6_000, weekend_factor=0.6),
        rates=lambda _ago, _mbp: Rates(hard_bounce=0.016, soft_bounce=0.009, complaint=0.0006, unsubscribe=0.006),
    ),
    Story(
        ip="203.0.113.30",
        facts={"pool": "ses-transactional", "provider": "ses", "kind": "dedicated", "stream": "transactional",
               "rdns": "mail30.acme-shop.example", "sending_domains": ["acme-shop.example"]},
        sending_days=EVERY_DAY,
        volume=steady(110),  # ~770 in a 7-day window: below the 1,000 minimum for judging rates
        rates=lambda _ago, _mbp: Rates(hard_bounce=0.02, soft_bounce=0.01, complaint=0.0, unsubscribe=0.0),
    ),
    Story(
        ip="2001:db8:25::10",
        facts={"pool": "ses-transactional", "provider": "ses", "kind": "dedicated", "stream": "transactional",
               "rdns": "mail6.acme-shop.example", "sending_domains": ["acme-shop.example"]},
        sending_days=EVERY_DAY,
        volume=steady(8_000, weekend_factor=0.8),
        rates=lambda _ago, _mbp: Rates(hard_bounce=0.002, soft_bounce=0.002, complaint=0.00005, unsubscribe=0.0002, open=0.6, click=0.2),
        split={"gmail.com": 0.55, "outlook.com": 0.30, "yahoo.com": 0.10, "other": 0.05},
    ),
]


def jitter(rng: random.Random, value: float, spread: float = 0.08) -> float:
    return value * rng.uniform(1 - spread, 1 + spread)


def generate_rows(rng: random.Random) -> tuple[list[list[object]], list[list[object]]]:
    stats: list[list[object]] = []
    snds: list[list[object]] = []
    for offset in range(DAYS):
        day = FIRST_DAY + timedelta(days=offset)
        ago = (LAST_DAY - day).days
        for story in STORIES:
            if day.weekday() not in story.sending_days:
                continue
            volume = story.volume(ago, day)
            if volume <= 0:
                continue
            volume = int(jitter(rng, volume, 0.05))
            outlook_sent = outlook_delivered = 0
            for mbp, share in story.split.items():
                sent = max(1, int(volume * share))
                rates = story.rates(ago, mbp)
                hard = round(sent * jitter(rng, rates.hard_bounce))
                soft = round(sent * jitter(rng, rates.soft_bounce))
                delivered = sent - hard - soft
                complaints = round(delivered * jitter(rng, rates.complaint, 0.15))
                unsubscribes = round(delivered * jitter(rng, rates.unsubscribe))
                opens = round(delivered * jitter(rng, rates.open))
                clicks = round(opens * jitter(rng, rates.click / rates.open if rates.open else 0))
                blocks = round(soft * rates.block)  # no rng draw: the other columns keep their values
                stats.append([day.isoformat(), story.ip, mbp, sent, delivered, hard, soft, complaints, unsubscribes, opens, clicks, blocks])
                if mbp == "outlook.com":
                    outlook_sent, outlook_delivered = sent, delivered
            if ":" not in story.ip and outlook_sent >= 100:  # SNDS covers IPv4 with ~100+ messages a day
                snds.append(snds_row(story, day, ago, outlook_sent, outlook_delivered, rng))
    return stats, snds


def snds_row(story: Story, day: date, ago: int, sent: int, delivered: int, rng: random.Random) -> list[object]:
    stamp = f"{day.month}/{day.day}/{day.year}"
    colour = story.snds_colour(ago)
    rate = story.rates(ago, "outlook.com").complaint
    complaint_text = "< 0.1%" if rate < 0.001 else f"{rate * 100:.1f}%"
    traps = story.trap_hits(ago)
    trap_start = f"{stamp} 9:{rng.randint(10, 59)} AM" if traps else ""
    trap_end = f"{stamp} 4:{rng.randint(10, 59)} PM" if traps else ""
    helo = story.facts.get("rdns", "")
    return [story.ip, f"{stamp} 12:00 AM", f"{stamp} 11:59 PM", sent, sent, delivered, colour, complaint_text,
            trap_start, trap_end, traps, helo, f"bounces@{helo}", ""]


ACCOUNT_HEADER = ["date", "provider", "scope", "source", "sent", "bounced", "complaints", "blocked",
                  "bounce_rate", "complaint_rate", "rate_basis", "status", "delivery_errors", "compliance"]
ACCOUNT_DAYS = 30  # what the providers' APIs give back on a first poll


def account_rows(stats: list[list[object]]) -> list[list[object]]:
    """Account and domain days derived from the per-IP rows (no rng): SendGrid account totals with
    blocks, SES's rolling account reputation, and Google Postmaster v2 per sending domain."""
    by_ip = {story.ip: story for story in STORIES}
    days = [LAST_DAY - timedelta(days=n) for n in range(ACCOUNT_DAYS - 1, -1, -1)]
    totals: dict[tuple[str, str], list[int]] = {}  # (date, provider or domain) -> sent, bounced, complaints, blocks
    gmail: dict[tuple[str, str], list[int]] = {}  # (date, domain) -> gmail delivered, complaints
    split: dict[tuple[str, str], list[int]] = {}  # (date, mailbox provider) -> SendGrid's per-provider stats
    for day, ip, mbp, sent, delivered, hard, soft, complaints, _u, _o, _c, blocks in stats:
        facts = by_ip[str(ip)].facts
        row = totals.setdefault((str(day), str(facts["provider"])), [0, 0, 0, 0])
        cells = [row, split.setdefault((str(day), str(mbp)), [0, 0, 0, 0])] if facts["provider"] == "sendgrid" else [row]
        for cell in cells:
            for index, value in enumerate((sent, hard + soft, complaints, blocks)):  # type: ignore[operator]
                cell[index] += int(value)  # type: ignore[call-overload]
        for domain in facts.get("sending_domains", []):  # type: ignore[attr-defined]
            if mbp == "gmail.com":
                cell = gmail.setdefault((str(day), domain), [0, 0])
                cell[0] += int(delivered)  # type: ignore[call-overload]
                cell[1] += int(complaints)  # type: ignore[call-overload]
    rows: list[list[object]] = []
    for day in days:
        key = day.isoformat()
        sent, bounced, complaints, blocks = totals.get((key, "sendgrid"), [0, 0, 0, 0])
        if sent:
            rows.append([key, "sendgrid", "account", "sendgrid", sent, bounced, complaints, blocks,
                         "", "", "daily", "", "", ""])
    for day in days:  # SendGrid's /v3/mailbox_providers/stats: Gmail's spam reports never reach an ESP
        for mbp in ("gmail.com", "outlook.com", "yahoo.com", "other"):
            sent, bounced, complaints, blocks = split.get((day.isoformat(), mbp), [0, 0, 0, 0])
            if sent:
                rows.append([day.isoformat(), "sendgrid", f"account @ {mbp}", "sendgrid", sent, bounced,
                             "" if mbp == "gmail.com" else complaints, blocks, "", "", "daily", "", "", ""])
    for day in days:  # SES: rolling rates over the trailing 14 days' volume (its "representative volume")
        trailing = [totals.get(((day - timedelta(days=n)).isoformat(), "ses"), [0, 0, 0, 0]) for n in range(14)]
        sent = sum(t[0] for t in trailing)
        if sent:
            bounce = sum(t[1] for t in trailing) / sent
            complaint = sum(t[2] for t in trailing) / sent
            status = "HEALTHY" if day == LAST_DAY else ""
            rows.append([day.isoformat(), "ses", "account", "ses", "", "", "", "", f"{bounce:.4f}",
                         f"{complaint:.5f}", "rolling", status, "", ""])
    for domain in ("acme-shop.example", "news.acme-shop.example", "promo.acme-shop.example"):
        for day in days:
            delivered, complaints = gmail.get((day.isoformat(), domain), [0, 0])
            if delivered < 1000:  # Postmaster shows nothing for low daily volume
                continue
            ago = (LAST_DAY - day).days
            errors = "low_ip_reputation=0.021;ip_in_rbls=0.008" if domain.startswith("promo") and ago <= 5 else ""
            compliance = "DMARC_POLICY=NEEDS_WORK;DMARC_ALIGNMENT=NEEDS_WORK" if domain.startswith("promo") and day == LAST_DAY else ""
            rows.append([day.isoformat(), "gmail", domain, "postmaster", "", "", "", "", "",
                         f"{complaints / delivered:.5f}", "daily", "", errors, compliance])
    return rows


def facts_toml() -> str:
    lines = ["# Per-IP facts for the sample data. Generated by generate.py: edit the stories there.", ""]
    for story in STORIES:
        lines.append("[[ips]]")
        lines.append(f'ip = "{story.ip}"')
        for key, value in story.facts.items():
            if isinstance(value, date):
                lines.append(f"{key} = {value.isoformat()}")
            elif isinstance(value, list):
                lines.append(f"{key} = [{', '.join(f'{v!r}'.replace(chr(39), chr(34)) for v in value)}]")
            elif isinstance(value, int):
                lines.append(f"{key} = {value}")
            else:
                lines.append(f'{key} = "{value}"')
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    rng = random.Random(SEED)
    stats, snds = generate_rows(rng)
    with open(HERE / "stats.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["date", "ip", "mailbox_provider", "sent", "delivered", "hard_bounces", "soft_bounces",
                         "complaints", "unsubscribes", "opens", "clicks", "blocks"])
        writer.writerows(stats)
    with open(HERE / "snds.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(snds)
    (HERE / "ips.toml").write_text(facts_toml(), encoding="utf-8")
    with open(HERE / "accounts.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(ACCOUNT_HEADER)
        writer.writerows(account_rows(stats))
    print(f"wrote {len(stats)} stats rows, {len(snds)} SNDS rows, {len(STORIES)} IPs "
          f"({FIRST_DAY} .. {LAST_DAY}; warm-up starts {WARMUP_START}, idle since {IDLE_SINCE})")


if __name__ == "__main__":
    main()
