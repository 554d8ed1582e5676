"""A faithful JSON codec for the analysis objects (``Analysis`` and all it holds), never pickle.

Stored analyses are shared through the store (``sources.store.snapshots``): a payload may come from
any writer, so decoding trusts nothing. The codec is driven by the dataclasses' type hints, compiled
once per type: a dataclass is a JSON array of its fields in order (a field with ``compare=False``
and a default, a cache such as ``Analysis.rates``, is not stored: decoded as its default), a
``str``-keyed mapping an object, any other mapping a list of pairs, tuples, lists, sequences and
frozensets arrays, dates and datetimes ISO 8601 text (with their offset), a timedelta
``[days, seconds, microseconds]``, an enum its value, a non-finite float ``{"float": "nan"}``.
Decoding checks every value against its declared type (``bool`` is not an ``int``, an enum or a
``Literal`` only takes its values, arrays have their exact length) and raises :class:`CodecError`
on the first that does not fit; encoding is as strict, so what does not fit is never stored.

Day-by-day series (``domain.series``: lazy views over the records) are stored as the records they
view, one columnar table per series source, and decoded into the same lazy views over a frame of
those records: equal, and built on first read as before.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import math
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, Literal, Union

Encoder = Callable[[Any], Any]
Decoder = Callable[[Any], Any]


class CodecError(ValueError):
    """A value that does not fit its declared type (decoding: a damaged or hostile payload)."""


class _Series:
    """What one encoding or decoding shares: the series sources met (decoded), the long texts, the
    tables of flat records (``snapshot_records``: every array of one such type, in one table)."""

    def __init__(self) -> None:
        self.sources: list[Any] = []
        self.index: dict[int, int] = {}
        self.decoded: list[Any] = []
        self.strings: list[str] = []
        self.string_index: dict[str, int] = {}
        self.tables: list[tuple[type, list[Any]]] = []  # encoding: (type, its records' fields)
        self.table_index: dict[type, int] = {}
        self.stored_tables: list[Any] = []  # decoding: the tables as stored, and as decoded
        self.records = snapshot_records_pools()


#: Texts this long or longer are stored once, and referred to by their number in the table.
SHARED_TEXT = 12


class Codec:
    """Encoders and decoders for one root type, compiled on first use."""

    def __init__(self, root: Any, *, records: bool = True) -> None:
        self.root = root
        #: False: the records the day-by-day series view are not stored (decoded: no days yet).
        self.records = records
        self._encoders: dict[Any, Encoder] = {}
        self._decoders: dict[Any, Decoder] = {}
        self._series = _Series()
        #: The long texts of the payload being decoded (read by the decoders written per dataclass).
        self.texts: list[str] = []

    # the public side ---------------------------------------------------------------------------
    def encode(self, value: Any) -> dict[str, Any]:
        """``value`` as JSON values: ``{"value": …, "series": [records per series source],
        "strings": [long texts], "tables": [flat records by type]}``."""
        from ipdash.domain.snapshot_records import stored_table

        self._series = _Series()
        try:
            encoded = self._encoder(self.root)(value)
            series = [_encode_source(source, self.records) for source in self._series.sources]
            strings = self._series.strings
            tables = [stored_table(_type_name(cls), rows) for cls, rows in self._series.tables]
        finally:
            self._series = _Series()
        return {"value": encoded, "series": series, "strings": strings, "tables": tables}

    def decode(self, payload: Any) -> Any:
        """What :meth:`encode` was given; CodecError when ``payload`` is not a good encoding."""
        if type(payload) is not dict or payload.keys() != _PAYLOAD_KEYS:
            raise CodecError("not an encoded value")
        series, strings, tables = payload["series"], payload["strings"], payload["tables"]
        if type(series) is not list or type(strings) is not list or type(tables) is not list:
            raise CodecError("series, texts or tables: not an array")
        if not all(type(text) is str for text in strings):
            raise CodecError("texts: not all text")
        self._series = _Series()
        self._series.strings = self.texts = strings
        self._series.stored_tables = tables
        try:
            self._series.decoded = [_decode_source(found) for found in series]
            decoded = self._decoder(self.root)(payload["value"])
            self._series.records.check_all_taken(len(tables))
            return decoded
        except RecursionError as error:
            raise CodecError("nested too deep") from error
        finally:
            self._series, self.texts = _Series(), []

    # compiling -----------------------------------------------------------------------------------
    def _encoder(self, tp: Any) -> Encoder:
        tp = _ALIASES.get(tp, tp)
        found = self._encoders.get(tp)
        if found is None:
            if dataclasses.is_dataclass(tp) and isinstance(tp, type):
                # Recursive types: the entry is in place before the fields are compiled.
                fields_: list[tuple[str, Encoder]] = []

                def encode_dataclass(value: Any, cls: type = tp) -> Any:
                    if type(value) is not cls:
                        raise CodecError(f"{cls.__name__} expected, got {type(value).__name__}")
                    return [encode(getattr(value, name)) for name, encode in fields_]

                self._encoders[tp] = encode_dataclass
                fields_ += [(field.name, self._encoder(hint)) for field, hint in _stored_fields(tp)]
                return encode_dataclass
            found = self._encoders[tp] = self._make_encoder(tp)
        return found

    def _decoder(self, tp: Any) -> Decoder:
        tp = _ALIASES.get(tp, tp)
        found = self._decoders.get(tp)
        if found is None:
            if dataclasses.is_dataclass(tp) and isinstance(tp, type):
                # Recursive types: a stand-in is in place while the fields are compiled.
                made: list[Decoder] = []
                self._decoders[tp] = lambda value: made[0](value)
                made.append(self._dataclass_decoder(tp))
                found = self._decoders[tp] = made[0]
                return found
            found = self._decoders[tp] = self._make_decoder(tp)
        return found

    def _dataclass_decoder(self, cls: type) -> Decoder:
        """A decoder written for ``cls`` (its simple fields checked inline: a 10,000-IP analysis
        has millions of them), calling the fields' own decoders for the rest."""
        stored = _stored_fields(cls)
        positional = [field.name for field, _ in stored] == [
            field.name for field in dataclasses.fields(cls) if field.init
        ]
        scope: dict[str, Any] = {"cls": cls, "CodecError": CodecError, "codec": self}
        names = [f"v{n}" for n in range(len(stored))]
        lines = [
            "def decode(value):",
            f"    if (type(value) is not list and type(value) is not tuple) or len(value) != {len(stored)}:",
            f"        raise CodecError('{cls.__name__}: not an array of {len(stored)}')",
        ]
        if stored:
            lines.append(f"    {', '.join(names)}{',' if len(names) == 1 else ''} = value")
        for (field, hint), name in zip(stored, names, strict=True):
            hint = _ALIASES.get(hint, hint)
            where = f"{cls.__name__}.{field.name}"
            optional, inner = optional_of(hint)
            check = {int: "type({v}) is not int", bool: "type({v}) is not bool"}.get(inner)
            guard = "{v} is not None and " if optional else ""
            if check is not None:
                lines += [
                    f"    if {guard.format(v=name)}{check.format(v=name)}:",
                    f"        raise CodecError('{where}: not a {inner.__name__}')",
                ]
                continue
            scope[f"d_{name}"] = self._decoder(inner)
            if inner is float:
                fast = f"type({name}) is not float and type({name}) is not int"
            elif inner is str:  # a text, or its number in the table of long texts
                lines += [
                    f"    if {guard.format(v=name)}type({name}) is not str:",
                    f"        if type({name}) is int and 0 <= {name} < len(codec.texts):",
                    f"            {name} = codec.texts[{name}]",
                    "        else:",
                    f"            raise CodecError('{where}: not text')",
                ]
                continue
            else:
                fast = ""
            condition = guard.format(v=name) + fast if fast else guard.format(v=name)[: -len(" and ")]
            if condition:
                lines += [f"    if {condition}:", f"        {name} = d_{name}({name})"]
            else:
                lines.append(f"    {name} = d_{name}({name})")
        twin = _twin(cls) if positional else None
        if twin is not None:
            scope["twin"] = twin  # built as the dataclass's own __init__ would (snapshot_records)
            lines.append(f"    return twin({', '.join(names)})")
        else:
            call = (
                ", ".join(names)
                if positional
                else ", ".join(f"{field.name}={name}" for (field, _), name in zip(stored, names, strict=True))
            )
            lines += [
                "    try:",
                f"        return cls({call})",
                "    except (TypeError, ValueError) as error:",
                f"        raise CodecError('{cls.__name__}: ' + str(error)) from error",
            ]
        exec("\n".join(lines), scope)  # code made here from the type hints, never from data
        made: Decoder = scope["decode"]
        return made

    def _table(self, tp: Any) -> Decoder | None:
        """The decoder of ``tp`` records stored by column (a list of them), None when ``tp`` is not a
        dataclass; compiled on first use (its fields may hold ``tp`` again)."""
        if not _is_dataclass(tp):
            return None
        made: list[Decoder] = []

        def decode(value: Any) -> Any:
            if not made:
                made.append(self._table_decoder(tp))
            return made[0](value)

        return decode

    # flat records: every array of one type in one table ------------------------------------
    def _flat(self, tp: Any) -> bool:
        from ipdash.domain.snapshot_records import flat

        return _is_dataclass(tp) and _twin(tp) is not None and flat([hint for _, hint in _stored_fields(tp)])

    def _pooled_encoder(self, cls: type, kind: Any) -> Encoder:
        """An array of flat ``cls`` records: its records' fields appended to the table of ``cls``,
        the array stored as ``{"rows": [table, first, count]}`` (an empty one as ``[]``)."""
        item = self._encoder(cls)

        def encode(value: Any) -> Any:
            if type(value) is not kind:
                raise CodecError(f"{kind.__name__} expected, got {type(value).__name__}")
            if not value:
                return []
            encoded = [item(one) for one in value]
            found = self._series
            index = found.table_index.get(cls)
            if index is None:
                index = found.table_index[cls] = len(found.tables)
                found.tables.append((cls, []))
            rows = found.tables[index][1]
            first = len(rows)
            rows += encoded
            return {"rows": [index, first, len(encoded)]}

        return encode

    def _pooled(self, tp: Any) -> Decoder | None:
        """The decoder of an array of flat ``tp`` records stored in its type's table (None: ``tp``
        is not such a record)."""
        if not self._flat(tp):
            return None
        name, made = _type_name(tp), list[Decoder]()

        def decode(value: Any) -> Any:
            if not made:
                made.append(self._table_decoder(tp))
            return self._series.records.take(value, name, self._series.stored_tables, made[0])

        return decode

    def _table_decoder(self, cls: type) -> Decoder:
        from ipdash.domain import snapshot_records

        stored = _stored_fields(cls)
        twin = _twin(cls)
        if twin is None:
            item = self._decoder(cls)
            return lambda value: [item(one) for one in _rows(value)]
        columns = [
            snapshot_records.column_decoder(
                _ALIASES.get(hint, hint),
                f"{cls.__name__}.{field.name}",
                self._decoder(hint),
                lambda: self.texts,
            )
            for field, hint in stored
        ]
        return snapshot_records.table_decoder(cls, twin, columns)

    def _make_encoder(self, tp: Any) -> Encoder:
        if tp is str:
            return self._encode_text
        if tp is _SERIES:
            return self._encode_series
        if tp is _PROVIDER_SERIES:
            return self._encode_provider_series
        simple = _SIMPLE_ENCODERS.get(tp)
        if simple is not None:
            return simple
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            return _enum_encoder(tp)
        if origin is Literal:
            return _literal_encoder(args)
        if origin in (Union, types.UnionType):
            # Texts in a union with numbers stay text (a number there is the number).
            plain = int in args or float in args
            members = [_encode_str if plain and arg is str else self._encoder(arg) for arg in args]
            return _union_encoder(members)
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            if self._flat(args[0]):
                return self._pooled_encoder(args[0], tuple)
            return _array_encoder(self._encoder(args[0]), tuple, _is_dataclass(args[0]))
        if origin is tuple:
            return _fixed_encoder([self._encoder(arg) for arg in args])
        if origin in (list, Sequence):
            kind = tuple if origin is Sequence else list
            if self._flat(args[0]):
                return self._pooled_encoder(args[0], kind)
            return _array_encoder(self._encoder(args[0]), kind, _is_dataclass(args[0]))
        if origin is frozenset:
            return _set_encoder(self._encoder(args[0]))
        if origin in (dict, Mapping):
            key = _encode_str if args[0] is str else self._encoder(args[0])  # object keys: text
            return _mapping_encoder(args[0], key, self._encoder(args[1]), origin is dict)
        raise TypeError(f"the snapshot codec has no encoding for {tp!r}")

    def _make_decoder(self, tp: Any) -> Decoder:
        if tp is str:
            return self._decode_text
        if tp is _SERIES:
            return self._decode_series
        if tp is _PROVIDER_SERIES:
            return self._decode_provider_series
        simple = _SIMPLE_DECODERS.get(tp)
        if simple is not None:
            return simple
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            return _enum_decoder(tp)
        if origin is Literal:
            return _literal_decoder(args)
        if origin in (Union, types.UnionType):
            plain = int in args or float in args
            members = [_decode_str if plain and arg is str else self._decoder(arg) for arg in args]
            return _union_decoder(members, type(None) in args)
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            return _array_decoder(
                self._decoder(args[0]), tuple, self._pooled(args[0]) or self._table(args[0])
            )
        if origin is tuple:
            return _fixed_decoder([self._decoder(arg) for arg in args])
        if origin in (list, Sequence):
            kind = tuple if origin is Sequence else list
            return _array_decoder(self._decoder(args[0]), kind, self._pooled(args[0]) or self._table(args[0]))
        if origin is frozenset:
            return _set_decoder(self._decoder(args[0]))
        if origin in (dict, Mapping):
            key = _decode_str if args[0] is str else self._decoder(args[0])
            return _mapping_decoder(args[0], key, self._decoder(args[1]))
        raise TypeError(f"the snapshot codec has no decoding for {tp!r}")

    # texts -------------------------------------------------------------------------------------
    def _encode_text(self, value: Any) -> Any:
        if type(value) is not str:
            raise CodecError(f"str expected, got {type(value).__name__}")
        if len(value) < SHARED_TEXT:
            return value
        table = self._series
        index = table.string_index.get(value)
        if index is None:
            index = table.string_index[value] = len(table.strings)
            table.strings.append(value)
        return index

    def _decode_text(self, value: Any) -> str:
        kind = type(value)
        if kind is str:
            return str(value)
        if kind is int and 0 <= value < len(self._series.strings):
            found: str = self._series.strings[value]
            return found
        raise CodecError("text expected")

    # day-by-day series ------------------------------------------------------------------------
    def _source_index(self, source: Any) -> int:
        index = self._series.index.get(id(source))
        if index is None:
            index = self._series.index[id(source)] = len(self._series.sources)
            self._series.sources.append(source)
        return index

    def _encode_series(self, value: Any) -> Any:
        from ipdash.domain.series import LazySeries

        if type(value) is LazySeries:
            return {"series": self._source_index(value.source), "ip": value.ip, "provider": value.provider}
        return {"days": self._encoder(_PLAIN["series"])(value)}

    def _decode_series(self, value: Any) -> Any:
        # keys() compared with a set made once (20,000 series at 10k IPs), the class looked up once
        if type(value) is dict and value.keys() == _DAYS_KEYS:
            return self._decoder(_PLAIN["series"])(value["days"])
        if type(value) is not dict or value.keys() != _SERIES_KEYS:
            raise CodecError("a series: not an object")
        index, ip, provider = value["series"], value["ip"], value["provider"]
        if type(index) is not int or not 0 <= index < len(self._series.decoded):
            raise CodecError("a series: no such source")
        if type(ip) is not str or (provider is not None and type(provider) is not str):
            raise CodecError("a series: ip or provider not text")
        return _series_classes()[0](self._series.decoded[index], ip, provider)

    def _encode_provider_series(self, value: Any) -> Any:
        from ipdash.domain.series import LazyProviderSeries

        if type(value) is LazyProviderSeries:
            return {
                "series": self._source_index(value.source),
                "ip": value.ip,
                "providers": list(value.providers),
            }
        return {"mapping": self._encoder(_PLAIN["by_provider"])(value)}

    def _decode_provider_series(self, value: Any) -> Any:
        if type(value) is dict and value.keys() == _MAPPING_KEYS:
            return self._decoder(_PLAIN["by_provider"])(value["mapping"])
        if type(value) is not dict or value.keys() != _PROVIDER_SERIES_KEYS:
            raise CodecError("provider series: not an object")
        index, ip, providers = value["series"], value["ip"], value["providers"]
        if type(index) is not int or not 0 <= index < len(self._series.decoded):
            raise CodecError("provider series: no such source")
        if type(ip) is not str or type(providers) is not list or not _TEXT.issuperset(map(type, providers)):
            raise CodecError("provider series: ip or providers not text")
        return _series_classes()[1](self._series.decoded[index], ip, providers)


def optional_of(hint: Any) -> tuple[bool, Any]:
    """(whether ``hint`` is ``X | None``, X)."""
    args = typing.get_args(hint)
    optional = typing.get_origin(hint) in (Union, types.UnionType) and len(args) == 2 and type(None) in args
    return optional, next(arg for arg in args if arg is not type(None)) if optional else hint


_TWINS: dict[type, type | None] = {}
_TEXT = frozenset({str})


def _twin(cls: type) -> type | None:
    """``cls``'s twin (``snapshot_records.twin_of``: built through its slots), None when it is
    built through its own ``__init__``."""
    if cls not in _TWINS:
        from ipdash.domain.snapshot_records import twin_of

        _TWINS[cls] = twin_of(cls, [field.name for field, _ in _stored_fields(cls)])
    return _TWINS[cls]


def _stored_fields(cls: type) -> list[tuple[dataclasses.Field[Any], Any]]:
    hints = typing.get_type_hints(cls)
    return [
        (field, hints[field.name])
        for field in dataclasses.fields(cls)
        if field.init and (field.compare or field.default is dataclasses.MISSING)
    ]


_PAYLOAD_KEYS = frozenset({"value", "series", "strings", "tables"})
_DAYS_KEYS, _MAPPING_KEYS = frozenset({"days"}), frozenset({"mapping"})
_SERIES_KEYS = frozenset({"series", "ip", "provider"})
_PROVIDER_SERIES_KEYS = frozenset({"series", "ip", "providers"})


@functools.cache
def _series_classes() -> tuple[Any, Any]:
    """(LazySeries, LazyProviderSeries): imported on first use (they import polars)."""
    from ipdash.domain.series import LazyProviderSeries, LazySeries

    return LazySeries, LazyProviderSeries


def _type_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def snapshot_records_pools() -> Any:
    from ipdash.domain.snapshot_records import Tables

    return Tables()


class _Marker:
    """Stands for the metrics' day-by-day series fields in the compiled tables."""


_SERIES: Any = _Marker()
_PROVIDER_SERIES: Any = _Marker()
#: What a series is when it is not a lazy view (e.g. an IP with no records): plain values.
_PLAIN: dict[str, Any] = {}
#: The metrics' series field types, compiled as the lazy-view-aware codecs.
_ALIASES: dict[Any, Any] = {}


# simple values -------------------------------------------------------------------------------
def _encode_none(value: Any) -> None:
    if value is not None:
        raise CodecError(f"None expected, got {type(value).__name__}")


def _encode_bool(value: Any) -> bool:
    if type(value) is not bool:
        raise CodecError(f"bool expected, got {type(value).__name__}")
    return bool(value)


def _encode_int(value: Any) -> int:
    if type(value) is not int:
        raise CodecError(f"int expected, got {type(value).__name__}")
    return int(value)


def _encode_float(value: Any) -> Any:
    if type(value) is int:
        return value
    if type(value) is not float:
        raise CodecError(f"float expected, got {type(value).__name__}")
    return value if math.isfinite(value) else {"float": repr(value)}


def _encode_str(value: Any) -> str:
    if type(value) is not str:
        raise CodecError(f"str expected, got {type(value).__name__}")
    return str(value)


def _encode_date(value: Any) -> str:
    if type(value) is not date:
        raise CodecError(f"date expected, got {type(value).__name__}")
    return value.isoformat()


def _encode_datetime(value: Any) -> str:
    if type(value) is not datetime:
        raise CodecError(f"datetime expected, got {type(value).__name__}")
    return value.isoformat()


def _encode_timedelta(value: Any) -> list[int]:
    if type(value) is not timedelta:
        raise CodecError(f"timedelta expected, got {type(value).__name__}")
    return [value.days, value.seconds, value.microseconds]


def _decode_none(value: Any) -> None:
    if value is not None:
        raise CodecError("null expected")


def _decode_bool(value: Any) -> bool:
    if type(value) is not bool:
        raise CodecError("true or false expected")
    return bool(value)


def _decode_int(value: Any) -> int:
    if type(value) is not int:
        raise CodecError("an integer expected")
    return int(value)


_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _decode_float(value: Any) -> Any:
    kind = type(value)
    if kind is float or kind is int:
        return value
    if kind is dict and len(value) == 1 and value.get("float") in _NON_FINITE:
        return _NON_FINITE[value["float"]]
    raise CodecError("a number expected")


def _decode_str(value: Any) -> str:
    if type(value) is not str:
        raise CodecError("text expected")
    return str(value)


def _decode_date(value: Any) -> date:
    if type(value) is not str or len(value) != 10:
        raise CodecError("a date expected")
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CodecError(f"a date expected: {error}") from error


def _decode_datetime(value: Any) -> datetime:
    if type(value) is not str or len(value) > 40:
        raise CodecError("a date and time expected")
    try:
        return datetime.fromisoformat(value)
    except ValueError as error:
        raise CodecError(f"a date and time expected: {error}") from error


def _decode_timedelta(value: Any) -> timedelta:
    if type(value) is not list or len(value) != 3 or not all(type(part) is int for part in value):
        raise CodecError("a duration expected")
    try:
        return timedelta(days=value[0], seconds=value[1], microseconds=value[2])
    except OverflowError as error:
        raise CodecError(f"a duration expected: {error}") from error


_SIMPLE_ENCODERS: dict[Any, Encoder] = {
    type(None): _encode_none,
    bool: _encode_bool,
    int: _encode_int,
    float: _encode_float,
    str: _encode_str,
    date: _encode_date,
    datetime: _encode_datetime,
    timedelta: _encode_timedelta,
}
_SIMPLE_DECODERS: dict[Any, Decoder] = {
    type(None): _decode_none,
    bool: _decode_bool,
    int: _decode_int,
    float: _decode_float,
    str: _decode_str,
    date: _decode_date,
    datetime: _decode_datetime,
    timedelta: _decode_timedelta,
}


def _enum_encoder(cls: type[enum.Enum]) -> Encoder:
    def encode(value: Any) -> Any:
        if type(value) is not cls:
            raise CodecError(f"{cls.__name__} expected, got {type(value).__name__}")
        return value.value

    return encode


def _enum_decoder(cls: type[enum.Enum]) -> Decoder:
    members = {member.value: member for member in cls}
    kinds = {type(value) for value in members}

    def decode(value: Any) -> Any:
        if type(value) not in kinds or value not in members:
            raise CodecError(f"not a {cls.__name__}")
        return members[value]

    return decode


def _literal_encoder(allowed: tuple[Any, ...]) -> Encoder:
    def encode(value: Any) -> Any:
        if not any(type(value) is type(choice) and value == choice for choice in allowed):
            raise CodecError(f"one of {allowed!r} expected, got {value!r}")
        return value

    return encode


def _literal_decoder(allowed: tuple[Any, ...]) -> Decoder:
    def decode(value: Any) -> Any:
        for choice in allowed:
            if type(value) is type(choice) and value == choice:
                return choice
        raise CodecError(f"one of {allowed!r} expected")

    return decode


def _union_encoder(members: list[Encoder]) -> Encoder:
    if len(members) == 2 and _encode_none in members:
        other = members[0] if members[1] is _encode_none else members[1]

        def encode_optional(value: Any) -> Any:
            return None if value is None else other(value)

        return encode_optional

    def encode(value: Any) -> Any:
        for member in members:
            try:
                return member(value)
            except CodecError:
                continue
        raise CodecError(f"no member of the union takes a {type(value).__name__}")

    return encode


def _union_decoder(members: list[Decoder], optional: bool) -> Decoder:
    if optional and len(members) == 2:
        other = members[0] if members[1] is _decode_none else members[1]

        def decode_optional(value: Any) -> Any:
            return None if value is None else other(value)

        return decode_optional

    def decode(value: Any) -> Any:
        for member in members:
            try:
                return member(value)
            except CodecError:
                continue
        raise CodecError("no member of the union fits")

    return decode


def _is_dataclass(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def _array_encoder(item: Encoder, kind: type, rows: bool) -> Encoder:
    """``rows``: the items are dataclasses (arrays of their fields): two or more are stored as
    ``{"n": count, "columns": [...]}`` (a column as ``snapshot_records.stored_column``). Flat records'
    arrays are stored in their type's table instead (``Codec._pooled_encoder``)."""

    def encode(value: Any) -> Any:
        if kind is tuple and type(value) is not tuple:
            raise CodecError(f"tuple expected, got {type(value).__name__}")
        if kind is list and type(value) is not list:
            raise CodecError(f"list expected, got {type(value).__name__}")
        encoded = [item(one) for one in value]
        if not rows or len(encoded) < 2:
            return encoded
        from ipdash.domain.snapshot_records import stored_column

        return {
            "n": len(encoded),
            "columns": [stored_column(column) for column in zip(*encoded, strict=True)],
        }

    return encode


def _array_decoder(item: Decoder, kind: type, table: Decoder | None) -> Decoder:
    def decode(value: Any) -> Any:
        if table is not None and type(value) is dict:
            decoded = table(value)
        elif type(value) is list:
            decoded = [item(one) for one in value]
        else:
            raise CodecError("an array expected")
        return tuple(decoded) if kind is tuple else decoded

    return decode


def _rows(value: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The items' field arrays from their columns (at least two items)."""
    columns, length = value.get("columns"), value.get("n")
    if len(value) != 2 or type(columns) is not list or type(length) is not int or length < 2:
        raise CodecError("columns expected")
    full: list[Any] = []
    for column in columns:
        if type(column) is list:
            if len(column) != length:
                raise CodecError("columns of different lengths")
            full.append(column)
        elif type(column) is dict and len(column) == 1 and "same" in column:
            full.append([column["same"]] * length)
        elif type(column) is dict and len(column) == 1 and "runs" in column:
            from ipdash.domain.snapshot_records import expanded, repeated

            full.append(repeated(*expanded(column["runs"], length)))
        else:
            raise CodecError("a column expected")
    return list(zip(*full, strict=True))  # rows as tuples: only the items' decoders read them


def _fixed_encoder(items: list[Encoder]) -> Encoder:
    def encode(value: Any) -> Any:
        if type(value) is not tuple or len(value) != len(items):
            raise CodecError(f"a tuple of {len(items)} expected")
        return [item(one) for item, one in zip(items, value, strict=True)]

    return encode


def _fixed_decoder(items: list[Decoder]) -> Decoder:
    def decode(value: Any) -> Any:
        if type(value) is not list or len(value) != len(items):
            raise CodecError(f"an array of {len(items)} expected")
        return tuple(item(one) for item, one in zip(items, value, strict=True))

    return decode


def _set_encoder(item: Encoder) -> Encoder:
    def encode(value: Any) -> Any:
        if type(value) is not frozenset:
            raise CodecError(f"frozenset expected, got {type(value).__name__}")
        encoded = [item(one) for one in value]
        try:
            return sorted(encoded)
        except TypeError:
            return encoded

    return encode


def _set_decoder(item: Decoder) -> Decoder:
    def decode(value: Any) -> Any:
        if type(value) is not list:
            raise CodecError("an array expected")
        decoded = [item(one) for one in value]
        try:
            found = frozenset(decoded)
        except TypeError as error:
            raise CodecError("a set of unhashable values") from error
        if len(found) != len(decoded):
            raise CodecError("a set with repeated values")
        return found

    return decode


def _mapping_encoder(key_type: Any, key: Encoder, item: Encoder, exact_dict: bool) -> Encoder:
    text_keys = key_type is str

    def encode(value: Any) -> Any:
        if (exact_dict and type(value) is not dict) or not isinstance(value, Mapping):
            raise CodecError(f"a mapping expected, got {type(value).__name__}")
        if text_keys:
            return {key(name): item(one) for name, one in value.items()}
        return [[key(name), item(one)] for name, one in value.items()]

    return encode


def _mapping_decoder(key_type: Any, key: Decoder, item: Decoder) -> Decoder:
    if key_type is str:

        def decode_text_keys(value: Any) -> Any:
            if type(value) is not dict:
                raise CodecError("an object expected")
            return {name: item(one) for name, one in value.items()}  # JSON object keys are text

        return decode_text_keys

    def decode(value: Any) -> Any:
        if type(value) is not list:
            raise CodecError("an array of pairs expected")
        found: dict[Any, Any] = {}
        for pair in value:
            if type(pair) is not list or len(pair) != 2:
                raise CodecError("a pair expected")
            name = key(pair[0])
            try:
                if name in found:
                    raise CodecError("a repeated key")
            except TypeError as error:
                raise CodecError("an unhashable key") from error
            found[name] = item(pair[1])
        return found

    return decode


# the records a series source views -----------------------------------------------------------
def _series_columns() -> tuple[str, ...]:
    from ipdash.domain.metrics import TOTALS_COUNTS

    return ("ip", "day", "mailbox_provider", *TOTALS_COUNTS)


def _encode_source(source: Any, records: bool) -> dict[str, Any]:
    import polars as pl

    if not records:
        return {"end": source.end.isoformat(), "columns": None}
    frame = source.frame
    columns: dict[str, Any] = {}
    for name in _series_columns():
        column = frame[name]
        if name == "day":
            columns[name] = column.cast(pl.Int32).to_list()
        elif name in ("ip", "mailbox_provider"):
            columns[name] = column.cast(pl.String).to_list()
        else:
            columns[name] = column.cast(pl.Int64).to_list()
    return {"end": source.end.isoformat(), "columns": columns}


def _decode_source(found: Any) -> Any:
    import polars as pl

    from ipdash.domain.series import SeriesSource

    if type(found) is not dict or set(found) != {"end", "columns"}:
        raise CodecError("a series source: not an object")
    end = _decode_date(found["end"])
    columns = found["columns"]
    names = _series_columns()
    if columns is None:  # the records were not stored: no days until they are read
        columns = {name: [] for name in names}
    if type(columns) is not dict or set(columns) != set(names):
        raise CodecError("a series source: not its columns")
    lengths = {len(column) if type(column) is list else -1 for column in columns.values()}
    if len(lengths) != 1 or -1 in lengths:
        raise CodecError("a series source: columns not arrays of one length")
    schema: dict[str, Any] = {name: pl.Int64 for name in names}
    schema.update(ip=pl.String, mailbox_provider=pl.String, day=pl.Int32)
    try:
        frame = pl.DataFrame({name: columns[name] for name in names}, schema=schema, strict=True)
    except (TypeError, ValueError, OverflowError, pl.exceptions.PolarsError) as error:
        raise CodecError(f"a series source: {error}") from error
    if frame["ip"].null_count() or frame["mailbox_provider"].null_count() or frame["day"].null_count():
        raise CodecError("a series source: a record without its IP, day or provider")
    if frame["sent"].null_count():
        raise CodecError("a series source: a record without its sent count")
    frame = frame.with_columns(pl.col("day").cast(pl.Date))
    return SeriesSource(frame, end)


def analysis_codec(*, records: bool = True) -> Codec:
    """The codec of :class:`ipdash.domain.analysis.Analysis` (compiled as it is first used)."""
    from ipdash.domain.analysis import Analysis

    return codec_for(Analysis, records=records)


def codec_for(root: Any, *, records: bool = True) -> Codec:
    """A codec for a root type made of the analysis's kinds of values (e.g. a view's snapshot)."""
    if not _ALIASES:
        from ipdash.domain.metrics import IpMetrics, Totals

        hints = typing.get_type_hints(IpMetrics)
        plain: Any = tuple[tuple[date, Totals], ...]
        _PLAIN["series"], _PLAIN["by_provider"] = plain, dict[str, plain]
        _ALIASES[hints["daily"]] = _SERIES
        _ALIASES[hints["daily_by_provider"]] = _PROVIDER_SERIES
    return Codec(root, records=records)
