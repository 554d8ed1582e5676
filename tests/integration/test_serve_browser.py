"""`ipdash serve` in a real browser: Debian's headless Chromium opens the page, textual-serve's
xterm.js connects over the websocket, and the screenshot shows the dashboard drawn in the theme's
colours (issue 16: "a real browser check … screenshot of the dashboard page").

Chromium is driven over the DevTools protocol (aiohttp's websocket client, already a test
dependency); the page's WebSocket is wrapped before the page loads so the test knows when the
dashboard's data has reached the browser, then screenshots are taken until the terminal has drawn
it (each one a check of the state, not a wait for time). `.ci/run` installs chromium; without it
the test is skipped with the reason."""

from __future__ import annotations

import asyncio
import base64
import io
import itertools
import json
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from test_serve import served  # noqa: F401  (the fixture: `ipdash serve` on a loopback port)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
THEME = yaml.safe_load((Path(__file__).resolve().parents[2] / "themes" / "ipdash-dark.yaml").read_text())
FIRST_CRITICAL_IP = "198.51.100.12"  # in the sample data

#: Copies every websocket message's text into window.__ipdashSeen and calls the test's binding once
#: the dashboard's first critical IP has arrived.
WEBSOCKET_HOOK = """
(() => {
  let seen = "";
  const Native = window.WebSocket;
  const decoder = new TextDecoder();
  function Hooked(...args) {
    const socket = new Native(...args);
    socket.addEventListener("message", async (event) => {
      const data = event.data;
      seen += typeof data === "string" ? data
        : decoder.decode(data instanceof Blob ? await data.arrayBuffer() : data);
      if (seen.includes("FIRST_CRITICAL_IP") && window.ipdashDrawn) { window.ipdashDrawn("data"); window.ipdashDrawn = null; }
    });
    return socket;
  }
  Hooked.prototype = Native.prototype;
  Object.assign(Hooked, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  window.WebSocket = Hooked;
})();
""".replace("FIRST_CRITICAL_IP", FIRST_CRITICAL_IP)


class DevTools:
    """The few DevTools-protocol calls the test needs, over one websocket (flattened sessions)."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self._socket = socket
        self._ids = itertools.count(1)
        self._events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        number = next(self._ids)
        message: dict[str, Any] = {"id": number, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        await self._socket.send_str(json.dumps(message))
        while True:
            reply = json.loads((await self._socket.receive()).data)
            if reply.get("id") == number:
                if "error" in reply:
                    raise AssertionError(f"{method}: {reply['error']}")
                return dict(reply["result"])
            if "method" in reply:
                await self._events.put(reply)

    async def event(self, method: str) -> dict[str, Any]:
        """The next event named ``method`` (events that came during calls first)."""
        while True:
            if not self._events.empty():
                event = self._events.get_nowait()
            else:
                event = json.loads((await self._socket.receive()).data)
            if event.get("method") == method:
                return dict(event["params"])


@asynccontextmanager
async def chromium() -> AsyncIterator[DevTools]:
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        # The flags that keep a headless Chromium off this machine's closed network and GPU.
        browser = await asyncio.create_subprocess_exec(
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}", "--remote-debugging-port=0", "--window-size=1600,1000",
            "about:blank", stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            assert browser.stderr is not None
            address = None
            while line := (await browser.stderr.readline()).decode(errors="replace"):
                found = re.search(r"DevTools listening on (ws://\S+)", line)  # printed once it is ready
                if found:
                    address = found.group(1)
                    break
            assert address, f"chromium exited with {browser.returncode} before listening"
            async with aiohttp.ClientSession() as http, http.ws_connect(address, max_msg_size=0) as socket:
                yield DevTools(socket)
        finally:
            if browser.returncode is None:
                browser.terminate()
            await browser.wait()


def colour_counts(png: bytes) -> Counter[tuple[int, int, int]]:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        rgb = image.convert("RGB")
        return Counter(rgb.get_flattened_data() if hasattr(rgb, "get_flattened_data") else rgb.getdata())


def pixels_of(counts: Counter[tuple[int, int, int]], colour: str, tolerance: int = 4) -> int:
    red, green, blue = (int(colour[index : index + 2], 16) for index in (1, 3, 5))
    return sum(
        number
        for (r, g, b), number in counts.items()
        if abs(r - red) <= tolerance and abs(g - green) <= tolerance and abs(b - blue) <= tolerance
    )


def drawn(counts: Counter[tuple[int, int, int]]) -> dict[str, bool]:
    """What of the dashboard the screenshot shows, by the theme's colours: its background over a
    good part of the page, the selected row's band, ✗ critical words and ✓ healthy words."""
    total = sum(counts.values())
    return {
        "background": pixels_of(counts, THEME["background"]) > total * 0.15,
        "cursor row": pixels_of(counts, THEME["primary"]) > total * 0.005,
        "critical": pixels_of(counts, THEME["error"]) > 300,
        "healthy": pixels_of(counts, THEME["success"]) > 200,
    }


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium (Debian's package; .ci/run installs it)")
async def test_a_real_browser_draws_the_dashboard(served: int, tmp_path: Path) -> None:  # noqa: F811
    shown: dict[str, bool] = {}
    png = b""
    try:
        async with asyncio.timeout(120), chromium() as devtools:
            target = (await devtools.call("Target.createTarget", url="about:blank"))["targetId"]
            attached = await devtools.call("Target.attachToTarget", targetId=target, flatten=True)
            session = attached["sessionId"]
            await devtools.call("Page.enable", session)
            await devtools.call("Runtime.enable", session)
            await devtools.call("Runtime.addBinding", session, name="ipdashDrawn")
            await devtools.call("Page.addScriptToEvaluateOnNewDocument", session, source=WEBSOCKET_HOOK)
            await devtools.call("Page.navigate", session, url=f"http://127.0.0.1:{served}/")
            await devtools.event("Runtime.bindingCalled")  # the dashboard's data reached the page
            while not shown or not all(shown.values()):  # xterm.js draws on its next animation frames
                shot = await devtools.call("Page.captureScreenshot", session, format="png")
                png = base64.b64decode(shot["data"])
                shown = drawn(colour_counts(png))
    except TimeoutError:
        raise AssertionError(
            f"the dashboard was not drawn in 120 s: {shown or 'its data never came'}"
        ) from None
    finally:
        if png:
            (tmp_path / "dashboard.png").write_bytes(png)  # the last screenshot, for a look
    assert all(shown.values()), shown
