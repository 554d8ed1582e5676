"""Run a pure judge over a dict of answers: what it asks and the dict does not hold is NXDOMAIN."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from ipdash.domain.auth.answers import Answers, Pending
from ipdash.domain.dnsbl.lookups import LookupOutcome, nxdomain, records

T = TypeVar("T")
Zone = Mapping[tuple[str, str], LookupOutcome | str | tuple[str, ...]]


def outcome(value: LookupOutcome | str | tuple[str, ...]) -> LookupOutcome:
    if isinstance(value, LookupOutcome):
        return value
    return records(value) if isinstance(value, str) else records(*value)


def answers_for(zone: Zone) -> Answers:
    return Answers({key: outcome(value) for key, value in zone.items()})


def settle(answers: Answers, judge: Callable[[], T], rounds: int = 60) -> T:
    """Call ``judge`` until it stops raising Pending, answering NXDOMAIN for anything not in the zone."""
    for _ in range(rounds):
        try:
            return judge()
        except Pending:
            for name, rdtype in sorted(answers.missing):
                answers.add(name, rdtype, nxdomain())
            answers.start_round()
    raise AssertionError("the judge never settled")
