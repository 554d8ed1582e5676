"""Reading a file the user names (a config, an answers file, a theme, a snapshot, a CSV, a log)
without trusting its name: a FIFO would block the open for ever and a device such as /dev/zero
never ends, so both are refused before reading; a small file's reader never reads a huge one whole."""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_TOML_BYTES = 16 << 20
"""A config or IP-facts file: [warmup.ips] or [[ips]] for 10,000 IPs is about 1 MiB."""


class NotRegularFile(ValueError):
    """The path names a FIFO, a device, a socket or a directory: ``kind`` says which."""

    def __init__(self, kind: str) -> None:
        super().__init__("not a regular file")
        self.kind = kind

    @property
    def detail(self) -> str:
        return f"not a regular file ({self.kind})"


def regular_file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be read as a regular file ('file not found', 'is a directory', 'not a
    regular file (a FIFO: …)'), None when it can. Only stats: never opens, so a FIFO cannot block."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "file not found"
    except OSError as error:
        return f"cannot open: {error.strerror or error}"
    if stat.S_ISDIR(mode):
        return "is a directory"
    if not stat.S_ISREG(mode):
        return NotRegularFile(_kind(mode)).detail
    return None


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO: save the data to a file first"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


class FileTooLarge(ValueError):
    """The file is over the reader's limit; it was not read whole."""


def size_text(limit: int) -> str:
    """'64 KiB', '16 MiB': a byte limit as people read it."""
    if limit >= 1 << 20 and limit % (1 << 20) == 0:
        return f"{limit >> 20} MiB"
    if limit >= 1 << 10 and limit % (1 << 10) == 0:
        return f"{limit >> 10} KiB"
    return f"{limit:,} bytes"


def read_small_regular_file(path: Path, limit: int) -> str:
    """The UTF-8 text of a regular file of at most ``limit`` bytes; ValueError with a readable
    reason for anything else."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise ValueError(f"cannot read: {error.strerror or error}") from error
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(_kind(info.st_mode))
        if info.st_size > limit:
            raise FileTooLarge(f"larger than {size_text(limit)}")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(f"larger than {size_text(limit)}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"cannot read: not UTF-8 ({error.reason})") from error
