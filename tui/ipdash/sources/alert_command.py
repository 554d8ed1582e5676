"""Running an alert command: judged by its own exit, within a deadline, its process group killed
when it overruns.

The command gets the alert as JSON on stdin. Its stderr goes to a temporary file, not a pipe:
a command that backgrounds a child (``sh -c "notify & exit 0"``) has exited as soon as the shell
has, whatever the child still holds open, so it is delivered, not timed out. It runs in its own
session, so on timeout the whole group (the command and anything it started) is killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import tempfile

from ipdash.domain.safe_text import safe_text


async def run_alert_command(
    argv: list[str], document: str, deadline_seconds: float, errors: list[str]
) -> bool:
    """True when the command exited 0 within ``deadline_seconds``; else a reason is added to ``errors``."""
    with tempfile.TemporaryFile() as stderr:
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
        except OSError as error:
            errors.append(f"alert command {argv[0]}: {error.strerror or error}")
            return False
        try:
            async with asyncio.timeout(deadline_seconds):
                await _feed(process, document.encode())
                code = await process.wait()
        except (TimeoutError, asyncio.CancelledError) as interrupted:
            _kill_group(process.pid)
            await asyncio.shield(process.wait())
            if isinstance(interrupted, asyncio.CancelledError):
                raise
            errors.append(f"alert command {argv[0]}: no exit within {deadline_seconds:g} s, killed")
            return False
        if code != 0:
            stderr.seek(0)
            message = safe_text(stderr.read(400).decode("utf-8", errors="replace"), limit=200).strip()
            errors.append(f"alert command {argv[0]} exited {code}: {message}")
            return False
        return True


async def _feed(process: asyncio.subprocess.Process, data: bytes) -> None:
    """Write the document and close stdin; a command that does not read it is not an error."""
    if process.stdin is None:
        return
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        process.stdin.write(data)
        await process.stdin.drain()
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        process.stdin.close()
        await process.stdin.wait_closed()


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
