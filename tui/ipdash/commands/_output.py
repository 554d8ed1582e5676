"""Shared output helpers for headless commands: JSON for machines, tables for people."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

import click
import orjson

from ipdash.domain.safe_text import safe_text


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise TypeError("naive datetime in JSON output: timestamps must carry an offset")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"cannot serialise {type(value).__name__}")


#: Datetimes go through :func:`_default` (a naive one is refused); the rest orjson writes itself.
_ORJSON_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def dumps_json(data: Any) -> str:
    """Indented JSON. orjson writes a 10k-IP report ~10x faster than the stdlib's indenting encoder,
    which is pure Python; what orjson refuses (an integer beyond 64 bits) the stdlib writes."""
    return _json_bytes(data).decode()


def _json_bytes(data: Any) -> bytes:
    try:
        return orjson.dumps(data, default=_default, option=_ORJSON_OPTIONS)
    except orjson.JSONEncodeError as error:
        if error.__cause__ is not None:  # _default refused a value: the stdlib would refuse it too
            raise error.__cause__ from None
        return json.dumps(data, indent=2, default=_default, ensure_ascii=False).encode()


def emit_json(data: Any) -> None:
    """``dumps_json`` and a newline, as UTF-8 bytes to the binary stdout. Given text, click.echo ran its
    ANSI-stripping regex over the whole document when stdout is not a terminal (a /24 check: 1.4 MB, as
    much CPU as writing it), and encoded it again; JSON escapes every control character itself, so
    there is nothing to strip. A stdout with no binary buffer (an io.StringIO put in its place) gets text."""
    document = _json_bytes(data)
    click.echo(document if hasattr(sys.stdout, "buffer") else document.decode())


def render_table(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    title: str | None = None,
    right_align: Sequence[str] = (),
) -> None:
    """Print a plain-text table to stdout (rich, no colour needed to read it)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, box=None, pad_edge=False, header_style="bold")
    for column in columns:
        table.add_column(column, justify="right" if column in right_align else "left", overflow="fold")
    for row in rows:
        # Cells are data (pool names, reasons): shown as written, never read as rich markup,
        # and with no terminal control sequences let through.
        table.add_row(*(Text(safe_text("—" if cell is None else cell, multiline=True)) for cell in row))
    # A pipe or file gets the table unwrapped; a terminal gets its own width.
    width = None if sys.stdout.isatty() else 400
    Console(file=sys.stdout, width=width, no_color=not sys.stdout.isatty()).print(table)


def echo(text: object = "", *, err: bool = False, nl: bool = True) -> None:
    """click.echo for human output: whatever the text holds, nothing reaches the terminal that it
    would obey (escapes, controls, bidi overrides); line breaks stay."""
    click.echo(safe_text(text, multiline=True), err=err, nl=nl)


def fail_usage(message: str) -> None:
    """One-line usage/input error on stderr, exit 2; asked for monitoring-plugin output, the plugin's
    UNKNOWN (exit 3) on stdout instead (``_options.PluginCommand``)."""
    from ipdash.commands._options import in_plugin_mode, plugin_unknown

    if in_plugin_mode():
        plugin_unknown(safe_text(message, multiline=True))
    click.echo(f"ipdash: {safe_text(message, multiline=True)}", err=True)
    raise SystemExit(2)
