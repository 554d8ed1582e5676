"""Reading a small file the user names (a config, an answers file, a theme, a snapshot) without
trusting its name: a FIFO is opened without blocking and refused, a device such as /dev/zero is
refused, and a huge file is never read whole."""

from __future__ import annotations

import os
import stat
from pathlib import Path


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
            raise ValueError("not a regular file")
        if info.st_size > limit:
            raise FileTooLarge(f"larger than {size_text(limit)}")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(f"larger than {size_text(limit)}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"cannot read: not UTF-8 ({error.reason})") from error
