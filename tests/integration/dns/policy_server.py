"""A loopback HTTPS server for MTA-STS policy files, with a certificate from a throwaway CA (trustme).

The socket is bound and listening before the serving thread starts, so tests need no wait for readiness.
"""

from __future__ import annotations

import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import trustme


class PolicyServer:
    def __init__(self, hostnames: tuple[str, ...]) -> None:
        self.ca = trustme.CA()
        self.routes: dict[tuple[str, str], tuple[int, bytes]] = {}
        self.requests: list[tuple[str, str]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                host = (self.headers.get("Host") or "").split(":")[0]
                owner.requests.append((host, self.path))
                status, body = owner.routes.get((host, self.path), (404, b"not found"))
                self.send_response(status)
                if status in (301, 302):
                    self.send_header("Location", "https://elsewhere.example/")
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert(*hostnames).configure_cert(context)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def client_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context

    def serve(self, host: str, body: str, status: int = 200) -> None:
        self.routes[(host, "/.well-known/mta-sts.txt")] = (status, body.encode())

    def __enter__(self) -> PolicyServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(10)
