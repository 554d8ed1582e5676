"""The lines of one MTA log file, streamed: plain, zstd (KumoMTA's segments) or gzip (rotated logs).

Never more than ``MAX_LINE_BYTES`` of a line is held: a longer line is reported and skipped. A line that
is not UTF-8, a last line without its newline (a segment still being written), and a compressed stream
that breaks off are reported with the line number; everything before them is kept.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ipdash.sources.small_files import regular_file_problem

MAX_LINE_BYTES = 1 << 20  # KumoMTA Feedback records carry the reported message's headers
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
GZIP_MAGIC = b"\x1f\x8b"
_SNIFF_BYTES = 4096


class MtaFileError(Exception):
    """The file cannot be read at all (missing, unreadable, not a log): one message, the file skipped."""


@dataclass(frozen=True, slots=True)
class Line:
    number: int
    text: str
    #: The file ended without a newline after this line.
    partial: bool = False


@dataclass(frozen=True, slots=True)
class LineProblem:
    number: int
    message: str


def _open(path: Path) -> tuple[IO[bytes], str]:
    if (problem := regular_file_problem(path)) is not None:
        raise MtaFileError(f"{path}: {problem}")
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed by read_lines
    except FileNotFoundError as error:
        raise MtaFileError(f"{path}: file not found") from error
    except OSError as error:
        raise MtaFileError(f"{path}: cannot open: {error.strerror or error}") from error
    try:
        head = raw.read(_SNIFF_BYTES)
        raw.seek(0)
    except OSError as error:
        raw.close()
        raise MtaFileError(f"{path}: cannot read: {error.strerror or error}") from error
    if head.startswith(ZSTD_MAGIC):
        import zstandard

        return zstandard.ZstdDecompressor().stream_reader(raw, closefd=True, read_across_frames=True), "zstd"
    if head.startswith(GZIP_MAGIC):
        return gzip.GzipFile(fileobj=raw, mode="rb"), "gzip"  # type: ignore[return-value]  # a binary IO
    # A NUL in the first line, or many of them, is a binary file; one further on is one bad line.
    if b"\x00" in head.split(b"\n", 1)[0] or head.count(b"\x00") * 100 > len(head):
        raw.close()
        raise MtaFileError(f"{path}: binary file, not an MTA log (nor zstd or gzip compressed)")
    return raw, "plain"


def read_lines(path: Path) -> Iterator[Line | LineProblem]:
    """Every line of ``path`` (decompressed), or a problem at that line. Raises MtaFileError now, when
    the file cannot be opened or is not a log; problems inside it come as LineProblem items."""
    stream, compression = _open(path)
    return _lines(stream, compression)


def _lines(stream: IO[bytes], compression: str) -> Iterator[Line | LineProblem]:
    buffered = (
        io.BufferedReader(stream, buffer_size=1 << 16)  # type: ignore[type-var]  # a raw binary stream
        if compression != "plain"
        else stream
    )
    number = 0
    try:
        while True:
            try:
                chunk = buffered.readline(MAX_LINE_BYTES)
            except (OSError, EOFError, zlib.error, ValueError) as error:
                yield LineProblem(
                    number + 1, f"{compression} stream broken off: {_reason(error)}; rest of file skipped"
                )
                return
            except Exception as error:  # zstandard.ZstdError is not an OSError
                if type(error).__name__ != "ZstdError":
                    raise
                yield LineProblem(number + 1, f"zstd stream broken off: {error}; rest of file skipped")
                return
            if not chunk:
                return
            number += 1
            if len(chunk) >= MAX_LINE_BYTES and not chunk.endswith(b"\n"):
                skipped = _skip_rest_of_line(buffered)
                yield LineProblem(
                    number, f"line longer than {MAX_LINE_BYTES:,} bytes ({skipped:,}+): skipped"
                )
                continue
            partial = not chunk.endswith(b"\n")
            if b"\x00" in chunk:
                yield LineProblem(number, "binary data in the line (NUL bytes): skipped")
                continue
            try:
                text = chunk.decode("utf-8")
            except UnicodeDecodeError as error:
                yield LineProblem(number, f"not UTF-8 text (byte {error.start + 1}): skipped")
                continue
            yield Line(number, text.rstrip("\r\n"), partial)
    finally:
        buffered.close()


def _skip_rest_of_line(stream: IO[bytes]) -> int:
    skipped = MAX_LINE_BYTES
    while True:
        try:
            chunk = stream.readline(MAX_LINE_BYTES)
        except Exception:  # the stream breaking off inside the long line ends it too
            return skipped
        skipped += len(chunk)
        if not chunk or chunk.endswith(b"\n"):
            return skipped


def _reason(error: BaseException) -> str:
    return str(error) or type(error).__name__
