"""Streaming XML for hostile input: the C parser, fed in chunks, with every DTD refused.

defusedxml's ``forbid_dtd`` rule, kept with the stdlib's C-accelerated parser: defusedxml swaps in the
pure-Python ElementTree parser to hook expat's DTD handlers, which made 10,000 reports 7× slower than
a bare parse (tests/benchmarks/bench_dmarc.py). A document type declaration can only stand in the
prolog, before the root element, so the bytes up to the root's start are scanned for ``<!DOCTYPE``
(and ``<!ENTITY`` or any other declaration) and the document is refused there.
Without a DTD there are no entity declarations: no external entity (XXE) can be resolved and no
entity can expand (billion laughs); an undeclared ``&name;`` is a well-formedness error in expat.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Protocol, cast
from xml.etree.ElementTree import Element, ParseError, XMLParser, XMLPullParser

CHUNK = 1 << 16
#: ``<!`` opening a declaration: DOCTYPE, ENTITY, ELEMENT, ATTLIST, NOTATION (not a comment or CDATA).
_DECLARATION = re.compile(rb"<!\s*[A-Za-z]")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class ForbiddenDeclaration(Exception):
    """The document declares a DTD (or entities): refused before anything in it is used."""


#: Documents up to this size are parsed whole by the C parser (fast); larger ones are streamed.
WHOLE_LIMIT = 4 * 1024 * 1024


def top_level(stream: Readable) -> Iterator[Element]:
    """The root element, then each of its children once complete, in document order.

    A small document is parsed whole (its whole text is checked for declarations first); a large
    one is streamed, and each child is removed from the root once the caller has taken it, so memory
    holds one child at a time. Raises ForbiddenDeclaration, or ParseError when malformed."""
    head = bytearray()
    while len(head) <= WHOLE_LIMIT:
        chunk = stream.read(CHUNK)
        if not chunk:
            yield from _whole(bytes(head))
            return
        head += chunk
    yield from _streamed(_Chain(bytes(head), stream))


def _check(data: bytes) -> None:
    if data.startswith(_UTF16_BOMS):
        raise ParseError("UTF-16 documents are not read: aggregate reports are UTF-8")


def _whole(data: bytes) -> Iterator[Element]:
    _check(data)
    if _DECLARATION.search(data):
        raise ForbiddenDeclaration("the document declares a DTD or entities")
    parser = XMLParser()
    parser.feed(data)
    root = parser.close()
    yield root
    yield from list(root)


def _streamed(stream: Readable) -> Iterator[Element]:
    parser: XMLPullParser[Element] = XMLPullParser(events=("start", "end"))
    root: Element | None = None
    depth = 0
    tail = b""
    first = True
    while True:
        chunk = stream.read(CHUNK)
        if first:
            _check(chunk)
            first = False
        if root is None and chunk:
            window = tail + chunk
            if _DECLARATION.search(window):
                raise ForbiddenDeclaration("the document declares a DTD or entities")
            tail = window[-8:]
        if chunk:
            parser.feed(chunk)
        else:
            parser.close()
        for event, found in parser.read_events():  # type: ignore[misc]  # events are (name, Element)
            element = cast(Element, found)
            if event == "start":
                depth += 1
                if root is None:
                    root = element
                    yield root
                continue
            depth -= 1
            if depth == 1 and root is not None:
                yield element
                root.remove(element)
        if not chunk:
            return


class _Chain:
    """``head`` then the rest of ``stream``."""

    def __init__(self, head: bytes, stream: Readable) -> None:
        self.head, self.stream = memoryview(head), stream

    def read(self, size: int = -1, /) -> bytes:
        if self.head:
            size = len(self.head) if size < 0 else size
            part, self.head = bytes(self.head[:size]), self.head[size:]
            return part
        return self.stream.read(size)
