"""Warm-up schedules as data: the built-in tables (with sources) and the rules the progress logic cites."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from itertools import pairwise
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

#: Plans longer than this are refused: a warm-up that takes over a year is a mistake in the inputs.
MAX_PLAN_DAYS = 366


class PlanError(ValueError):
    """A warm-up plan cannot be built from these inputs. The message says why, in one line."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AfterTable(_Frozen):
    """How a plan continues past the end of its table when the target is higher."""

    factor: float = Field(gt=1, le=10)
    every_sending_days: int = Field(default=1, ge=1, le=30)
    derived: bool = False
    """True when the continuation is ipdash's reading, not a published number."""
    text: str = ""


class Schedule(_Frozen):
    """A warm-up ladder: volume per sending day, plus an optional per-mailbox-provider table."""

    name: str = Field(min_length=1, max_length=80)
    title: str = ""
    daily_limits: tuple[int, ...] = Field(min_length=1, max_length=MAX_PLAN_DAYS)
    per_mailbox_provider: dict[str, tuple[int, ...]] | None = None
    after_table: AfterTable | None = None
    target_daily: int | None = Field(default=None, ge=1)
    """The volume a custom plan warms up to when the IP does not say."""
    notes: str = ""
    derivation: str = ""
    source: str = ""

    @model_validator(mode="after")
    def _check_table(self) -> Schedule:
        limits = self.daily_limits
        if any(value <= 0 for value in limits):
            raise ValueError("daily limits must be positive")
        if any(later < earlier for earlier, later in pairwise(limits)):
            raise ValueError("daily limits must never decrease")
        for provider, values in (self.per_mailbox_provider or {}).items():
            if len(values) != len(limits):
                raise ValueError(
                    f"per_mailbox_provider[{provider!r}] has {len(values)} days, not {len(limits)}"
                )
            if any(value < 0 for value in values):
                raise ValueError(f"per_mailbox_provider[{provider!r}] has a negative volume")
        if self.per_mailbox_provider:
            for index, total in enumerate(limits):
                split_total = sum(values[index] for values in self.per_mailbox_provider.values())
                if split_total != total:
                    raise ValueError(f"day {index + 1}: providers add up to {split_total}, not {total}")
        return self

    @property
    def is_derived(self) -> bool:
        return bool(self.derivation) or bool(self.after_table and self.after_table.derived)


class Rule(_Frozen):
    """One warm-up rule as the data file states it."""

    text: str
    source: str
    fraction: float | None = Field(default=None, gt=0, le=1)
    idle_days: int | None = Field(default=None, ge=1)


class Catalog(_Frozen):
    about: str = ""
    rules: dict[str, Rule]
    schedules: dict[str, Schedule]


REQUIRED_RULES = (
    "advance",
    "hold_on_warn",
    "step_back_on_critical",
    "pause_on_spamhaus",
    "over_cap",
    "rewarm_after_idle",
)


def parse_catalog(raw: Any) -> Catalog:
    """Validate the schedules file's content; a schedule's name is its key."""
    if not isinstance(raw, dict) or not isinstance(raw.get("schedules"), dict):
        raise PlanError("warm-up schedules data must be an object with a 'schedules' table")
    schedules = {
        name: {**body, "name": name} if isinstance(body, dict) else body
        for name, body in raw["schedules"].items()
    }
    try:
        catalog = Catalog.model_validate({**raw, "schedules": schedules})
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise PlanError(f"warm-up schedules data: {where}: {first['msg']}") from error
    missing = [name for name in REQUIRED_RULES if name not in catalog.rules]
    if missing:
        raise PlanError(f"warm-up schedules data: missing rules: {', '.join(missing)}")
    return catalog


@cache
def builtin_catalog() -> Catalog:
    """The schedules and rules shipped in ``ipdash/data/warmup_schedules.json``."""
    text = resources.files("ipdash").joinpath("data/warmup_schedules.json").read_text(encoding="utf-8")
    return parse_catalog(json.loads(text))


def builtin_schedules() -> dict[str, Schedule]:
    return dict(builtin_catalog().schedules)


def rule(name: str) -> Rule:
    return builtin_catalog().rules[name]
