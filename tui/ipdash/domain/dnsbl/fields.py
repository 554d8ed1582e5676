"""Reading the catalog's and the ``[blocklists]`` section's plain data into frozen dataclasses, with
errors that name the key (``zones.3.list_type: Input should be …``).

`ipdash check` should not import pydantic (~0.15 s of CPU, more to build the models) for a few dozen
tables of strings and numbers. The messages keep the wording pydantic gave these models, so config
errors read as they did and as the other sections' still do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, TypeVar

T = TypeVar("T")
Loc = tuple[str | int, ...]
Check = Callable[[Any], T]
_MISSING: Any = object()


class Invalid(ValueError):
    """Data that does not fit the model: every problem found, each with where it is."""

    def __init__(self, problems: list[tuple[Loc, str]], title: str = "data") -> None:
        self.problems = problems
        self.title = title
        super().__init__(str(self))

    def errors(self) -> list[dict[str, Any]]:
        return [{"loc": loc, "msg": msg} for loc, msg in self.problems]

    def __str__(self) -> str:
        count = len(self.problems)
        lines = [f"{count} validation error{'s' if count != 1 else ''} for {self.title}"]
        for loc, msg in self.problems:
            lines += [".".join(str(part) for part in loc) or "(top level)", f"  {msg}"]
        return "\n".join(lines)


class Wrong(Exception):
    """A value of the wrong type or out of range; the message is shown as it is."""


def describe(error: Invalid, prefix: str) -> str:
    """One line per problem, each naming the key under ``prefix`` (``blocklists.timeout_seconds: …``)."""
    return "\n".join(
        ".".join([prefix, *(str(part) for part in loc)]) + f": {msg}" for loc, msg in error.problems
    )


class Fields:
    """Read one table: ``get`` each field, then ``done`` raises every problem at once."""

    def __init__(self, raw: Any, title: str, *, extra: str = "forbid") -> None:
        if not isinstance(raw, Mapping):
            raise Invalid([((), "Input should be a valid dictionary or instance of " + title)], title)
        self.raw, self.title, self.extra = raw, title, extra
        self.problems: list[tuple[Loc, str]] = []
        self.seen: set[str] = set()

    def get(self, name: str, check: Check[T], default: Any = _MISSING) -> T:
        self.seen.add(name)
        if name not in self.raw:
            if default is _MISSING:
                self.problems.append(((name,), "Field required"))
            return default  # type: ignore[no-any-return]
        try:
            return check(self.raw[name])
        except Invalid as error:
            self.problems += [((name, *loc), msg) for loc, msg in error.problems]
        except Wrong as error:
            self.problems.append(((name,), str(error)))
        except ValueError as error:
            self.problems.append(((name,), f"Value error, {error}"))
        return default  # type: ignore[no-any-return]

    def done(self) -> None:
        if self.extra == "forbid":
            extra = [key for key in self.raw if key not in self.seen]
            self.problems += [((str(key),), "Extra inputs are not permitted") for key in extra]
        if self.problems:
            raise Invalid(self.problems, self.title)


def text(*, pattern: str | None = None, min_length: int = 0, max_length: int | None = None) -> Check[str]:
    import re

    compiled = re.compile(pattern) if pattern else None

    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise Wrong("Input should be a valid string")
        if len(value) < min_length:
            plural = "s" if min_length != 1 else ""
            raise Wrong(f"String should have at least {min_length} character{plural}")
        if max_length is not None and len(value) > max_length:
            raise Wrong(f"String should have at most {max_length} characters")
        if compiled is not None and not compiled.search(value):
            raise Wrong(f"String should match pattern '{pattern}'")
        return value

    return check


any_text = text()


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Wrong("Input should be a valid boolean")
    return value


def number(*, gt: float | None = None, ge: float | None = None, le: float | None = None) -> Check[float]:
    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise Wrong("Input should be a valid number")
        try:
            result = float(value)
        except ValueError:
            raise Wrong("Input should be a valid number, unable to parse string as a number") from None
        _bounds(result, gt, ge, le)
        return result

    return check


def integer(*, ge: int | None = None, le: int | None = None) -> Check[int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise Wrong("Input should be a valid integer")
        if isinstance(value, float) and not value.is_integer():
            raise Wrong("Input should be a valid integer, got a number with a fractional part")
        try:
            result = int(value)
        except ValueError:
            raise Wrong("Input should be a valid integer, unable to parse string as an integer") from None
        _bounds(result, None, ge, le)
        return result

    return check


def _bounds(value: float, gt: float | None, ge: float | None, le: float | None) -> None:
    if gt is not None and not value > gt:
        raise Wrong(f"Input should be greater than {gt:g}")
    if ge is not None and not value >= ge:
        raise Wrong(f"Input should be greater than or equal to {ge:g}")
    if le is not None and not value <= le:
        raise Wrong(f"Input should be less than or equal to {le:g}")


def one_of(*choices: str) -> Check[Any]:
    quoted = [f"'{choice}'" for choice in choices]
    expected = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]

    def check(value: Any) -> str:
        if value not in choices or not isinstance(value, str):
            raise Wrong(f"Input should be {expected}")
        return value

    return check


def optional(inner: Check[T]) -> Check[T | None]:
    def check(value: Any) -> T | None:
        return None if value is None else inner(value)

    return check


def iso_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise Wrong("Input should be a valid date")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Wrong("Input should be a valid date in the format YYYY-MM-DD") from None


def tuple_of(inner: Check[T]) -> Check[tuple[T, ...]]:
    def check(value: Any) -> tuple[T, ...]:
        if not isinstance(value, list | tuple):
            raise Wrong("Input should be a valid tuple")
        return tuple(_each(inner, enumerate(value)).values())

    return check


def frozenset_of(inner: Check[T]) -> Check[frozenset[T]]:
    def check(value: Any) -> frozenset[T]:
        if not isinstance(value, list | tuple | set | frozenset):
            raise Wrong("Input should be a valid frozenset")
        return frozenset(_each(inner, enumerate(value)).values())

    return check


def dict_of(inner: Check[T]) -> Check[dict[str, T]]:
    def check(value: Any) -> dict[str, T]:
        if not isinstance(value, Mapping):
            raise Wrong("Input should be a valid dictionary")
        return _each(inner, value.items())

    return check


def _each(inner: Check[T], items: Any) -> dict[Any, T]:
    out: dict[Any, T] = {}
    problems: list[tuple[Loc, str]] = []
    for key, item in items:
        try:
            out[key] = inner(item)
        except Invalid as error:
            problems += [((key, *loc), msg) for loc, msg in error.problems]
        except Wrong as error:
            problems.append(((key,), str(error)))
        except ValueError as error:
            problems.append(((key,), f"Value error, {error}"))
    if problems:
        raise Invalid(problems)
    return out
