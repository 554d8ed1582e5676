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

A column is stored as a list, as ``{"same": value}`` (one value repeated) or as ``{"runs": [values,
counts]}`` (each value repeated its count of times: an IP's 20 verdicts share their IP). A column
that does not fit raises CodecError naming the field, as the record-by-record decoder does.

Flat records (every field a text, number, date, enum member or ``Literal``: threshold verdicts, score
components, gates) are stored in one table per type for the whole payload, an array of them as
``{"rows": [table, first, count]}`` (:class:`Tables`): 10,000 IPs' verdicts are one table of 200,000
rows checked a column at a time, not 10,000 tables of 20.
"""

from __future__ import annotations

import dataclasses
import enum
import itertools
import typing
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Literal

from ipdash.domain.snapshot_codec import CodecError, Decoder, optional_of

Column = list[Any]
ColumnDecoder = Callable[[Column], Column]
#: A table whose every column is one repeated value holds at most this many records (a hostile
#: count would otherwise make that many objects from a few bytes).
MAX_REPEATED_ROWS = 1 << 16


def flat(hints: list[Any]) -> bool:
    """Whether records of fields of these types hold only immutable scalars (their arrays are
    stored in their type's table; its records may be shared)."""
    for hint in hints:
        inner = optional_of(hint)[1]
        enum_member = isinstance(inner, type) and issubclass(inner, enum.Enum)
        if not (inner in _SCALARS or enum_member or typing.get_origin(inner) is Literal):
            return False
    return bool(hints)


def stored_column(values: tuple[Any, ...] | list[Any]) -> Any:
    """A column of encoded values as stored: ``{"same": v}``, ``{"runs": [values, counts]}`` when
    that is under half as long, else the list."""
    first = values[0]
    kind = type(first)
    if all(type(one) is kind and one == first for one in values):
        return {"same": first}
    runs: list[Any] = []
    counts: list[int] = []
    for (_, value), group in itertools.groupby(values, key=lambda one: (type(one), one)):
        runs.append(value)
        counts.append(sum(1 for _ in group))
        if 4 * len(runs) > len(values):
            return list(values)
    return {"runs": [runs, counts]}


def stored_table(name: str, rows: list[Any]) -> dict[str, Any]:
    """The table of the type ``name``: its records' encoded fields (rows) by column. At least one
    column is a list when the rows are over ``MAX_REPEATED_ROWS`` (the decoder's bound)."""
    columns = [stored_column(column) for column in zip(*rows, strict=True)]
    if len(rows) > MAX_REPEATED_ROWS and columns and not any(type(column) is list for column in columns):
        columns[0] = [row[0] for row in rows]
    return {"type": name, "n": len(rows), "columns": columns}


_COUNTS = frozenset({int})


def expanded(runs: Any, length: int) -> tuple[list[Any], list[int]]:
    """A ``{"runs": …}`` column's values and counts, checked: as many of each, counts positive
    integers adding up to the table's ``length``."""
    if type(runs) is not list or len(runs) != 2:
        raise CodecError("runs: not [values, counts]")
    values, counts = runs
    if type(values) is not list or type(counts) is not list or len(values) != len(counts) or not counts:
        raise CodecError("runs: not [values, counts] of one length")
    if not _COUNTS.issuperset(map(type, counts)) or min(counts) < 1 or sum(counts) != length:
        raise CodecError("runs: counts not positive or not adding up to the rows")
    return values, counts


def repeated(values: list[Any], counts: list[int]) -> list[Any]:
    return list(itertools.chain.from_iterable(map(itertools.repeat, values, counts)))


class Tables:
    """The flat records' tables of one payload being decoded: each decoded on first use, and how
    many of its records the arrays took (every record is taken once: checked at the end)."""

    def __init__(self) -> None:
        self.decoded: dict[int, list[Any]] = {}
        self.taken: dict[int, int] = {}

    def take(self, value: Any, name: str, stored: list[Any], decode: Decoder) -> list[Any]:
        """The records ``{"rows": [table, first, count]}`` refers to in the table of the type ``name``."""
        ref = value.get("rows") if len(value) == 1 else None
        if type(ref) is not list or len(ref) != 3:
            raise CodecError("records: not {rows: [table, first, count]}")
        index, first, count = ref
        if type(index) is not int or type(first) is not int or type(count) is not int:
            raise CodecError("records: not {rows: [table, first, count]}")
        records = self.decoded.get(index)
        if records is None:
            if not 0 <= index < len(stored):
                raise CodecError("records: no such table")
            table = stored[index]
            if type(table) is not dict or table.keys() != {"type", "n", "columns"} or table["type"] != name:
                raise CodecError(f"records: table {index} is not of {name}")
            records = self.decoded[index] = decode({"n": table["n"], "columns": table["columns"]})
            self.taken[index] = 0
        taken = self.taken[index] + count
        if count < 1 or first < 0 or first + count > len(records) or taken > len(records):
            raise CodecError("records: outside their table")
        self.taken[index] = taken
        return records[first : first + count]

    def check_all_taken(self, stored: int) -> None:
        if len(self.decoded) != stored or any(self.taken[n] != len(self.decoded[n]) for n in self.decoded):
            raise CodecError("records: a table not taken whole")


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


#: Kinds of field whose decoded values are immutable: a repeated value is decoded once and shared.
_SCALARS = (int, bool, float, str, date, datetime, type(None))


@dataclasses.dataclass(frozen=True)
class FieldColumn:
    """How a column of one field decodes: ``decode`` (checks, and turns stored values into the
    field's), whether its decoded values are immutable (``shared``: a repeated one is decoded once
    and shared), and ``plain``: the value types a column may hold to be taken as it is (None: every
    column goes through ``decode``)."""

    decode: ColumnDecoder
    shared: bool
    plain: frozenset[type] | None = None


def column_decoder(hint: Any, where: str, one: Decoder, texts: Callable[[], list[str]]) -> FieldColumn:
    """How a column of ``hint`` values (the field ``where``) decodes. ``one``: the decoder of one
    value, for the kinds without a column path; ``texts``: the payload's table of long texts."""
    optional, inner = optional_of(hint)
    nones: set[type] = {type(None)} if optional else set()
    scalar = inner in _SCALARS or (isinstance(inner, type) and issubclass(inner, enum.Enum))
    if inner is int or inner is bool:
        plain: frozenset[type] = frozenset({inner, *nones})
        return FieldColumn(_checked(plain, f"{where}: not a {inner.__name__}"), True, plain)
    if inner is float:
        plain = frozenset({float, int, *nones})
        return FieldColumn(_floats(plain, one), True, plain)
    if inner is str:
        plain = frozenset({str, *nones})
        return FieldColumn(_texts(plain, where, texts), True, plain)
    if inner is date or inner is datetime:
        reason = f"{where}: a {inner.__name__} expected"
        return FieldColumn(_distinct(frozenset({str, *nones}), one, optional, reason), True)
    choices: dict[Any, Any] | None = None
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        choices = {member.value: member for member in inner}
    elif typing.get_origin(inner) is Literal:
        choices = {choice: choice for choice in typing.get_args(inner)}
        scalar = True
    if choices is not None and len({type(value) for value in choices}) == 1:
        return FieldColumn(_looked_up(choices, optional, f"{where}: not one of its values"), scalar)
    return FieldColumn(lambda column: list(map(one, column)), scalar)


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


def table_decoder(cls: type, twin: type, columns: list[FieldColumn]) -> Decoder:
    """A decoder of ``{"n": count, "columns": [...]}`` (two or more ``cls`` records, a column of one
    repeated value as ``{"same": value}``) into a list of them, built as ``twin``. Written for
    ``cls`` (a 10,000-IP analysis has 20,000 tables of about 20 records): a column whose values are
    all of its plain types is taken as it is without a call."""
    width = len(columns)
    scope: dict[str, Any] = {
        "CodecError": CodecError, "twin": twin, "repeat": itertools.repeat, "MAX": MAX_REPEATED_ROWS,
        "expanded": expanded, "repeated": repeated,
    }  # fmt: skip
    names = [f"c{n}" for n in range(width)]
    lines = [
        "def decode(value):",
        "    found, length = value.get('columns'), value.get('n')",
        "    if len(value) != 2 or type(found) is not list or type(length) is not int or length < 1:",
        "        raise CodecError('columns expected')",
        f"    if len(found) != {width}:",
        f"        raise CodecError('{cls.__name__}: not {width} columns')",
        "    if length > MAX and not any(type(column) is list for column in found):",
        f"        raise CodecError('{cls.__name__}: ' + str(length) + ' repeated rows')",
    ]
    if width == 0:  # a record of no fields
        scope["cls"] = cls
        exec("\n".join([*lines, "    return [twin() for _ in range(length)]"]), scope)
        made: Decoder = scope["decode"]
        return made
    lines.append(f"    {', '.join(names)}{',' if width == 1 else ''} = found")
    for name, column in zip(names, columns, strict=True):
        scope[f"d_{name}"], scope[f"plain_{name}"] = column.decode, column.plain
        lines += [
            f"    if type({name}) is list:",
            f"        if len({name}) != length:",
            "            raise CodecError('columns of different lengths')",
        ]
        if column.plain is None:
            lines.append(f"        {name} = d_{name}({name})")
        else:
            lines += [
                f"        if not plain_{name}.issuperset(map(type, {name})):",
                f"            {name} = d_{name}({name})",
            ]
        lines += [
            f"    elif type({name}) is dict and len({name}) == 1 and 'same' in {name}:",
            f"        {name} = repeat(d_{name}([{name}['same']])[0], length)"
            if column.shared
            else f"        {name} = d_{name}([{name}['same']] * length)",
            f"    elif type({name}) is dict and len({name}) == 1 and 'runs' in {name}:",
            f"        {name} = expanded({name}['runs'], length)",
            f"        {name} = repeated(d_{name}({name}[0]), {name}[1])"
            if column.shared
            else f"        {name} = d_{name}(repeated(*{name}))",
            "    else:",
            "        raise CodecError('a column expected')",
        ]
    lines.append(f"    return list(map(twin, {', '.join(names)}))")
    exec("\n".join(lines), scope)  # code made from the type hints, never from data
    decoder: Decoder = scope["decode"]
    return decoder
