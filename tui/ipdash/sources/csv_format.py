"""Recognising a stats CSV: header names, delimiter, and what kind of file it is.

Recognised header names (case-insensitive; spaces, ``_`` and ``-`` are equal):

=================  ==========================================================
field              headers
=================  ==========================================================
date               date, day, send date, sent date, report date, timestamp,
                   stat date
ip                 ip, ip address, sending ip, source ip, ip addr, ipaddress,
                   sending ip address
mailbox_provider   mailbox provider, isp, domain, recipient domain, mailbox,
                   mailbox providers, receiving domain
sent               sent, processed, requests, injected, attempted,
                   delivery attempts, targeted
delivered          delivered, deliveries, accepted
bounced            bounces, bounced, total bounces, bounce
hard_bounced       hard bounces, hard bounced, hard bounce, hardbounces
soft_bounced       soft bounces, soft bounced, soft bounce, softbounces
complaints         complaints, spam reports, spam complaints, spam report,
                   complained, spamreports
unsubscribes       unsubscribes, unsubscribed, unsubscribe, unsubs
opens              opens, opened, unique opens
clicks             clicks, clicked, unique clicks
blocked            blocks, blocked, block bounces, blocked bounces, block bounce
=================  ==========================================================

Anything else is mapped explicitly in the config (``[[csv]] columns = {...}``).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass

from ipdash.domain.models import COUNT_COLUMNS

REQUIRED_FIELDS = ("date", "ip", "sent")
COUNT_FIELDS = COUNT_COLUMNS  # the stats table's counts, each an optional CSV column

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("date", "day", "send date", "sent date", "report date", "timestamp", "stat date"),
    "ip": ("ip", "ip address", "sending ip", "source ip", "ip addr", "ipaddress", "sending ip address"),
    "mailbox_provider": (
        "mailbox provider",
        "isp",
        "domain",
        "recipient domain",
        "mailbox",
        "mailbox providers",
        "receiving domain",
    ),
    "sent": ("sent", "processed", "requests", "injected", "attempted", "delivery attempts", "targeted"),
    "delivered": ("delivered", "deliveries", "accepted"),
    "bounced": ("bounces", "bounced", "total bounces", "bounce"),
    "hard_bounced": ("hard bounces", "hard bounced", "hard bounce", "hardbounces"),
    "soft_bounced": ("soft bounces", "soft bounced", "soft bounce", "softbounces"),
    "complaints": (
        "complaints",
        "spam reports",
        "spam complaints",
        "spam report",
        "complained",
        "spamreports",
    ),
    "unsubscribes": ("unsubscribes", "unsubscribed", "unsubscribe", "unsubs"),
    "opens": ("opens", "opened", "unique opens"),
    "clicks": ("clicks", "clicked", "unique clicks"),
    "blocked": ("blocks", "blocked", "block bounces", "blocked bounces", "block bounce"),
}

_ALIAS_TO_FIELD = {alias: name for name, aliases in HEADER_ALIASES.items() for alias in aliases}
_SEPARATORS = re.compile(r"[\s_\-]+")
CANDIDATE_DELIMITERS = (",", ";", "\t", "|")
SNDS_COLOURS = frozenset({"GREEN", "YELLOW", "RED"})


def normalise_header(cell: str) -> str:
    return _SEPARATORS.sub(" ", cell.strip().strip('"').lower()).strip()


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """Which 0-based column holds each field, and the header names as written."""

    positions: Mapping[str, int]
    headers: tuple[str, ...]

    def missing_required(self) -> list[str]:
        return [name for name in REQUIRED_FIELDS if name not in self.positions]


def map_columns(headers: list[str], explicit: Mapping[str, str] | None = None) -> ColumnMap:
    """Match header cells to fields: explicit config mapping first, then known aliases."""
    positions: dict[str, int] = {}
    normalised = [normalise_header(cell) for cell in headers]
    for field_name, header in (explicit or {}).items():
        wanted = normalise_header(header)
        if wanted in normalised:
            positions[field_name] = normalised.index(wanted)
    taken = set(positions.values())
    for index, cell in enumerate(normalised):
        aliased = _ALIAS_TO_FIELD.get(cell)
        if aliased is not None and aliased not in positions and index not in taken:
            positions[aliased] = index
            taken.add(index)
    return ColumnMap(positions=positions, headers=tuple(headers))


def sniff_delimiter(header_line: str, explicit: Mapping[str, str] | None = None) -> str:
    """The delimiter that splits the header into the most recognised fields."""
    best, best_score = ",", -1
    for delimiter in CANDIDATE_DELIMITERS:
        try:
            cells = next(csv.reader([header_line], delimiter=delimiter), [])
        except csv.Error:  # this delimiter leaves a field over csv's size limit: not it
            continue
        score = len(map_columns(cells, explicit).positions)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def looks_like_snds_row(cells: list[str]) -> bool:
    """An SNDS data row: no header, 11+ columns, an IP first and a filter colour in column 7."""
    if len(cells) < 11 or cells[6].strip().upper() not in SNDS_COLOURS:
        return False
    from ipdash.domain.models import canonical_ip

    try:
        canonical_ip(cells[0])
    except ValueError:
        return False
    return True
