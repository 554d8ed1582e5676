"""Many DNS queries in flight over one connected UDP socket to one nameserver.

Replies are matched by message ID *and* question (a stray or spoofed packet is dropped, as dnspython's
``ignore_unexpected`` does); each query has its own timer. One socket and one reader callback that
drains every waiting datagram keep the per-query cost low, which is what makes a 2,560-query run fast.
"""

from __future__ import annotations

import asyncio
import os
import socket

from ipdash.sources.dns.wire import encode_query, matches_question, reply_id

_ID_POOL_BYTES = 4096


class _QueryIds:
    """Unpredictable 16-bit message IDs from the OS's CSPRNG, one urandom call per 2,048 IDs."""

    def __init__(self) -> None:
        self._pool = memoryview(b"")
        self._offset = 0

    def next(self) -> int:
        if self._offset >= len(self._pool):
            self._pool, self._offset = memoryview(os.urandom(_ID_POOL_BYTES)), 0
        value = int.from_bytes(self._pool[self._offset : self._offset + 2], "big")
        self._offset += 2
        return value


class NameserverUnreachable(ConnectionError):
    """The nameserver's host or port refused the packets (ICMP unreachable)."""


class UdpMux:
    def __init__(self, host: str, port: int) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._loop = asyncio.get_running_loop()
        self._sock = socket.socket(family, socket.SOCK_DGRAM)
        self._sock.setblocking(False)
        try:
            self._sock.connect((host, port))
        except OSError:
            self._sock.close()
            raise
        self._pending: dict[int, tuple[bytes, asyncio.Future[bytes | None]]] = {}
        self._ids = _QueryIds()
        try:
            self._loop.add_reader(self._sock.fileno(), self._readable)
        except NotImplementedError:
            self._sock.close()
            raise
        self._closed = False

    async def exchange(self, question: bytes, wait: float) -> bytes | None:
        """Send one query; the reply bytes, or None when none came within ``wait`` seconds."""
        if self._closed:
            raise NameserverUnreachable("the DNS client is closed")
        query_id = self._new_id()
        future: asyncio.Future[bytes | None] = self._loop.create_future()
        self._pending[query_id] = (question, future)
        timer = self._loop.call_later(max(wait, 0.0), _expire, future)
        try:
            wire = encode_query(query_id, question)
            try:
                self._sock.send(wire)
            except BlockingIOError:
                await self._loop.sock_sendall(self._sock, wire)
            return await future
        except ConnectionRefusedError as error:
            raise NameserverUnreachable(str(error)) from None
        finally:
            timer.cancel()
            entry = self._pending.get(query_id)
            if entry is not None and entry[1] is future:
                del self._pending[query_id]

    def _new_id(self) -> int:
        while True:
            query_id = self._ids.next()
            if query_id not in self._pending:
                return query_id

    def _readable(self) -> None:
        while True:
            try:
                data = self._sock.recv(65535)
            except BlockingIOError:
                return
            except OSError as error:
                self._fail_all(NameserverUnreachable(str(error) or type(error).__name__))
                return
            query_id = reply_id(data)
            entry = self._pending.get(query_id) if query_id is not None else None
            if entry is None or not matches_question(data, entry[0]):
                continue
            del self._pending[query_id]  # type: ignore[arg-type]
            if not entry[1].done():
                entry[1].set_result(data)

    def _fail_all(self, error: Exception) -> None:
        for _, future in self._pending.values():
            if not future.done():
                future.set_exception(error)
        self._pending.clear()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._loop.remove_reader(self._sock.fileno())
        self._fail_all(NameserverUnreachable("the DNS client was closed"))
        self._sock.close()


def _expire(future: asyncio.Future[bytes | None]) -> None:
    if not future.done():
        future.set_result(None)
