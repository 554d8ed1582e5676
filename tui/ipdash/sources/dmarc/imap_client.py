"""imaplib's client with bounds a hostile or broken server cannot get past.

imaplib reads a literal (``{N}``) whole, whatever N says, and keeps untagged lines until the command
ends, so a server could make it allocate without limit or never finish. Here a literal above
:data:`MAX_LITERAL_BYTES` is refused before it is read, a command gets at most :data:`MAX_LINES` lines
of answer, a session at most :data:`MAX_SESSION_BYTES`, and a whole session ends at its deadline
(each read also has the socket timeout). Each bound raises :class:`ImapLimit`.
"""

from __future__ import annotations

import imaplib
import socket
import ssl
import time
from typing import Any

#: A message with a report attachment: 32 MiB of report (the file limit) base64-encoded, with headers.
MAX_LITERAL_BYTES = 48 * 1024 * 1024
MAX_SESSION_BYTES = 256 * 1024 * 1024
#: One line of answer (imaplib's own bound; a SEARCH of 100,000 UIDs is ~700 kB).
MAX_LINE_BYTES = 1_000_000
#: Lines of answer to one command (a SELECT or FETCH answer is a handful; an endless stream is not).
MAX_LINES = 20_000


class ImapLimit(Exception):
    """The server's answer went past a bound: the poll fails with this reason."""


class _Bounds:
    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.session_bytes = 0
        self.lines = 0

    def count(self, size: int, *, line: bool) -> None:
        self.session_bytes += size
        if line:
            self.lines += 1
        if self.lines > MAX_LINES:
            raise ImapLimit(
                f"the server sent more than {MAX_LINES:,} lines for one command (an endless answer)"
            )
        if self.session_bytes > MAX_SESSION_BYTES:
            raise ImapLimit(f"the server sent more than {MAX_SESSION_BYTES >> 20} MiB in one poll")
        if time.monotonic() > self.deadline:
            raise ImapLimit("the server did not finish within the poll's time limit")


class _BoundedMixin:
    """Overrides imaplib's reads; ``_command`` starts each command's line count afresh."""

    bounds: _Bounds
    file: Any

    def read(self, size: int) -> bytes:
        if size > MAX_LITERAL_BYTES:
            raise ImapLimit(
                f"the server announced a {size:,}-byte literal, over the {MAX_LITERAL_BYTES >> 20} MiB limit"
            )
        data: bytes = self.file.read(size)
        self.bounds.count(len(data), line=False)
        return data

    def readline(self) -> bytes:
        line: bytes = self.file.readline(MAX_LINE_BYTES + 1)
        if len(line) > MAX_LINE_BYTES:
            raise ImapLimit(f"the server sent a line over {MAX_LINE_BYTES:,} bytes")
        self.bounds.count(len(line), line=True)
        return line

    def _command(self, name: str, *args: Any) -> Any:
        self.bounds.lines = 0
        return super()._command(name, *args)  # type: ignore[misc]


class BoundedImap(_BoundedMixin, imaplib.IMAP4):
    """Plain connection, for STARTTLS (the caller upgrades it before anything secret is sent)."""

    def __init__(self, host: str, port: int, *, timeout: float, deadline: float) -> None:
        self.bounds = _Bounds(deadline)
        super().__init__(host, port, timeout=timeout)


class BoundedImapSsl(_BoundedMixin, imaplib.IMAP4_SSL):
    """IMAPS: TLS from the first byte."""

    def __init__(
        self, host: str, port: int, *, ssl_context: ssl.SSLContext, timeout: float, deadline: float
    ) -> None:
        self.bounds = _Bounds(deadline)
        super().__init__(host, port, ssl_context=ssl_context, timeout=timeout)


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """Certificates and host names always verified; ``ca_file`` replaces the system's CAs."""
    context = ssl.create_default_context(cafile=ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


CONNECTION_ERRORS = (OSError, socket.timeout, ssl.SSLError, EOFError)
