"""Tag lists as DKIM, DMARC, BIMI, TLS-RPT and MTA-STS records write them: ``v=X; k=v; …`` (RFC 6376 §3.2),
and safe display of record text that came from the network."""

from __future__ import annotations

import re

#: Longest record text kept for display or parsing: a real TXT record is at most a few kB.
MAX_RECORD_CHARS = 8192
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_TAG_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class TagError(ValueError):
    """A tag list that cannot be read (a tag without '=', a bad name, a repeated tag)."""


def printable(text: str, limit: int = MAX_RECORD_CHARS) -> str:
    """Record text safe to show: control characters replaced by '?', cut to ``limit`` characters."""
    cleaned = _CONTROL.sub("?", text)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def parse_tags(text: str) -> dict[str, str]:
    """``k=v`` pairs separated by ';' with whitespace around either; names are case-insensitive."""
    tags: dict[str, str] = {}
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        name, equals, value = part.partition("=")
        name = name.strip()
        if not equals:
            raise TagError(f"tag {printable(part, 40)!r} has no '='")
        if not _TAG_NAME.match(name):
            raise TagError(f"bad tag name {printable(name, 40)!r}")
        key = name.lower()
        if key in tags:
            raise TagError(f"tag {key!r} appears twice")
        tags[key] = value.strip()
    return tags


def starts_with_version(text: str, version: str) -> bool:
    """True when the record's first tag is ``v=<version>`` (the way receivers pick records out of TXT)."""
    first = text.split(";", 1)[0].replace(" ", "").replace("\t", "")
    return first.lower() == f"v={version}".lower()
