"""Decoding many records fast, as strictly as one (``domain.snapshot_codec``'s hot path).

A 10,000-IP analysis holds about 300,000 frozen slotted records (200,000 of them threshold
verdicts, stored by column). Two things make their decoding cheap without trusting the payload more:

- a record is built as its *twin*: a plain class with the same ``__slots__`` whose ``__init__``
  sets each slot and then makes the object an instance of the frozen dataclass (``__class__``
  assignment, which CPython allows only between classes of the same layout: checked when the twin
  is made). What the dataclass's own ``__init__`` would do, without its ``object.__setattr__`` per
  field. Only for a dataclass whose ``__init__`` is dataclasses' own and only sets its fields (no
  ``__post_init__``, no base class, every field stored), so nothing a normal construction does is
  skipped; the result is a ``cls`` like any other (equal, same hash, frozen).
- a table of records (``{"n": count, "columns": [...]}``) is checked and decoded a column at a
  time: one type check over the column (``map(type, …)`` against the allowed types), enums and
  ``Literal`` values looked up in a dict, each distinct date text parsed once, long texts taken
  from the table by number; then the records built by one ``map`` over the columns.

A column that does not fit raises CodecError naming the field, as the record-by-record decoder does.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Literal, Union

from ipdash.domain.snapshot_codec import CodecError, Decoder

Column = list[Any]
ColumnDecoder = Callable[[Column], Column]
#: A table whose every column is one repeated value holds at most this many records (a hostile
#: count would otherwise make that many objects from a few bytes).
MAX_REPEATED_ROWS = 1 << 16


def twin_of(cls: type, names: list[str]) -> type | None:
    """The twin of ``cls`` (see the module's docstring) for its stored fields ``names``, or None
    when ``cls`` must be built through its own ``__init__``."""
    init = cls.__dict__.get("__init__")
    if (
        "__slots__" not in cls.__dict__
        or tuple(cls.__dict__["__slots__"]) != tuple(names)
        or [field.name for field in dataclasses.fields(cls)] != names
        or hasattr(cls, "__post_init__")
        or not cls.__dataclass_params__.init  # type: ignore[attr-defined]
        or getattr(getattr(init, "__code__", None), "co_filename", "") != "<string>"  # dataclasses' own
        or cls.__mro__[1:] != (object,)
    ):
        return None
    params = ", ".join(f"v{n}" for n in range(len(names)))
    lines = [f"def __init__(self{', ' if names else ''}{params}):"]
    lines += [f"    self.{name} = v{n}" for n, name in enumerate(names)]
    lines.append("    self.__class__ = cls")
    scope: dict[str, Any] = {"cls": cls}
    exec("\n".join(lines), scope)  # code made from the field names, never from data
    twin = type(f"{cls.__name__}Decoded", (), {"__slots__": tuple(names), "__init__": scope["__init__"]})
    try:
        probe = twin(*[None] * len(names))
    except TypeError:  # another layout after all (e.g. a mangled slot name): no twin
        return None
    return twin if type(probe) is cls else None


def optional_of(hint: Any) -> tuple[bool, Any]:
    """(whether ``hint`` is ``X | None``, X)."""
    args = typing.get_args(hint)
    optional = typing.get_origin(hint) in (Union, types.UnionType) and len(args) == 2 and type(None) in args
    return optional, next(arg for arg in args if arg is not type(None)) if optional else hint


#: Kinds of field whose decoded values are immutable: a repeated value is decoded once and shared.
_SCALARS = (int, bool, float, str, date, datetime, type(None))


def column_decoder(
    hint: Any, where: str, one: Decoder, texts: Callable[[], list[str]]
) -> tuple[ColumnDecoder, bool]:
    """A decoder of a column of ``hint`` values (the field ``where``), and whether its decoded
    values are immutable (a repeated one can be shared). ``one``: the decoder of one value, for the
    kinds without a column path; ``texts``: the payload's table of long texts, when decoding."""
    optional, inner = optional_of(hint)
    nones = {type(None)} if optional else set()
    scalar = inner in _SCALARS or (isinstance(inner, type) and issubclass(inner, enum.Enum))
    if inner is int or inner is bool:
        return _checked(frozenset({inner, *nones}), f"{where}: not a {inner.__name__}"), True
    if inner is float:
        return _floats(frozenset({float, int, *nones}), one), True
    if inner is str:
        return _texts(frozenset({str, *nones}), where, texts), True
    if inner is date or inner is datetime:
        return _distinct(
            frozenset({str, *nones}), one, optional, f"{where}: a {inner.__name__} expected"
        ), True
    choices: dict[Any, Any] | None = None
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        choices = {member.value: member for member in inner}
    elif typing.get_origin(inner) is Literal:
        choices = {choice: choice for choice in typing.get_args(inner)}
        scalar = True
    if choices is not None and len({type(value) for value in choices}) == 1:
        return _looked_up(choices, optional, f"{where}: not one of its values"), scalar
    return (lambda column: list(map(one, column))), scalar


def _checked(allowed: frozenset[type], reason: str) -> ColumnDecoder:
    def decode(column: Column) -> Column:
        if not allowed.issuperset(map(type, column)):
            raise CodecError(reason)
        return column

    return decode


def _floats(allowed: frozenset[type], one: Decoder) -> ColumnDecoder:
    def decode(column: Column) -> Column:
        if allowed.issuperset(map(type, column)):
            return column
        return [value if type(value) in allowed else one(value) for value in column]  # nan, ±inf

    return decode


def _texts(allowed: frozenset[type], where: str, texts: Callable[[], list[str]]) -> ColumnDecoder:
    """Texts, or their numbers in the payload's table of long texts."""

    def decode(column: Column) -> Column:
        kinds = set(map(type, column))
        if allowed.issuperset(kinds):
            return column
        table = texts()
        if kinds == {int} and min(column) >= 0 and max(column) < len(table):
            return list(map(table.__getitem__, column))
        found = []
        for value in column:
            if type(value) is int and 0 <= value < len(table):
                value = table[value]
            elif type(value) not in allowed:
                raise CodecError(f"{where}: not text")
            found.append(value)
        return found

    return decode


def _distinct(allowed: frozenset[type], parse: Decoder, optional: bool, reason: str) -> ColumnDecoder:
    """Dates or times: each distinct text parsed once (a column of 20 verdicts per IP has one or two)."""

    def decode(column: Column) -> Column:
        if not allowed.issuperset(map(type, column)):
            raise CodecError(reason)
        parsed = {text: parse(text) for text in set(column) if text is not None}
        if optional:
            parsed[None] = None
        return list(map(parsed.__getitem__, column))

    return decode


def _looked_up(choices: dict[Any, Any], optional: bool, reason: str) -> ColumnDecoder:
    """Enum members or ``Literal`` values by their stored value (all of one type: the type check
    keeps ``True`` from being taken for ``1``)."""
    lookup = {**choices, None: None} if optional else dict(choices)
    allowed = frozenset(type(value) for value in lookup)

    def decode(column: Column) -> Column:
        if not allowed.issuperset(map(type, column)):
            raise CodecError(reason)
        try:
            return list(map(lookup.__getitem__, column))
        except KeyError as error:
            raise CodecError(reason) from error

    return decode


def table_decoder(cls: type, twin: type, columns: list[tuple[ColumnDecoder, bool]]) -> Decoder:
    """A decoder of ``{"n": count, "columns": [...]}`` (two or more ``cls`` records, a column of one
    repeated value as ``{"same": value}``) into a list of them, built as ``twin``."""
    width = len(columns)

    def decode(value: Any) -> Any:
        found, length = value.get("columns"), value.get("n")
        if len(value) != 2 or type(found) is not list or type(length) is not int or length < 2:
            raise CodecError("columns expected")
        if len(found) != width:
            raise CodecError(f"{cls.__name__}: not {width} columns")
        if length > MAX_REPEATED_ROWS and not any(type(column) is list for column in found):
            raise CodecError(f"{cls.__name__}: {length} repeated rows")
        decoded = []
        for column, (decode_column, shared) in zip(found, columns, strict=True):
            if type(column) is list:
                if len(column) != length:
                    raise CodecError("columns of different lengths")
                decoded.append(decode_column(column))
            elif type(column) is dict and len(column) == 1 and "same" in column:
                same = [column["same"]]
                decoded.append(decode_column(same) * length if shared else decode_column(same * length))
            else:
                raise CodecError("a column expected")
        if not decoded:  # a record of no fields
            return [twin() for _ in range(length)]
        return list(map(twin, *decoded))

    return decode
