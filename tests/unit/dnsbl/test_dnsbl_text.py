"""TXT and PTR strings are untrusted: control characters, ANSI, HTML and markup go; length is capped."""

from __future__ import annotations

import pytest

from ipdash.domain.dnsbl.text import sanitise_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "Listed by SBL, see https://check.spamhaus.org/sbl/query/SBL123",
            "Listed by SBL, see https://check.spamhaus.org/sbl/query/SBL123",
        ),
        ("line one\r\nline two\tend", "line one line two end"),
        ("\x1b[31mred\x1b[0m text", "red text"),
        ("\x1b]8;;https://evil.example\x07click\x1b]8;;\x07", "click"),
        ("[bold red]LISTED[/] [@click=app.quit]x[/]", "LISTED x"),
        ("[link=https://evil.example]here[/link]", "here"),
        ("<script>alert(1)</script>blocked", "alert(1)blocked"),
        ("abc\u202edcba\u200b", "abcdcba"),
        ("nul\x00byte\x7f", "nulbyte"),
        ("  many    spaces  ", "many spaces"),
        (b"bytes \xff\xfe here", "bytes �� here"),
        ("[SBL123] stays", "[SBL123] stays"),
        ("", ""),
    ],
)
def test_sanitise(raw: str | bytes, expected: str) -> None:
    assert sanitise_text(raw) == expected


def test_length_is_capped() -> None:
    text = sanitise_text("x" * 100_000, limit=50)
    assert len(text) == 50 and text.endswith("…")
