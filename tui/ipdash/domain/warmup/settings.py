"""The ``[warmup]`` config section: custom plans, per-IP plan assignment, and the rule levels."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ipdash.domain.models import canonical_ip
from ipdash.domain.warmup.plans import ALL_WEEKDAYS, parse_weekdays
from ipdash.domain.warmup.schedules import (
    MAX_PLAN_DAYS,
    AfterTable,
    PlanError,
    Schedule,
    builtin_catalog,
    builtin_schedules,
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CustomPlan(_Strict):
    """A plan of your own: an explicit table (``days``) or a generator (``start_volume`` × ``growth``)."""

    title: str = ""
    days: list[int] | None = Field(default=None, min_length=1, max_length=MAX_PLAN_DAYS)
    """Explicit daily volumes, one per sending day, never decreasing."""
    start_volume: int | None = Field(default=None, ge=1)
    """Generator: the first day's volume."""
    growth: float | None = Field(default=None, gt=1, le=10)
    """Generator: multiply by this every ``every_sending_days`` (also continues an explicit table)."""
    every_sending_days: int = Field(default=1, ge=1, le=30)
    target_daily: int | None = Field(default=None, ge=1)
    """The volume this plan warms up to, unless the IP sets its own."""
    source: str = "user config"

    @model_validator(mode="after")
    def _table_or_generator(self) -> CustomPlan:
        if self.days is None and (self.start_volume is None or self.growth is None):
            raise ValueError("give either days = [...] or start_volume and growth")
        if self.days is not None and self.start_volume is not None:
            raise ValueError("give either days = [...] or start_volume, not both")
        return self

    def to_schedule(self, name: str) -> Schedule:
        table = self.days if self.days is not None else [self.start_volume or 1]
        after = (
            AfterTable(
                factor=self.growth, every_sending_days=self.every_sending_days, text="from your config"
            )
            if self.growth
            else None
        )
        try:
            return Schedule(
                name=name,
                title=self.title or f"custom plan {name}",
                daily_limits=tuple(table),
                after_table=after,
                target_daily=self.target_daily,
                source=self.source,
            )
        except ValidationError as error:
            raise PlanError(f"warmup.plans.{name}: {error.errors()[0]['msg']}") from error


class IpWarmup(_Strict):
    """Warm-up settings for one IP; each field falls back to the IP's facts or the defaults."""

    plan: str | None = None
    start: date | None = None
    target_daily: int | None = Field(default=None, ge=1)
    sending_days: str | None = None
    """e.g. "mon-fri" or "mon,tue,thu"."""
    mailbox_split: dict[str, float] = Field(default_factory=dict)
    provider_caps: dict[str, int] = Field(default_factory=dict)

    @field_validator("sending_days")
    @classmethod
    def _weekdays(cls, value: str | None) -> str | None:
        if value is not None:
            parse_weekdays(value)
        return value


def _default_advance_fraction() -> float:
    return builtin_catalog().rules["advance"].fraction or 0.9


def _default_idle_days() -> int:
    return builtin_catalog().rules["rewarm_after_idle"].idle_days or 30


class WarmupSettings(_Strict):
    """``[warmup]`` in the config file."""

    rewarm_idle_days: int = Field(default_factory=_default_idle_days, ge=1, le=365)
    """An IP idle for more than this many days must be warmed again (default 30)."""
    advance_fraction: float = Field(default_factory=_default_advance_fraction, gt=0, le=1)
    """Advance a day only when this fraction of the day's target was delivered (default 0.9)."""
    default_schedule: str = "braze-moderate"
    """Schedule suggested for a re-warm when the IP has no plan (Braze: moderate suits most senders)."""
    default_target_daily: int | None = Field(default=None, ge=1)
    sending_days: str = "mon-sun"
    plans: dict[str, CustomPlan] = Field(default_factory=dict)
    """Custom plans by name; a name of a built-in schedule replaces it."""
    ips: dict[str, IpWarmup] = Field(default_factory=dict)

    @field_validator("sending_days")
    @classmethod
    def _weekdays(cls, value: str) -> str:
        parse_weekdays(value)
        return value

    @field_validator("plans")
    @classmethod
    def _plan_names(cls, value: dict[str, CustomPlan]) -> dict[str, CustomPlan]:
        return {name.strip().lower(): plan for name, plan in value.items()}

    @field_validator("ips")
    @classmethod
    def _canonical_ips(cls, value: dict[str, IpWarmup]) -> dict[str, IpWarmup]:
        result: dict[str, IpWarmup] = {}
        for ip, entry in value.items():
            try:
                result[canonical_ip(ip)] = entry
            except ValueError as error:
                raise ValueError(f"{ip!r} is not an IP address") from error
        return result

    @model_validator(mode="after")
    def _known_names(self) -> WarmupSettings:
        known = self.schedules()
        for name in [self.default_schedule, *(entry.plan for entry in self.ips.values() if entry.plan)]:
            if name.strip().lower() not in known:
                raise ValueError(f"unknown warm-up schedule {name!r}; known: {', '.join(sorted(known))}")
        return self

    def schedules(self) -> dict[str, Schedule]:
        merged = builtin_schedules()
        merged.update({name: plan.to_schedule(name) for name, plan in self.plans.items()})
        return merged

    def weekdays_for(self, ip: str) -> frozenset[int]:
        entry = self.ips.get(ip)
        text = entry.sending_days if entry and entry.sending_days else self.sending_days
        return parse_weekdays(text) if text else ALL_WEEKDAYS

    @classmethod
    def from_section(cls, section: Mapping[str, Any]) -> WarmupSettings:
        """Validate ``config.warmup``; raises PlanError with the key path of the first problem."""
        try:
            return cls.model_validate(dict(section))
        except ValidationError as error:
            problem = error.errors()[0]
            where = ".".join(str(part) for part in problem["loc"])
            prefix = f"warmup.{where}: " if where else "warmup: "
            raise PlanError(prefix + problem["msg"].removeprefix("Value error, ")) from error
