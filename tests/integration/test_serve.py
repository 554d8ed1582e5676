"""`ipdash serve` at the HTTP level: the page, and a websocket session that draws the dashboard."""

from __future__ import annotations

import asyncio
import os
import selectors
import signal
import socket
import subprocess
import sys
import time

import aiohttp
import httpx
import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_output(process: subprocess.Popen[bytes], needle: str, timeout: float = 60) -> str:
    """Read the process's output as it comes (raw reads: no buffered lines hiding from select)."""
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if selector.select(deadline - time.monotonic()):
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                raise AssertionError(f"exited with {process.wait()}: {seen.decode(errors='replace')}")
            seen += chunk
            if needle.encode() in seen:
                return seen.decode(errors="replace")
    raise AssertionError(f"{needle!r} not printed: {seen.decode(errors='replace')}")


@pytest.fixture
def served() -> object:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "ipdash", "serve", "--listen", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "COLUMNS": "200", "PYTHONUNBUFFERED": "1"},
    )
    try:
        wait_for_output(process, "ipdash serve: listening on")
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)


def test_the_page_names_its_websocket(served: int) -> None:
    page = httpx.get(f"http://127.0.0.1:{served}/", timeout=30)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert f"ws://127.0.0.1:{served}/ws" in page.text and "/static/js/textual.js" in page.text


async def test_a_browser_session_draws_the_dashboard(served: int) -> None:
    received = b""
    url = f"ws://127.0.0.1:{served}/ws?width=160&height=40"
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as websocket:
        await websocket.send_json(["resize", {"width": 160, "height": 40}])
        async with asyncio.timeout(90):
            while b"198.51.100.12" not in received:  # the sample data's first critical IP
                message = await websocket.receive()
                assert message.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT), message
                data = message.data
                received += data if isinstance(data, bytes) else data.encode()
        await websocket.send_json(["stdin", "q"])
    assert b"ipdash" in received


def test_only_localhost_by_default_and_port_0_is_refused() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ipdash", "serve", "--listen", "127.0.0.1:0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "give a port" in done.stderr
    from ipdash.commands.serve import serve

    listen = next(p for p in serve.params if p.name == "listen")
    assert listen.default == "127.0.0.1:8000"
