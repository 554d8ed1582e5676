"""Account- and domain-level days from a CSV file (the sample data's ``accounts.csv``; also what a
user can export from a provider without an API source): one row per (date, provider, scope).

Header: ``date, provider, scope, source, sent, bounced, complaints, blocked, bounce_rate,
complaint_rate, rate_basis, status, delivery_errors, compliance``. Rates are fractions; the last two
hold ``;``-separated ``reason=fraction`` / ``REQUIREMENT=STATUS`` items. Empty means not reported.
A bad row is skipped and counted with its line; the rest loads.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ipdash.domain.models import AccountDay
from ipdash.sources.small_files import regular_file_problem

COUNTS = ("sent", "bounced", "complaints", "blocked")
RATES = ("bounce_rate", "complaint_rate")
BASES = ("daily", "rolling")
MAX_CELL = 2000


@dataclass
class AccountsRead:
    days: list[AccountDay] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def read_accounts_file(path: Path) -> AccountsRead:
    """Raises OSError when the file cannot be read; bad rows become ``errors`` ("line N: why")."""
    if (problem := regular_file_problem(path)) is not None:
        raise OSError(f"{path}: {problem}")
    found = AccountsRead()
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            try:
                found.days.append(_day(row))
            except (ValueError, TypeError, KeyError) as error:
                found.errors.append(f"{path.name} line {len(found.days) + len(found.errors) + 2}: {error}")
    return found


def _day(row: dict[str, str]) -> AccountDay:
    if any(len(value or "") > MAX_CELL for value in row.values() if isinstance(value, str)):
        raise ValueError("cell too long")
    counts: dict[str, Any] = {name: _count(row.get(name, "")) for name in COUNTS}
    rates: dict[str, Any] = {name: _rate(row.get(name, "")) for name in RATES}
    basis = (row.get("rate_basis") or "daily").strip()
    if basis not in BASES:
        raise ValueError(f"rate_basis must be daily or rolling, not {basis[:20]!r}")
    provider, scope = (row.get("provider") or "").strip(), (row.get("scope") or "").strip()
    if not provider or not scope:
        raise ValueError("provider and scope are required")
    return AccountDay(
        day=date.fromisoformat((row.get("date") or "").strip()),
        scope=scope,
        provider=provider,
        source=(row.get("source") or provider).strip(),
        status=(row.get("status") or "").strip(),
        rate_basis=basis,
        delivery_errors=_items(row.get("delivery_errors", "")),
        compliance=_items(row.get("compliance", "")),
        **counts,
        **rates,
    )


def _count(text: str | None) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise ValueError(f"not a whole number: {text[:20]!r}")
    return int(text)


def _rate(text: str | None) -> float | None:
    text = (text or "").strip()
    if not text:
        return None
    value = float(text)
    if not 0 <= value <= 1:
        raise ValueError(f"a rate is a fraction 0..1, not {text[:20]!r}")
    return value


def _items(text: str | None) -> tuple[str, ...]:
    return tuple(item.strip() for item in (text or "").split(";") if item.strip())
