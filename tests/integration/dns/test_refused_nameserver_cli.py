"""`ipdash check` against a nameserver port that refuses (UDP port unreachable, TCP connect
refused): every list unknown with its reason, exit 3, and nothing on stderr but what ipdash says —
no asyncio "Task exception was never retrieved" from a TCP attempt that lost its race."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from ipdash.exit_codes import EXIT_INCOMPLETE


def closed_port() -> int:
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port: int = probe.getsockname()[1]
    probe.close()
    return port


def test_a_refusing_nameserver_is_unknown_everywhere_with_a_clean_stderr(tmp_path: Path) -> None:
    env = {**os.environ, "IPDASH_CONFIG": str(tmp_path / "none.toml"), "NO_COLOR": "1"}
    (tmp_path / "none.toml").write_text("")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ipdash",
            "check",
            "192.0.2.1",
            "--nameserver",
            f"127.0.0.1:{closed_port()}",
            "--timeout",
            "2",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == EXIT_INCOMPLETE, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith(("? ", "✓ ", "✗ "))]
    assert len(rows) >= 10 and all(row.startswith("? unknown") for row in rows), done.stdout
    assert all("unreachable" in row for row in rows)
    assert "Traceback" not in done.stderr and "never retrieved" not in done.stderr, done.stderr
