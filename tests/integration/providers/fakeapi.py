"""A real HTTP server on 127.0.0.1 (ephemeral port) that answers like a provider API.

Routes map (method, path) to a list of replies, served in order; the last reply
repeats. A reply can delay (to trigger client timeouts), return raw bytes
(malformed JSON, HTML, CSV) or be computed from the request (pagination). ``in_flight`` is the
requests being served at the moment (a handler can read it: rate limits on concurrency), and
``most_in_flight`` the most ever served at once.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class Reply:
    status: int = 200
    json: Any = None
    body: bytes | str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    #: Called before the reply is sent, outside the server's lock (other requests go on meanwhile).
    hold: Callable[[], None] | None = None

    def payload(self) -> bytes:
        if self.body is not None:
            return self.body.encode() if isinstance(self.body, str) else self.body
        if self.json is None:
            return b""
        return json.dumps(self.json).encode()


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Handler = Callable[[Seen], Reply]


def fixture(relative: str) -> Reply:
    """A provider's documented example response (body, status, headers) as a Reply."""
    data = json.loads((FIXTURES / relative).read_text())
    headers = {k: v for k, v in (data.get("headers") or {}).items() if k.lower() != "content-type"}
    if data.get("body") is None and data.get("body_text") is not None:
        return Reply(status=data["status"], body=data["body_text"], headers=headers)
    return Reply(status=data["status"], json=data["body"], headers=headers)


def fixture_body(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_text())["body"]


class FakeApi:
    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Reply] | Handler] = {}
        self.seen: list[Seen] = []
        self._served: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0
        api = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                return

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                seen = Seen(self.command, parts.path, parse_qs(parts.query), dict(self.headers.items()), body)
                api._count_in_flight(+1)
                try:
                    reply = api._reply_for(seen)
                    if reply.hold is not None:
                        reply.hold()
                    if reply.delay:
                        time.sleep(reply.delay)
                finally:
                    # Before the reply goes out: once a client has read it, it is no longer counted.
                    api._count_in_flight(-1)
                payload = reply.payload()
                try:
                    self.send_response(reply.status)
                    content_type = "application/json" if reply.json is not None else "text/plain"
                    self.send_header("Content-Type", reply.headers.pop("Content-Type", content_type))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.handle_error = lambda request, address: None  # clients that time out hang up: expected
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, method: str, path: str, *replies: Reply | Handler) -> None:
        if len(replies) == 1 and callable(replies[0]) and not isinstance(replies[0], Reply):
            self.routes[(method, path)] = replies[0]
        else:
            self.routes[(method, path)] = list(replies)  # type: ignore[arg-type]

    def calls(self, method: str, path: str) -> list[Seen]:
        return [s for s in self.seen if s.method == method and s.path == path]

    def _count_in_flight(self, step: int) -> None:
        with self._lock:
            self.in_flight += step
            self.most_in_flight = max(self.most_in_flight, self.in_flight)

    def _reply_for(self, seen: Seen) -> Reply:
        with self._lock:
            self.seen.append(seen)
            key = (seen.method, seen.path)
            target = self.routes.get(key)
            if target is None:
                return Reply(404, json={"message": f"no route {seen.method} {seen.path}"})
            if callable(target):
                return target(seen)
            index = self._served.get(key, 0)
            self._served[key] = index + 1
            reply = target[min(index, len(target) - 1)]
            return Reply(reply.status, reply.json, reply.body, dict(reply.headers), reply.delay, reply.hold)

    def __enter__(self) -> FakeApi:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
