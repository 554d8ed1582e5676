"""A loopback HTTP server that drips: it sends its answer one byte at a time, forever."""

from __future__ import annotations

import socket
import threading


class DrippingServer:
    """Accepts connections on 127.0.0.1 and answers each with a status line and headers (or, with
    ``headers_too``, only part of them), then one byte of body every ``every`` seconds, never ending."""

    def __init__(self, *, every: float = 0.05, headers_too: bool = False) -> None:
        self.every = every
        self.headers_too = headers_too
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.stopped = threading.Event()
        self.accepted = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.listener.getsockname()[:2]
        return f"http://{host}:{port}"

    def _serve(self) -> None:
        self.listener.settimeout(0.05)
        while not self.stopped.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._drip, args=(connection,), daemon=True).start()

    def _drip(self, connection: socket.socket) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n"
        try:
            if not self.headers_too:
                connection.sendall(head + b"\r\n")
                head = b"[" + b" " * 100000
            for byte in head:
                if self.stopped.wait(self.every):
                    break
                connection.sendall(bytes([byte]))
        except OSError:
            pass
        finally:
            connection.close()

    def __enter__(self) -> DrippingServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.listener.close()
