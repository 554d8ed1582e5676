"""What a DNS lookup came back with, as plain data: the resolver side fills it, the judges read it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Rcode(StrEnum):
    NOERROR = "noerror"
    NXDOMAIN = "nxdomain"
    SERVFAIL = "servfail"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    #: Anything else: FORMERR/NOTIMP answers, a malformed reply, a network error.
    FAILURE = "failure"


#: Outcomes that say nothing about the name: never clean, never listed.
UNANSWERED = frozenset({Rcode.SERVFAIL, Rcode.REFUSED, Rcode.TIMEOUT, Rcode.FAILURE})


@dataclass(frozen=True, slots=True)
class LookupOutcome:
    """One lookup: the rcode and the record values (A/AAAA addresses, TXT strings, PTR names).

    ``ttl`` is how long the outcome may be reused (the answer's TTL, or the negative TTL from the SOA
    for NXDOMAIN/NODATA); None for outcomes that must not be cached. ``detail`` says more for people
    ("no answer in 2.0 s, asked twice").
    """

    rcode: Rcode
    values: tuple[str, ...] = ()
    ttl: int | None = None
    detail: str = ""

    @property
    def answered(self) -> bool:
        return self.rcode not in UNANSWERED

    @property
    def has_records(self) -> bool:
        return self.rcode is Rcode.NOERROR and bool(self.values)


def timeout(detail: str = "") -> LookupOutcome:
    return LookupOutcome(Rcode.TIMEOUT, detail=detail)


def nxdomain(ttl: int | None = None) -> LookupOutcome:
    return LookupOutcome(Rcode.NXDOMAIN, ttl=ttl)


def records(*values: str, ttl: int | None = None) -> LookupOutcome:
    return LookupOutcome(Rcode.NOERROR, tuple(values), ttl=ttl)
