"""Untrusted text from DNS (TXT reasons, PTR names) made safe to print and to draw.

Whoever runs a list, or controls a reverse zone, chooses these strings. They lose control and
format characters (including bidi overrides and ANSI escapes), HTML tags and Rich/Textual markup
tags, and are cut to a sensible length. Widgets still escape what they draw.
"""

from __future__ import annotations

import re
import unicodedata

DEFAULT_LIMIT = 300
_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]{0,200}>")
_MARKUP_TAG = re.compile(r"\[/?(?:[a-z][a-z0-9 _.=#,:;'\"()/-]*|@[^\[\]]*|\$[^\[\]]*)?\]")
_SPACES = re.compile(r"\s+")


def sanitise_text(text: str | bytes, *, limit: int = DEFAULT_LIMIT) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    text = _ANSI.sub("", text)
    text = "".join(" " if char in "\t\n\r" else char for char in text if _printable(char))
    text = _HTML_TAG.sub("", text)
    text = _MARKUP_TAG.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    if len(text) > limit:
        text = text[: max(limit - 1, 0)].rstrip() + "…"
    return text


def _printable(char: str) -> bool:
    if char in "\t\n\r":
        return True
    return unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")
