"""Fixtures for the IMAP report source: a throwaway CA (trustme) and the loopback server."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from imap_fixtures import PASSWORD
from imap_server import ImapServer


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture()
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture()
def server_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture()
def imap_server() -> Iterator[Callable[..., ImapServer]]:
    started: list[ImapServer] = []

    def start(**options: Any) -> ImapServer:
        server = ImapServer(password=PASSWORD, **options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        if server.port and server._thread.is_alive():
            server.stop()
