"""emit_json: the document as UTF-8 bytes, never through click's ANSI stripping of text."""

from __future__ import annotations

import json
from typing import Any

import click
import pytest
from click.testing import CliRunner

from ipdash.commands._output import dumps_json, emit_json

DOCUMENT: dict[str, Any] = {
    "name": "Zürich relay ✓",
    "reason": "\x1b[31mred\x1b[0m and a bell \x07",
    "big": 2**70,  # beyond orjson: the stdlib writes it
    "rows": [{"id": i, "ok": i % 2 == 0} for i in range(3)],
}


def _emit(document: Any) -> bytes:
    @click.command()
    def command() -> None:
        emit_json(document)

    result = CliRunner().invoke(command, [])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


@pytest.mark.parametrize("document", [DOCUMENT, {k: v for k, v in DOCUMENT.items() if k != "big"}])
def test_emit_json_writes_dumps_json_as_utf8(document: dict[str, Any]) -> None:
    out = _emit(document)
    assert out == (dumps_json(document) + "\n").encode("utf-8")
    assert json.loads(out) == document
    assert b"\x1b" not in out  # control characters are escaped by the JSON encoder itself


def test_emit_json_skips_clicks_ansi_stripping(monkeypatch: pytest.MonkeyPatch) -> None:
    """Text given to click.echo off a terminal is run through strip_ansi (a regex over the whole
    document: as much CPU as writing a /24 check's 1.4 MB); bytes are written as they are."""

    def refuse(value: str) -> str:
        raise AssertionError("emit_json passed its document through strip_ansi")

    monkeypatch.setattr(click.utils, "strip_ansi", refuse)
    assert json.loads(_emit(DOCUMENT)) == DOCUMENT


def test_emit_json_to_a_text_only_stdout(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stdout replaced by an io.StringIO (no binary buffer) still gets the document, as text."""
    import io
    import sys

    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    emit_json(DOCUMENT)
    assert out.getvalue() == dumps_json(DOCUMENT) + "\n"
