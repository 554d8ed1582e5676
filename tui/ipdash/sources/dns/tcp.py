"""Many DNS queries pipelined over one TCP connection to one nameserver (RFC 7766 §6.2.1).

The client asks over TCP after a truncated reply and after a UDP query went unanswered: rate limiters
(NSD's RRL, list mirrors) drop or truncate UDP replies, not TCP ones. One connection carries every such
query, replies matched by message ID and question, so a run that meets rate limiting does not open a
connection per query. A closed or broken connection fails the queries waiting on it (the caller's UDP
resends carry on) and the next query connects again. Queries asked in one event-loop iteration leave in
one write (one segment), as UDP queries leave in one burst: after rate limiting is seen, a sweep asks
over TCP first, and a write per query cost a send system call each.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct

from ipdash.sources.dns.udp import Deadlines, QueryIds
from ipdash.sources.dns.wire import encode_query, matches_question, reply_id

_LENGTH = struct.Struct("!H")


class TcpMux:
    def __init__(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._connecting: asyncio.Lock = asyncio.Lock()
        self._pending: dict[int, tuple[bytes, asyncio.Future[bytes | None], asyncio.StreamWriter]] = {}
        self._ids = QueryIds()
        self._deadlines: Deadlines | None = None
        self.connections = 0
        #: Framed queries waiting for this iteration's write, per connection.
        self._outbox: dict[asyncio.StreamWriter, list[bytes]] = {}

    async def exchange(self, question: bytes, wait: float) -> bytes | None:
        """The reply bytes, or None when none came within ``wait`` seconds; OSError when the
        connection cannot be made or breaks. A query written on an open connection that turns out to
        have been closed by the server meanwhile is asked once more on a new one (RFC 7766 §6.2.1)."""
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + max(wait, 0.0)
        writer = self._writer
        if writer is not None and not writer.is_closing():  # connected: no wait_for (a task per call)
            query_id, future = self._ask(question, writer, give_up_at)
            try:
                return await future
            except ConnectionResetError:
                if writer is self._writer:
                    raise
            finally:
                self._forget(query_id, future)
        writer = await asyncio.wait_for(self._connected(), max(give_up_at - loop.time(), 0.0))
        query_id, future = self._ask(question, writer, give_up_at)
        try:
            return await future
        finally:
            self._forget(query_id, future)

    def _ask(
        self, question: bytes, writer: asyncio.StreamWriter, give_up_at: float
    ) -> tuple[int, asyncio.Future[bytes | None]]:
        """Queue one query for this iteration's write; its future gets the reply (None at the deadline)."""
        loop = asyncio.get_running_loop()
        if self._deadlines is None:
            self._deadlines = Deadlines(loop)
        query_id = self._new_id()
        future: asyncio.Future[bytes | None] = loop.create_future()
        self._pending[query_id] = (question, future, writer)
        self._deadlines.add(give_up_at, future)
        wire = encode_query(query_id, question)
        waiting = self._outbox.get(writer)
        if waiting is None:
            waiting = self._outbox[writer] = []
            loop.call_soon(self._write, writer)
        waiting.append(_LENGTH.pack(len(wire)) + wire)
        return query_id, future

    def _forget(self, query_id: int, future: asyncio.Future[bytes | None]) -> None:
        entry = self._pending.get(query_id)
        if entry is not None and entry[1] is future:
            del self._pending[query_id]

    def _write(self, writer: asyncio.StreamWriter) -> None:
        waiting = self._outbox.pop(writer, None)
        if waiting and not writer.is_closing():
            writer.write(b"".join(waiting))

    async def _connected(self) -> asyncio.StreamWriter:
        async with self._connecting:
            if self._writer is None or self._writer.is_closing():
                reader, writer = await asyncio.open_connection(self._host, self._port)
                self.connections += 1
                self._writer = writer
                self._reader_task = asyncio.ensure_future(self._read(reader, writer))
            return self._writer

    def _new_id(self) -> int:
        while True:
            query_id = self._ids.next()
            if query_id not in self._pending:
                return query_id

    async def _read(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        error: Exception = ConnectionResetError("the nameserver closed the TCP connection")
        buffer = b""
        pending = self._pending
        try:
            # Whatever has arrived at once, split into replies here: pipelined replies come many to a
            # segment, and two awaits per reply (length, then message) cost more than the reply's use.
            while chunk := await reader.read(65536):
                buffer = buffer + chunk if buffer else chunk
                at, end = 0, len(buffer)
                while end - at >= 2:
                    stop = at + 2 + ((buffer[at] << 8) | buffer[at + 1])
                    if stop > end:
                        break
                    data = buffer[at + 2 : stop]
                    at = stop
                    query_id = reply_id(data)
                    entry = pending.get(query_id) if query_id is not None else None
                    if entry is None or not matches_question(data, entry[0]):
                        continue
                    del pending[query_id]  # type: ignore[arg-type]
                    if not entry[1].done():
                        entry[1].set_result(data)
                buffer = buffer[at:]
        except OSError as broken:  # a reset is the server closing too: say so, with the system's words
            error = ConnectionResetError(f"the nameserver closed the TCP connection ({broken})")
        finally:
            writer.close()
            if self._writer is writer:
                self._writer = None
            for query_id, (_, future, owner) in list(self._pending.items()):
                if owner is writer:
                    del self._pending[query_id]
                    if not future.done():
                        future.set_exception(ConnectionResetError(str(error)))

    async def aclose(self) -> None:
        if self._reader_task is not None:
            self._reader_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await self._reader_task
            self._reader_task = None
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._deadlines is not None:
            self._deadlines.close()
