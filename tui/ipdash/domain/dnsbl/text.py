"""Untrusted text from DNS (TXT reasons, PTR names) made safe to print and to draw.

Whoever runs a list, or controls a reverse zone, chooses these strings. On top of
:func:`ipdash.domain.safe_text.safe_text` (escapes, controls, bidi and format characters),
they lose HTML tags and Rich/Textual markup tags, and are cut to a sensible length.
"""

from __future__ import annotations

import re

from ipdash.domain.safe_text import safe_text

DEFAULT_LIMIT = 300
_HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]{0,200}>")
_MARKUP_TAG = re.compile(r"\[/?(?:[a-z][a-z0-9 _.=#,:;'\"()/-]*|@[^\[\]]*|\$[^\[\]]*)?\]")
_SPACES = re.compile(r"\s+")


def sanitise_text(text: str | bytes, *, limit: int = DEFAULT_LIMIT) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    text = safe_text(text)
    text = _HTML_TAG.sub("", text)
    text = _MARKUP_TAG.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    return safe_text(text, limit=limit)
