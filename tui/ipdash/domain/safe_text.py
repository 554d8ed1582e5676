"""Outside text made safe for a terminal or a table: the one place that does it.

Anyone can choose the strings ipdash shows: a CSV's pool or mailbox-provider column, an
IPv6 zone id, a provider's error body, a PTR or TXT record, a file name. Before any of them
reaches a terminal they lose ANSI/OSC escape sequences, C0 and C1 controls, DEL, bidi
overrides and isolates (U+202A–202E, U+2066–2069, U+200E/F, U+061C), zero-width and other
format characters (Cf), line/paragraph separators and unassigned or private code points.
Tabs and line breaks become spaces (or stay, for multi-line output). Printable text,
which is nearly all text, comes back unchanged and fast.

:func:`safe_record` and :func:`safe_dataset` apply it to every text field of the records
that enter a :class:`~ipdash.domain.models.Dataset` (the data boundary); the renderers
apply :func:`safe_text` again as a final guard.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from ipdash.domain.models import Dataset

_ESCAPE_SEQUENCE = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, screen clears
    r"|[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC/DCS/SOS/PM/APC: titles, hyperlinks
    r"|[ -/]*[0-~])?"  # two-byte escapes (ESC c resets the terminal)
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|[\x90\x9d\x98\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # 8-bit OSC/DCS/…
)
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_LINE_BREAKS = "\n\r\t\v\f\x85\u2028\u2029"
T = TypeVar("T")


def safe_text(text: object, *, multiline: bool = False, limit: int | None = None) -> str:
    """``text`` (any object, as ``str``) with nothing a terminal would obey.

    ``multiline`` keeps ``\\n``; otherwise line breaks and tabs become single spaces.
    ``limit`` cuts to that many characters, ending with "…".
    """
    value = text if isinstance(text, str) else str(text)
    if not value.isprintable():
        value = _clean(value, multiline)
    if limit is not None and len(value) > limit:
        value = value[: max(limit - 1, 0)].rstrip() + "…"
    return value


def is_safe(text: str, *, multiline: bool = False) -> bool:
    return safe_text(text, multiline=multiline) == text


def _clean(text: str, multiline: bool) -> str:
    text = _ESCAPE_SEQUENCE.sub("", text)
    if multiline:
        lines = text.replace("\r\n", "\n").split("\n")
        return "\n".join(_clean_line(line) for line in lines)
    return _clean_line(text)


def _clean_line(text: str) -> str:
    return "".join(_replacement(char) for char in text)


@lru_cache(maxsize=4096)
def _replacement(char: str) -> str:
    if char == " " or char.isprintable():
        return char
    if char in _LINE_BREAKS:
        return " "
    if unicodedata.category(char) in _UNSAFE_CATEGORIES:
        return ""
    return " "  # other separators (NBSP, em space …) read as a space


def _safe_value(value: Any) -> Any:
    if isinstance(value, str):
        return value if value.isprintable() else safe_text(value)
    if isinstance(value, tuple) and not all(not isinstance(i, str) or i.isprintable() for i in value):
        return tuple(safe_text(item) if isinstance(item, str) else item for item in value)
    return value


@lru_cache(maxsize=64)
def _text_fields(kind: Any) -> tuple[str, ...]:
    """The fields of a dataclass that can hold text (by annotation), so records with many
    numbers are checked quickly."""
    return tuple(f.name for f in dataclasses.fields(kind) if "str" in str(f.type))


def safe_record(record: T) -> T:
    """A frozen dataclass record with every text field made safe (the same object when all are)."""
    changes: dict[str, Any] = {}
    kind: Any = type(record)
    for name in _text_fields(kind):
        value = getattr(record, name)
        cleaned = _safe_value(value)
        if cleaned is not value:
            changes[name] = cleaned
    return dataclasses.replace(record, **changes) if changes else record  # type: ignore[type-var]


def safe_records(records: Iterable[T]) -> tuple[T, ...]:
    return tuple(safe_record(record) for record in records)


def safe_mapping(mapping: dict[Any, Any]) -> None:
    """Make every record of a Dataset mapping safe, in place; a key holding changed text is rebuilt."""
    for key in list(mapping):
        record = mapping[key]
        cleaned = safe_record(record)
        new_key = _safe_value(key)
        if new_key is not key:
            del mapping[key]
            mapping[new_key] = cleaned
        elif cleaned is not record:
            mapping[key] = cleaned


def safe_dataset(dataset: Dataset) -> Dataset:
    """Every text in a Dataset made safe, in place (also returned): the boundary where records
    from files, providers and the store meet the screens."""
    _safe_stats(dataset)
    for mapping in (
        dataset.facts,
        dataset.snds,
        dataset.warmups,
        dataset.listings,
        dataset.accounts,
    ):
        safe_mapping(mapping)
    dataset.errors[:] = [safe_record(error) for error in dataset.errors]
    dataset.sources[:] = [safe_record(info) for info in dataset.sources]
    return dataset


def _safe_stats(dataset: Dataset) -> None:
    """The daily records live in one columnar frame: only the distinct values of its text columns
    are checked (a handful), and only a frame holding unsafe text is rewritten."""
    if not dataset.has_stats():
        return
    import polars as pl

    from ipdash.domain.stats_table import unique_keys

    frame = dataset.frame()
    rewritten = frame
    for column in ("ip", "mailbox_provider", "source"):
        values = frame[column].unique().to_list()
        unsafe = {
            value: safe_text(value) for value in values if isinstance(value, str) and not value.isprintable()
        }
        if unsafe:
            rewritten = rewritten.with_columns(pl.col(column).replace(unsafe))
    if rewritten is not frame:
        dataset._set_frame(unique_keys(rewritten))
