"""Pipelined TCP replies are split into messages by their length prefixes however they arrive: many in
one segment, one cut across segments, a prefix cut in two (the reader takes whatever has arrived at
once rather than two reads per reply)."""

from __future__ import annotations

import asyncio
import struct

import dns.message
import dns.rrset

from ipdash.sources.dns.tcp import TcpMux
from ipdash.sources.dns.wire import TYPE_A, question_bytes


def _answer(query_wire: bytes, address: str) -> bytes:
    query = dns.message.from_wire(query_wire)
    response = dns.message.make_response(query)
    response.answer.append(dns.rrset.from_text(query.question[0].name, 60, "IN", "A", address))
    wire = response.to_wire()
    return struct.pack("!H", len(wire)) + wire


async def test_replies_cut_anywhere_are_each_matched_to_their_query() -> None:
    names = [f"{i}.cut.example" for i in range(6)]
    served: list[int] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        queries = []
        for _ in names:
            (length,) = struct.unpack("!H", await reader.readexactly(2))
            queries.append(await reader.readexactly(length))
        stream = b"".join(
            _answer(wire, f"127.0.0.{index + 2}") for index, wire in enumerate(reversed(queries))
        )
        # Cut points: inside the first length prefix, inside a message, and three replies in one piece.
        first_length = struct.unpack("!H", stream[:2])[0]
        cuts = [1, 2 + first_length // 2, len(stream) - 3, len(stream)]
        at = 0
        for cut in cuts:
            writer.write(stream[at:cut])
            await writer.drain()
            served.append(cut - at)
            at = cut
        await reader.read()  # until the client closes
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    mux = TcpMux("127.0.0.1", port)
    try:
        replies = await asyncio.gather(*(mux.exchange(question_bytes(name, TYPE_A), 10.0) for name in names))
    finally:
        await mux.aclose()
        server.close()
        await server.wait_closed()
    assert len(served) == 4 and mux.connections == 1
    for index, (name, data) in enumerate(zip(names, replies, strict=True)):
        assert data is not None
        message = dns.message.from_wire(data)
        assert message.question[0].name.to_text() == name + "."
        # The server answered in reverse order: the last query got 127.0.0.2.
        assert message.answer[0][0].address == f"127.0.0.{len(names) - index + 1}"
