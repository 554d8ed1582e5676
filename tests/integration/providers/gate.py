"""Slow pagination on the loopback server: a route whose chosen requests are held until the test
ends, with an explicit ready state (``reached``) for the moment the first held request arrives."""

from __future__ import annotations

import threading
from collections.abc import Callable

from .fakeapi import Handler, Reply, Seen


class Gate:
    def __init__(self) -> None:
        self.reached = threading.Event()
        self.release = threading.Event()
        self.held = 0

    def hold(self, when: Callable[[Seen], bool], otherwise: Reply | Handler) -> Handler:
        """A handler: a request ``when`` picks hangs (the client has to give up on it); any
        other gets ``otherwise``."""

        def handler(seen: Seen) -> Reply:
            if when(seen):
                self.held += 1
                self.reached.set()
                self.release.wait(120)
                return Reply(503, json={"message": "released at teardown"})
            return otherwise(seen) if callable(otherwise) else otherwise

        return handler

    def __enter__(self) -> Gate:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
