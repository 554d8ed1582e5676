"""What the sender tells the advisor, and how bad or contradictory answers are refused.

Every problem names the field it is about, so the CLI can say "--sends-per-month: …"
and the wizard can show it under the question.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

MAX_MONTHLY_VOLUME = 10**12


class Pattern(StrEnum):
    STEADY = "steady"
    SEASONAL = "seasonal"
    SPIKY = "spiky"


class Streams(StrEnum):
    TRANSACTIONAL = "transactional"
    MARKETING = "marketing"
    BOTH = "both"


class OptIn(StrEnum):
    DOUBLE = "double"
    SINGLE = "single"
    UNKNOWN = "unknown"


class Watcher(StrEnum):
    """Who will watch the IPs' reputation, warm-up and blocklistings."""

    TEAM = "team"  # someone checks daily
    PART_TIME = "part-time"  # someone looks now and then
    NOBODY = "nobody"
    UNKNOWN = "unknown"


class InputProblem(ValueError):
    """One bad or contradictory answer: which field, and what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class InvalidInputs(ValueError):
    """All the problems found in one set of answers."""

    def __init__(self, problems: list[InputProblem]) -> None:
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems


def max_sending_days_in_month(days_per_week: int) -> int:
    """The most sending days a month can hold at this many days a week (a 31-day month)."""
    return 4 * days_per_week + min(days_per_week, 3)


def cross_field_problems(values: Mapping[str, Any]) -> list[InputProblem]:
    """Contradictions between answers. Only checks answers that are present (the wizard
    calls this after each step)."""
    problems: list[InputProblem] = []
    sends = values.get("sends_per_month")
    days = values.get("sending_days_per_week")
    volume = values.get("monthly_volume")
    if sends is not None and days is not None:
        most = max_sending_days_in_month(days)
        if sends > most:
            problems.append(
                InputProblem(
                    "sends_per_month",
                    f"{sends} sends a month is more than the sending days a month has at "
                    f"{days} day{'s' if days != 1 else ''} a week (at most {most})",
                )
            )
        elif sends < days:
            problems.append(
                InputProblem(
                    "sending_days_per_week",
                    f"sending {days} days a week means at least {days} sends a month, "
                    f"but sends per month is {sends}",
                )
            )
    if volume is not None and sends is not None and volume < sends:
        problems.append(
            InputProblem(
                "monthly_volume",
                f"{volume:,} a month is fewer than one message per send ({sends} sends a month)",
            )
        )
    peak = values.get("peak_monthly_volume")
    if peak is not None and volume is not None and peak < volume:
        problems.append(
            InputProblem(
                "peak_monthly_volume",
                f"the peak month ({peak:,}) is below the typical month ({volume:,})",
            )
        )
    share = values.get("transactional_share")
    streams = values.get("streams")
    if share is not None and streams is not None and Streams(streams) is not Streams.BOTH:
        problems.append(
            InputProblem(
                "transactional_share",
                f"a transactional share only makes sense with both streams, not {Streams(streams).value} only",
            )
        )
    return problems


class AdvisorInputs(BaseModel):
    """One sender's answers. Rates are fractions in [0, 1]. Which answers were really given is
    ``model_fields_set``: every default taken for the others is listed as an assumption."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    monthly_volume: int = Field(ge=1, le=MAX_MONTHLY_VOLUME)
    sends_per_month: int | None = Field(default=None, ge=1, le=31)
    sending_days_per_week: int | None = Field(default=None, ge=1, le=7)
    longest_gap_days: int | None = Field(default=None, ge=1, le=366)
    pattern: Pattern = Pattern.STEADY
    peak_monthly_volume: int | None = Field(default=None, ge=1, le=MAX_MONTHLY_VOLUME)
    streams: Streams | None = None
    transactional_share: float | None = Field(default=None, ge=0, le=1)
    bounce_rate: float | None = Field(default=None, ge=0, le=1)
    complaint_rate: float | None = Field(default=None, ge=0, le=1)
    unsubscribe_rate: float | None = Field(default=None, ge=0, le=1)
    opt_in: OptIn = OptIn.UNKNOWN
    engagement_window_months: int | None = Field(default=None, ge=1, le=240)
    allowlisted_recipients: bool = False
    time_critical: bool = False
    provider: str | None = None
    budget_usd: float | None = Field(default=None, ge=0, le=10**9)
    watcher: Watcher = Watcher.UNKNOWN

    @model_validator(mode="after")
    def _consistent(self) -> AdvisorInputs:
        problems = cross_field_problems(self.model_dump())
        if problems:
            raise problems[0]
        return self


def validate_inputs(raw: Mapping[str, Any]) -> AdvisorInputs:
    """Build inputs from loose answers (CLI options, an answers file), or raise InvalidInputs
    naming every bad field. Keys may use '-' or '_'."""
    normalised = {str(key).strip().replace("-", "_"): value for key, value in raw.items()}
    known = set(AdvisorInputs.model_fields)
    unknown = sorted(set(normalised) - known)
    problems = [InputProblem(name, "unknown answer name") for name in unknown]
    if problems:
        raise InvalidInputs(problems)
    try:
        return AdvisorInputs.model_validate(normalised)
    except ValidationError as error:
        raise InvalidInputs([_problem_from(detail) for detail in error.errors()]) from None


def _problem_from(detail: Mapping[str, Any]) -> InputProblem:
    context = detail.get("ctx") or {}
    inner = context.get("error")
    if isinstance(inner, InputProblem):
        return inner
    field = ".".join(str(part) for part in detail.get("loc", ())) or "answers"
    kind = detail.get("type", "")
    value = detail.get("input")
    if kind == "missing":
        return InputProblem(field, "is required")
    if kind in {"greater_than_equal", "greater_than"} and isinstance(value, int | float) and value < 0:
        return InputProblem(field, f"{value!r} is negative")
    if kind in {"greater_than_equal", "greater_than"}:
        return InputProblem(
            field, f"{value!r} is too small (must be ≥ {context.get('ge', context.get('gt'))})"
        )
    if kind in {"less_than_equal", "less_than"}:
        return InputProblem(
            field, f"{value!r} is too large (must be ≤ {context.get('le', context.get('lt'))})"
        )
    if kind == "enum":
        return InputProblem(field, f"{value!r} is not one of {context.get('expected')}")
    return InputProblem(field, f"{value!r}: {detail.get('msg', 'invalid')}")


_RATE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?|\.[0-9]+)\s*(%?)\s*$")
_COUNT = re.compile(r"^\s*([0-9][0-9_,]*(?:\.[0-9]+)?)\s*([kKmM]?)\s*$")


def parse_rate(text: str | float | int, field: str = "rate") -> float:
    """'1.5%' or '0.015' -> 0.015. A bare number above 1 is refused: 1.5 is ambiguous."""
    if isinstance(text, bool):
        raise InputProblem(field, f"{text!r} is not a rate")
    if isinstance(text, int | float):
        value = float(text)
        percent = False
    elif not isinstance(text, str):
        raise InputProblem(field, f"{text!r} is not a rate: write 1.5% or 0.015")
    else:
        match = _RATE.match(text)
        if match is None:
            raise InputProblem(field, f"{text!r} is not a rate: write 1.5% or 0.015")
        value, percent = float(match.group(1)), bool(match.group(2))
    if not math.isfinite(value) or value < 0:
        raise InputProblem(field, f"{text!r} is not a rate: write 1.5% or 0.015")
    if percent:
        value /= 100
    elif value > 1:
        raise InputProblem(field, f"{text!r} is above 1: write a percentage with % (e.g. {value:g}%)")
    if value > 1:
        raise InputProblem(field, f"{text!r} is above 100%")
    return value


def parse_count(text: str | int, field: str = "count") -> int:
    """A whole count: '250000', '250,000', '250_000', '250k', '1.5M'."""
    if isinstance(text, bool):
        raise InputProblem(field, f"{text!r} is not a number")
    if isinstance(text, int):
        return text
    if not isinstance(text, str):
        raise InputProblem(field, f"{text!r} is not a whole number")
    if text.strip().startswith("-"):
        raise InputProblem(field, f"{text.strip()!r} is negative")
    match = _COUNT.match(text)
    if match is None:
        raise InputProblem(field, f"{text!r} is not a whole number")
    digits = match.group(1).replace(",", "").replace("_", "")
    multiplier = {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    value = float(digits) * multiplier
    if not value.is_integer():
        raise InputProblem(field, f"{text!r} is not a whole number")
    return int(value)


def parse_money(text: str | float | int, field: str = "budget_usd") -> float:
    """'$500', '500', '1,200.50' -> dollars."""
    if isinstance(text, bool):
        raise InputProblem(field, f"{text!r} is not an amount")
    if isinstance(text, int | float):
        value = float(text)
    elif not isinstance(text, str):
        raise InputProblem(field, f"{text!r} is not an amount in dollars")
    else:
        cleaned = text.strip().removeprefix("$").replace(",", "").replace("_", "").strip()
        try:
            value = float(cleaned)
        except ValueError:
            raise InputProblem(field, f"{text!r} is not an amount in dollars") from None
    if not math.isfinite(value) or value < 0:
        raise InputProblem(field, f"{text!r} is not an amount in dollars (must be ≥ 0)")
    return value


RATE_FIELDS = ("bounce_rate", "complaint_rate", "unsubscribe_rate", "transactional_share")
COUNT_FIELDS = (
    "monthly_volume",
    "sends_per_month",
    "sending_days_per_week",
    "engagement_window_months",
    "longest_gap_days",
    "peak_monthly_volume",
)


def parse_streams(value: str | list[str] | tuple[str, ...], field: str = "streams") -> Streams:
    """'transactional,marketing', 'both', ['marketing'] -> Streams."""
    parts = value.split(",") if isinstance(value, str) else list(value)
    names = {str(part).strip().lower() for part in parts if str(part).strip()}
    if not names:
        raise InputProblem(field, "no stream given (transactional, marketing or both)")
    unknown = sorted(names - {"transactional", "marketing", "both"})
    if unknown:
        raise InputProblem(field, f"unknown stream {', '.join(unknown)} (transactional, marketing or both)")
    if "both" in names or names == {"transactional", "marketing"}:
        return Streams.BOTH
    return Streams(names.pop())


def coerce_answers(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Loose answers (strings from a command line or file) -> typed values, keys with '_'.
    Raises InvalidInputs naming every answer that cannot be read."""
    answers: dict[str, Any] = {}
    problems: list[InputProblem] = []
    for key, value in raw.items():
        name = str(key).strip().replace("-", "_")
        try:
            answers[name] = _coerce(name, value)
        except InputProblem as problem:
            problems.append(problem)
    if problems:
        raise InvalidInputs(problems)
    return answers


def _coerce(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in RATE_FIELDS:
        return parse_rate(value, name)
    if name in COUNT_FIELDS:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, float):
            raise InputProblem(name, f"{value!r} is not a whole number")
        return parse_count(value, name)
    if name == "budget_usd":
        return parse_money(value, name)
    if name == "streams":
        if not isinstance(value, str | list | tuple):
            raise InputProblem(name, f"{value!r} is not a stream list (transactional, marketing or both)")
        return parse_streams(value, name)
    return value
