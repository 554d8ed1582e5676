"""A scriptable authoritative-looking DNS server on 127.0.0.1 (UDP and TCP) for DNSBL/rDNS tests.

Tests describe what each name answers (A codes, error codes, NXDOMAIN, SERVFAIL, REFUSED, silence, TXT,
PTR, forward A/AAAA) and the server answers exactly that, over UDP and TCP, from a thread with its own
event loop; ``ProcessDnsServer`` runs it in a child process for the benchmark so the server does not
share the client's interpreter lock, with a blocking UDP loop and replies cached as wire bytes (only the
message ID changes), so the server is fast enough that the client is what a benchmark measures.
"""

from __future__ import annotations

import asyncio
import ipaddress
import multiprocessing
import socket
import struct
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import cast

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.reversename
import dns.rrset

UDP_LIMIT_WITHOUT_EDNS = 512
#: What the engine answers for a query whose TCP connection is to be closed unanswered.
CLOSE = b""


@dataclass(frozen=True)
class Reply:
    """What one (name, type) answers. ``drop`` never answers (a timeout); ``drop_first`` stays silent for
    the first N queries of that name, then answers; ``udp_truncate`` forces a TC reply over UDP;
    ``udp_drop`` never answers over UDP but does over TCP (a rate limiter that drops); ``tcp_drop`` never
    answers over TCP; ``tcp_close`` closes the TCP connection instead of answering over it (with
    ``udp_truncate``: TC, then nothing); ``hold_first`` holds the reply to the first UDP query until a
    second one arrives, then sends both, the late one first (an answer that arrives after its resend)."""

    rcode: str = "NOERROR"
    addresses: tuple[str, ...] = ()
    txt: tuple[str, ...] = ()
    ptr: tuple[str, ...] = ()
    ttl: int = 300
    drop: bool = False
    drop_first: int = 0
    udp_truncate: bool = False
    udp_drop: bool = False
    tcp_drop: bool = False
    tcp_close: bool = False
    hold_first: bool = False
    cname: str | None = None
    mx: tuple[str, ...] = ()  # "10 mx.example.com" (sending-domain tests)

    @property
    def dynamic(self) -> bool:
        return (
            self.drop
            or self.drop_first > 0
            or self.udp_drop
            or self.tcp_drop
            or self.tcp_close
            or self.hold_first
        )


NXDOMAIN = Reply(rcode="NXDOMAIN")
SERVFAIL = Reply(rcode="SERVFAIL")
REFUSED = Reply(rcode="REFUSED")
SILENCE = Reply(drop=True)


def listed(*codes: str, txt: str | None = None, ttl: int = 300) -> Reply:
    return Reply(addresses=codes, txt=(txt,) if txt else (), ttl=ttl)


def reversed_labels(address: str) -> str:
    """The DNSBL prefix of an address, written independently of the code under test."""
    ip = ipaddress.ip_address(address)
    if ip.version == 4:
        return ".".join(reversed(str(ip).split(".")))
    return ".".join(reversed(ip.exploded.replace(":", "")))


@dataclass
class ZoneSpec:
    """One DNSBL zone: ``entries`` maps the label prefix (reversed IP or domain) to its reply, ``default``
    answers every other name (NXDOMAIN unless the zone is wildcarded or dead). RFC 5782 test points are
    added unless ``health`` is False; ``negative_listed`` makes the zone list 127.0.0.1 too."""

    zone: str
    entries: dict[str, Reply] = field(default_factory=dict)
    default: Reply = NXDOMAIN
    health: bool = True
    domain_list: bool = False
    negative_listed: bool = False
    negative_ttl: int = 60

    def reply_for(self, prefix: str, rdtype: str) -> Reply:
        reply = self.entries.get(prefix)
        if reply is None and self.health:
            reply = self._test_point(prefix)
        if reply is None:
            reply = self.default
        if rdtype == "TXT" and reply.rcode == "NOERROR" and not reply.dynamic:
            return Reply(txt=reply.txt, ttl=reply.ttl) if reply.txt else Reply(ttl=reply.ttl)
        if rdtype not in ("A", "TXT") and reply.rcode == "NOERROR" and not reply.dynamic:
            return Reply(ttl=reply.ttl)
        return reply

    def _test_point(self, prefix: str) -> Reply | None:
        if self.domain_list:
            positives, negatives = {"test"}, {"invalid"}
        else:
            positives = {reversed_labels("127.0.0.2"), reversed_labels("::ffff:7f00:2")}
            negatives = {reversed_labels("127.0.0.1"), reversed_labels("::ffff:7f00:1")}
        if prefix in positives:
            return listed("127.0.0.2", txt="RFC 5782 test point")
        if prefix in negatives and self.negative_listed:
            return listed("127.0.0.2")
        return None


class DnsScript:
    """Everything the server knows: plain records by (name, type) and DNSBL zones by suffix."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], Reply] = {}
        self.zones: dict[str, ZoneSpec] = {}
        #: The answer to every name nothing else covers: NXDOMAIN, or SILENCE for a resolver that never answers.
        self.otherwise: Reply = NXDOMAIN
        #: A rate limiter in its limiting second: every UDP reply is truncated (NSD's RRL slip), TCP is not.
        self.truncate_udp = False

    def add(self, name: str, rdtype: str, reply: Reply) -> None:
        self.records[(name.lower().rstrip("."), rdtype)] = reply

    def add_zone(self, spec: ZoneSpec) -> ZoneSpec:
        self.zones[spec.zone.lower().rstrip(".")] = spec
        return spec

    def answer_test_points(self) -> None:
        """Serve a healthy default list, so the resolver shows it answers names that must exist
        (rDNS is judged only then)."""
        self.add_zone(ZoneSpec("zen.spamhaus.org"))

    def add_txt(self, name: str, *values: str) -> None:
        self.add(name, "TXT", Reply(txt=values))

    def add_ptr(self, address: str, *names: str, forward: bool = True) -> None:
        """A PTR for ``address``; with ``forward`` each name also resolves back to it (FCrDNS passes)."""
        reverse = dns.reversename.from_address(address).to_text().rstrip(".")
        self.add(reverse, "PTR", Reply(ptr=names))
        if forward:
            rdtype = "A" if ipaddress.ip_address(address).version == 4 else "AAAA"
            for name in names:
                self.add(name, rdtype, Reply(addresses=(address,)))

    def resolve(self, name: str, rdtype: str) -> Reply:
        name = name.lower().rstrip(".")
        exact = self.records.get((name, rdtype))
        if exact is not None:
            return exact
        if any(key[0] == name for key in self.records):
            return Reply()
        labels = name.split(".")
        for cut in range(1, len(labels)):
            zone = self.zones.get(".".join(labels[cut:]))
            if zone is not None:
                return zone.reply_for(".".join(labels[:cut]), rdtype)
        return self.otherwise

    def negative_ttl(self, name: str) -> int:
        for zone_name, zone in self.zones.items():
            if name.lower().rstrip(".").endswith("." + zone_name):
                return zone.negative_ttl
        return 60


class _Engine:
    """Turns query bytes into reply bytes, and remembers what was asked."""

    def __init__(self, script: DnsScript, *, cache_replies: bool = False) -> None:
        self.script = script
        self.cache_replies = cache_replies
        self.asked: Counter[tuple[str, str]] = Counter()
        self.transports: Counter[str] = Counter()
        self._wire_cache: dict[bytes, tuple[tuple[str, str], bytes | None]] = {}
        self._lock = threading.Lock()
        #: ``hold_first`` replies held back, by (name, type), and those released by a later query, to be
        #: sent before that query's own reply.
        self._held: dict[tuple[str, str], bytes] = {}
        self._released: list[bytes] = []

    def take_released(self) -> list[bytes]:
        released, self._released = self._released, []
        return released

    def answer(self, data: bytes, transport: str) -> bytes | None:
        self.transports[transport] += 1
        cached = self._wire_cache.get(data[2:]) if transport == "udp" else None
        if cached is not None:
            key, body = cached
            self.asked[key] += 1
            return None if body is None else data[:2] + body
        try:
            query = dns.message.from_wire(data)
        except Exception:
            return None
        question = query.question[0]
        key = (question.name.to_text().rstrip(".").lower(), dns.rdatatype.to_text(question.rdtype))
        with self._lock:
            self.asked[key] += 1
            count = self.asked[key]
        reply = self.script.resolve(*key)
        if reply.drop or count <= reply.drop_first or (reply.udp_drop and transport == "udp"):
            return None
        if reply.tcp_drop and transport == "tcp":
            return None
        if reply.tcp_close and transport == "tcp":
            return CLOSE
        wire = self._build(query, reply, key, transport)
        if reply.hold_first and transport == "udp":
            held = self._held.pop(key, None)
            if held is None and count == 1:
                self._held[key] = wire
                return None
            if held is not None:
                self._released.append(held)
        if self.cache_replies and not reply.dynamic and transport == "udp":
            self._wire_cache[data[2:]] = (key, wire[2:])
        return wire

    def _build(self, query: dns.message.Message, reply: Reply, key: tuple[str, str], transport: str) -> bytes:
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA | dns.flags.RA
        response.set_rcode(dns.rcode.from_text(reply.rcode))
        name, rdtype = key
        qname = query.question[0].name
        if reply.cname:
            response.answer.append(dns.rrset.from_text(qname, reply.ttl, "IN", "CNAME", reply.cname + "."))
            qname = dns.name.from_text(reply.cname)
            reply = self.script.resolve(reply.cname, rdtype)
            response.set_rcode(dns.rcode.from_text(reply.rcode))
        if reply.rcode == "NOERROR":
            values: tuple[str, ...] = ()
            if rdtype in ("A", "AAAA"):
                values = tuple(a for a in reply.addresses if _family_matches(a, rdtype))
            elif rdtype == "TXT":
                values = tuple(_txt_rdata(part) for part in reply.txt)
            elif rdtype == "MX":
                values = tuple(m.rstrip(".") + "." for m in reply.mx)
            elif rdtype == "PTR":
                values = tuple(p.rstrip(".") + "." for p in reply.ptr)
            if values:
                response.answer.append(dns.rrset.from_text_list(qname, reply.ttl, "IN", rdtype, list(values)))
        if reply.rcode == "NXDOMAIN" or (reply.rcode == "NOERROR" and not response.answer):
            ttl = self.script.negative_ttl(name)
            soa = f"ns.{name}. hostmaster.{name}. 1 3600 600 86400 {ttl}"
            response.authority.append(dns.rrset.from_text(qname, ttl, "IN", "SOA", soa))
        limit = UDP_LIMIT_WITHOUT_EDNS if query.edns < 0 else max(query.payload, UDP_LIMIT_WITHOUT_EDNS)
        if transport == "udp" and self.script.truncate_udp:
            response.answer.clear()
            response.authority.clear()
            response.flags |= dns.flags.TC
            return response.to_wire()
        if transport == "udp" and reply.udp_truncate:
            limit = 12 + len(query.question[0].name.to_wire()) + 4
        if transport == "udp":
            try:
                return response.to_wire(max_size=limit)
            except dns.exception.TooBig:
                response.answer.clear()
                response.authority.clear()
                response.flags |= dns.flags.TC
        return response.to_wire()


def _txt_rdata(text: str) -> str:
    """One TXT record as zone-file text: strings of at most 255 octets (long DKIM keys span several)."""
    raw = text.encode("utf-8")
    chunks = [raw[i : i + 255] for i in range(0, len(raw), 255)] or [b""]
    return " ".join('"' + "".join(_escape(b) for b in chunk) + '"' for chunk in chunks)


def _escape(byte: int) -> str:
    if byte in (0x22, 0x5C):
        return "\\" + chr(byte)
    return chr(byte) if 0x20 <= byte < 0x7F else f"\\{byte:03d}"


def _family_matches(address: str, rdtype: str) -> bool:
    return (ipaddress.ip_address(address).version == 4) == (rdtype == "A")


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, engine: _Engine) -> None:
        self.engine = engine
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        wire = self.engine.answer(data, "udp")
        if self.transport is None:
            return
        for late in self.engine.take_released():
            self.transport.sendto(late, addr)
        if wire is not None:
            self.transport.sendto(wire, addr)


class LoopbackDnsServer:
    """Serves a ``DnsScript`` on 127.0.0.1 (one ephemeral port, UDP and TCP) from a background thread."""

    def __init__(
        self, script: DnsScript | None = None, host: str = "127.0.0.1", *, fast_udp: bool = False
    ) -> None:
        self.script = script or DnsScript()
        self.host = host
        self.fast_udp = fast_udp
        self._udp_thread: threading.Thread | None = None
        self.port = 0
        # Benchmarks cache replies as bytes; tests change the script between queries, so they do not.
        self._engine = _Engine(self.script, cache_replies=fast_udp)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None

    @property
    def nameserver(self) -> str:
        return f"{self.host}:{self.port}" if ":" not in self.host else f"[{self.host}]:{self.port}"

    def asked(self, name: str, rdtype: str = "A") -> int:
        return self._engine.asked[(name.lower().rstrip("."), rdtype)]

    def asked_names(self) -> set[str]:
        return {name for name, _ in self._engine.asked}

    def total_queries(self) -> int:
        return sum(self._engine.asked.values())

    def transport_count(self, transport: str) -> int:
        return self._engine.transports[transport]

    def start(self) -> LoopbackDnsServer:
        self._thread = threading.Thread(target=self._run, name="loopback-dns", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("loopback DNS server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> LoopbackDnsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        requested = self.port
        for _attempt in range(50):
            # TCP picks a free port; UDP must then get the same number, which another process
            # (any client's ephemeral UDP socket) may hold: then both try again on a new port.
            tcp = await asyncio.start_server(self._handle_tcp, self.host, requested)
            self.port = tcp.sockets[0].getsockname()[1]
            try:
                udp = await self._bind_udp()
                break
            except OSError:
                tcp.close()
                await tcp.wait_closed()
                if requested:
                    raise
        else:
            raise RuntimeError("no port free for both UDP and TCP")
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            if udp is not None:
                udp.close()
            tcp.close()
            await tcp.wait_closed()

    async def _bind_udp(self) -> asyncio.BaseTransport | None:
        assert self._loop is not None
        if self.fast_udp:
            family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_DGRAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
            try:
                sock.bind((self.host, self.port))
            except OSError:
                sock.close()
                raise
            sock.settimeout(0.2)
            self._udp_thread = threading.Thread(target=self._blocking_udp, args=(sock,), daemon=True)
            self._udp_thread.start()
            return None
        udp, _ = await self._loop.create_datagram_endpoint(
            lambda: _Udp(self._engine), local_addr=(self.host, self.port)
        )
        return udp

    def _blocking_udp(self, sock: socket.socket) -> None:
        """A tight receive-answer loop for benchmarks (no event-loop cost per datagram)."""
        answer = self._engine.answer
        while self._stop is not None and not self._stop.is_set():
            try:
                data, address = sock.recvfrom(4096)
            except TimeoutError:
                continue
            wire = answer(data, "udp")
            if wire is not None:
                sock.sendto(wire, address)
        sock.close()

    async def _handle_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                header = await reader.readexactly(2)
                (length,) = struct.unpack("!H", header)
                wire = self._engine.answer(await reader.readexactly(length), "tcp")
                if wire is CLOSE:
                    break
                if wire is not None:
                    writer.write(struct.pack("!H", len(wire)) + wire)
                    await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def _serve_child(script: DnsScript, port_out: multiprocessing.Queue, stop: multiprocessing.Event) -> None:
    server = LoopbackDnsServer(script, fast_udp=True).start()
    port_out.put(server.port)
    stop.wait()
    port_out.put(server.total_queries())
    server.stop()


class ProcessDnsServer:
    """The same server in a child process: the benchmark's client and server do not share a GIL."""

    def __init__(self, script: DnsScript) -> None:
        context = multiprocessing.get_context("fork")
        self._queue: multiprocessing.Queue = context.Queue()
        self._stop = context.Event()
        self._process = context.Process(target=_serve_child, args=(script, self._queue, self._stop))
        self.port = 0
        self.queries_served = 0

    def __enter__(self) -> ProcessDnsServer:
        self._process.start()
        self.port = self._queue.get(timeout=20)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.queries_served = self._queue.get(timeout=20)
        self._process.join(20)
