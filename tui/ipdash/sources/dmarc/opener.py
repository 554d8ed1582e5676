"""Open a DMARC aggregate report file as a bounded byte stream: plain XML, gzip or zip.

Reporters send ``.xml``, ``.xml.gz`` and ``.zip`` (one XML member); the kind is told by the file's
first bytes, not its name (reporters and mail clients rename attachments). Every stream counts the
bytes it yields after decompression and stops at :data:`MAX_XML_BYTES`: a zip or gzip bomb costs at
most that much reading and no more memory than one read buffer.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Protocol

#: A real aggregate report is kilobytes to a few megabytes (Google's for a large sender: ~10 MB of XML).
MAX_XML_BYTES = 64 * 1024 * 1024
MAX_FILE_BYTES = 32 * 1024 * 1024
#: Declared zip members above this ratio of uncompressed to compressed size are refused unread.
MAX_ZIP_RATIO = 200
REPORT_SUFFIXES = (".xml", ".gz", ".zip")

_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"


class ByteSource(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class ReportFileError(Exception):
    """The file cannot be read as a report at all (reported with the file name, then skipped)."""


def size_text(size: int) -> str:
    return f"{size / (1 << 20):.0f} MiB" if size >= 1 << 20 else f"{size:,} bytes"


def is_report_name(path: Path) -> bool:
    return path.name.lower().endswith(REPORT_SUFFIXES)


class BoundedReader(io.RawIOBase):
    """A read-only stream that fails once more than ``limit`` bytes have come out of ``inner``."""

    def __init__(self, inner: ByteSource, limit: int, what: str) -> None:
        self.inner, self.limit, self.what, self.count = inner, limit, what, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.inner.read(min(len(buffer), 1 << 16))
        self.count += len(data)
        if self.count > self.limit:
            raise ReportFileError(
                f"{self.what} is larger than {size_text(self.limit)} unpacked "
                "(a compression bomb or not an aggregate report); skipped"
            )
        buffer[: len(data)] = data
        return len(data)

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = 1 << 16
        out = bytearray(size)
        got = self.readinto(memoryview(out))
        return bytes(out[:got])


@contextmanager
def open_report(path: Path) -> Iterator[ByteSource]:
    """The report's XML bytes, bounded. Raises ReportFileError (or OSError) when it cannot be opened."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ReportFileError(f"file is {size_text(size)}, over the {size_text(MAX_FILE_BYTES)} limit")
    if size == 0:
        raise ReportFileError("file is empty")
    with open(path, "rb") as raw:
        magic = raw.read(4)
        raw.seek(0)
        if magic.startswith(_GZIP_MAGIC):
            with gzip.GzipFile(fileobj=raw, mode="rb") as unpacked:
                yield BoundedReader(unpacked, MAX_XML_BYTES, "gzip content")
        elif magic == _ZIP_MAGIC:
            with _zip_member(raw) as member:
                yield member
        else:
            yield BoundedReader(raw, MAX_XML_BYTES, "file")


@contextmanager
def _zip_member(raw: BinaryIO) -> Iterator[ByteSource]:
    try:
        archive = zipfile.ZipFile(raw)
    except (zipfile.BadZipFile, EOFError) as error:
        raise ReportFileError(f"not a readable zip file: {error}") from error
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        xml = [info for info in members if info.filename.lower().endswith(".xml")] or members[:1]
        if not xml:
            raise ReportFileError("zip file holds no report")
        info = xml[0]
        if info.file_size > MAX_XML_BYTES:
            raise ReportFileError(
                f"zip member {info.filename!r} declares {size_text(info.file_size)}, over the "
                f"{size_text(MAX_XML_BYTES)} limit (a zip bomb?); skipped"
            )
        if info.compress_size and info.file_size / info.compress_size > MAX_ZIP_RATIO:
            raise ReportFileError(
                f"zip member {info.filename!r} unpacks {info.file_size // info.compress_size}× "
                f"(over {MAX_ZIP_RATIO}×: a zip bomb?); skipped"
            )
        try:
            with archive.open(info) as member:
                yield BoundedReader(member, MAX_XML_BYTES, f"zip member {info.filename!r}")
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as error:
            raise ReportFileError(f"zip member {info.filename!r} cannot be read: {error}") from error
