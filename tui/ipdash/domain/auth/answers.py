"""Fetched answers, keyed by (name, type), that the judges read; and what the judges found missing.

A judge asks ``answers.get(name, type)``: an answer the IO side already fetched comes back as a
``LookupOutcome``; anything else is recorded in ``missing`` and ``Pending`` is raised, so the IO side
knows what to fetch next and runs the judge again. ``POLICY`` is the MTA-STS policy file over HTTPS,
carried in the same shape (NOERROR with the body, NXDOMAIN for 404, TIMEOUT/FAILURE when unknown).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ipdash.domain.dnsbl.lookups import UNANSWERED, LookupOutcome, Rcode

POLICY = "POLICY"

Query = tuple[str, str]


class Pending(Exception):
    """A judge needs an answer that has not been fetched yet."""

    def __init__(self, query: Query) -> None:
        super().__init__(f"{query[0]} {query[1]} not fetched yet")
        self.query = query


def normalise(name: str) -> str:
    return name.strip().rstrip(".").lower()


class Answers:
    def __init__(self, known: Mapping[Query, LookupOutcome] | None = None) -> None:
        self.known: dict[Query, LookupOutcome] = {}
        self.missing: set[Query] = set()
        for (name, rdtype), outcome in (known or {}).items():
            self.known[(normalise(name), rdtype.upper())] = outcome

    def get(self, name: str, rdtype: str) -> LookupOutcome:
        query = (normalise(name), rdtype.upper())
        found = self.known.get(query)
        if found is None:
            self.missing.add(query)
            raise Pending(query)
        return found

    def add(self, name: str, rdtype: str, outcome: LookupOutcome) -> None:
        self.known[(normalise(name), rdtype.upper())] = outcome

    def start_round(self) -> None:
        self.missing = set()


def unanswered_reason(name: str, rdtype: str, outcome: LookupOutcome) -> str:
    """Why a lookup says nothing about the name: timeouts and refusals are never 'no record'."""
    detail = f" ({outcome.detail})" if outcome.detail else ""
    return f"{rdtype} lookup for {name} got no usable answer: {outcome.rcode.value}{detail}"


def is_unanswered(outcome: LookupOutcome) -> bool:
    return outcome.rcode in UNANSWERED


def txt_records(outcome: LookupOutcome, version: str | None = None) -> list[str]:
    """TXT strings of a NOERROR answer, optionally only those starting ``v=<version>``."""
    from ipdash.domain.auth.tags import starts_with_version

    if outcome.rcode is not Rcode.NOERROR:
        return []
    values: Iterable[str] = outcome.values
    if version is not None:
        values = (v for v in values if starts_with_version(v, version))
    return list(values)
