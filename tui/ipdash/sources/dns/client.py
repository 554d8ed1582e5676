"""Look up one name and type at one nameserver, with a TTL cache. A query is resent on a short adaptive
timer (``window.RetransmitTimer``) and, once it has gone unanswered, asked over TCP as well, as after a
truncated reply: rate limiting (NSD's RRL, list mirrors) drops UDP, not TCP. A timeout is only declared
after the whole budget of ``wait`` × (1 + ``retries``) seconds. Queries in flight are bounded by an
adaptive window. Returns plain ``LookupOutcome`` data; never raises for DNS trouble."""

from __future__ import annotations

import asyncio

import dns.exception
import dns.rcode
import dns.rdatatype

from ipdash.domain.dnsbl.lookups import LookupOutcome, Rcode
from ipdash.domain.dnsbl.settings import Nameserver
from ipdash.sources.dns.cache import AnswerCache
from ipdash.sources.dns.tcp import TcpMux
from ipdash.sources.dns.udp import NameserverUnreachable, UdpMux
from ipdash.sources.dns.window import InFlightWindow, RetransmitTimer
from ipdash.sources.dns.wire import (
    FAST_TYPES,
    TYPE_A,
    Reply,
    WireError,
    fast_reply,
    full_reply,
    parse_wire,
    question_bytes,
)

#: After a truncated reply, or this many unanswered UDP queries within PREFER_TCP_SECONDS, queries go
#: over TCP first for PREFER_TCP_SECONDS (the server is rate limiting UDP).
LOSSES_FOR_TCP = 3
PREFER_TCP_SECONDS = 30.0

_RCODES: dict[int, Rcode] = {
    dns.rcode.NOERROR: Rcode.NOERROR,
    dns.rcode.NXDOMAIN: Rcode.NXDOMAIN,
    dns.rcode.SERVFAIL: Rcode.SERVFAIL,
    dns.rcode.REFUSED: Rcode.REFUSED,
}


class DnsClient:
    """Use as ``async with DnsClient(nameserver) as client``; one per event loop."""

    def __init__(
        self,
        nameserver: Nameserver,
        *,
        cache: AnswerCache | None = None,
        retries: int = 1,
        max_in_flight: int = 100,
    ) -> None:
        self.nameserver = nameserver
        self.cache = cache if cache is not None else AnswerCache()
        self.retries = retries
        self.queries_sent = 0
        self.retransmits = 0
        self.tcp_fallbacks = 0
        self.timer = RetransmitTimer()
        self.window = InFlightWindow(max_in_flight)
        self._tcp_mux: TcpMux | None = None
        #: Rate limiting seen (a truncated reply, or repeated losses): until then, ask over TCP first.
        self._prefer_tcp_until = 0.0
        self._recent_losses: list[float] = []
        self._mux: UdpMux | None = None
        #: Event loops without add_reader (Windows' Proactor) use dnspython's one-socket-per-query UDP.
        self._per_query_udp = False

    async def __aenter__(self) -> DnsClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._tcp_mux is not None:
            await self._tcp_mux.aclose()
            self._tcp_mux = None
        if self._mux is not None:
            self._mux.close()
            self._mux = None

    async def lookup(
        self, name: str, rdtype: str = "A", *, wait: float, question: bytes | None = None
    ) -> LookupOutcome:
        """``wait`` caps each retransmit interval; the query is given up after ``wait`` × (1 + retries).
        ``question`` is ``wire.question_bytes(name, rdtype)`` when the caller built it already (a sweep
        encodes each zone and each target once, not each pair)."""
        cached = self.cache.get(name, rdtype)
        if cached is not None:
            return cached
        budget = wait * (1 + self.retries)
        window = self.window
        if window.try_enter():
            try:
                outcome, sends = await self._ask(name, rdtype, wait, budget, question)
            finally:
                window.leave()
        else:
            async with window:
                outcome, sends = await self._ask(name, rdtype, wait, budget, question)
        if outcome.rcode is Rcode.TIMEOUT:
            asked = "once" if sends == 1 else f"{sends} times"
            outcome = LookupOutcome(Rcode.TIMEOUT, detail=f"no answer in {budget:.1f} s, asked {asked}")
        self.cache.put(name, rdtype, outcome)
        return outcome

    async def _ask(
        self, name: str, rdtype: str, wait: float, budget: float, question: bytes | None
    ) -> tuple[LookupOutcome, int]:
        type_number = TYPE_A if rdtype == "A" else dns.rdatatype.from_text(rdtype)
        if question is None:
            try:
                question = question_bytes(name, type_number)
            except WireError as error:
                return LookupOutcome(Rcode.FAILURE, detail=str(error)), 0
        sends = 1
        try:
            loop = asyncio.get_running_loop()
            if loop.time() < self._prefer_tcp_until:
                started = loop.time()
                reply = await self._tcp_first(question, type_number, wait)
                if reply is not None:
                    return _outcome(reply), sends
                budget -= loop.time() - started
            mux = None if self._per_query_udp else self._udp()
            if mux is None:
                reply, sends = await self._per_query(name, rdtype, wait)
            else:
                data, sends = await self._udp_exchange(mux, question, type_number, wait, budget)
                if data is None:
                    return LookupOutcome(Rcode.TIMEOUT), sends
                reply = data if isinstance(data, Reply) else _decode(data, question, type_number)
            if reply.truncated:
                self.tcp_fallbacks += 1
                self._prefer_tcp_until = asyncio.get_running_loop().time() + PREFER_TCP_SECONDS
                reply = await self._over_tcp(question, type_number, budget)
        except NameserverUnreachable as error:
            detail = f"nameserver {self.nameserver} unreachable: {error}"
            return LookupOutcome(Rcode.FAILURE, detail=detail), sends
        except (WireError, dns.exception.FormError) as error:
            return LookupOutcome(Rcode.FAILURE, detail=str(error)), sends
        except dns.exception.Timeout:
            return LookupOutcome(Rcode.TIMEOUT), sends
        except OSError as error:
            return LookupOutcome(Rcode.FAILURE, detail=f"TCP to {self.nameserver} failed: {error}"), sends
        return _outcome(reply), sends

    async def _tcp_first(self, question: bytes, type_number: int, wait: float) -> Reply | None:
        """While rate limiting is recent, ask over TCP first, for one retransmit interval (``wait``);
        None (carry on over UDP with the rest of the budget) when TCP fails or stays silent."""
        if asyncio.get_running_loop().time() >= self._prefer_tcp_until:
            return None
        try:
            return await self._over_tcp(question, type_number, wait)
        except OSError:
            self._prefer_tcp_until = 0.0
            return None
        except dns.exception.Timeout:
            return None

    def _note_loss(self, now: float) -> None:
        self.window.lost(now, self.timer.srtt)
        self._recent_losses = [t for t in self._recent_losses if now - t < PREFER_TCP_SECONDS] + [now]
        if len(self._recent_losses) >= LOSSES_FOR_TCP:
            self._prefer_tcp_until = now + PREFER_TCP_SECONDS

    async def _udp_exchange(
        self, mux: UdpMux, question: bytes, type_number: int, wait: float, budget: float
    ) -> tuple[bytes | Reply | None, int]:
        """UDP with retransmits on the adaptive timer; after the first silence, TCP races the resends.
        The reply bytes (or TCP's decoded reply), or None when the budget ran out."""
        loop = asyncio.get_running_loop()
        query = mux.open(question)
        tcp: asyncio.Task[Reply] | None = None
        try:
            self.queries_sent += 1
            if not query.send_now():
                await query.send()
            interval = self.timer.first(wait)
            data = await query.arm(interval)
            if data is None:
                query.expired()
            else:
                self.timer.sample(loop.time() - query.sent_at)
                self.window.answered()
                return data, 1
            give_up_at = query.sent_at + budget
            self._note_loss(loop.time())
            self.tcp_fallbacks += 1
            tcp = asyncio.ensure_future(
                self._over_tcp(question, type_number, max(0.0, give_up_at - loop.time()))
            )
            tcp.add_done_callback(_seen)  # its error is judged below, or moot once UDP has ended
            while (remaining := give_up_at - loop.time()) > 0:
                self.retransmits += 1
                self.queries_sent += 1
                await query.send()
                interval = min(interval * 2, wait)
                done, _ = await asyncio.wait(
                    (query.future, tcp), timeout=min(interval, remaining), return_when=asyncio.FIRST_COMPLETED
                )
                if query.future in done and not query.future.cancelled():
                    return query.future.result(), query.sends
                if tcp in done:
                    error = tcp.exception()
                    if error is None:
                        return tcp.result(), query.sends
                    if not isinstance(error, dns.exception.Timeout | OSError):
                        raise error  # a malformed TCP reply: the caller reports it
                    tcp = _never(loop)  # TCP failed: the UDP resends carry on alone
            return None, query.sends
        finally:
            query.close()
            if tcp is not None and not tcp.done():
                tcp.cancel()

    def _udp(self) -> UdpMux | None:
        if self._mux is None:
            try:
                self._mux = UdpMux(self.nameserver.host, self.nameserver.port)
            except NotImplementedError:
                self._per_query_udp = True
        return self._mux

    async def _per_query(self, name: str, rdtype: str, wait: float) -> tuple[Reply, int]:
        """One socket per query (event loops without add_reader): plain retries on timeout."""
        import dns.asyncquery  # here, not at module level: `ipdash check` starts faster
        import dns.message

        for attempt in range(1, self.retries + 2):
            self.queries_sent += 1
            query = dns.message.make_query(name.rstrip(".") + ".", rdtype)
            try:
                response = await dns.asyncquery.udp(
                    query,
                    self.nameserver.host,
                    timeout=wait,
                    port=self.nameserver.port,
                    ignore_unexpected=True,
                )
            except dns.exception.Timeout:
                if attempt > self.retries:
                    raise
                continue
            return full_reply(response), attempt
        raise dns.exception.Timeout

    async def _over_tcp(self, question: bytes, type_number: int, wait: float) -> Reply:
        """One query on the pipelined TCP connection; dns.exception.Timeout when unanswered."""
        if self._tcp_mux is None:
            self._tcp_mux = TcpMux(self.nameserver.host, self.nameserver.port)
        self.queries_sent += 1
        data = await self._tcp_mux.exchange(question, wait)
        if data is None:
            raise dns.exception.Timeout
        return _decode(data, question, type_number)


def _decode(data: bytes, question: bytes, type_number: int) -> Reply:
    fast = fast_reply(data, question) if type_number in FAST_TYPES else None
    return fast if fast is not None else full_reply(parse_wire(data))


def _seen(task: asyncio.Future[Reply]) -> None:
    """Mark a finished TCP attempt's error as retrieved: one that lost its race with UDP (or was
    cancelled while failing, as a refused connect can be) is no error to report."""
    if not task.cancelled():
        task.exception()


def _never(loop: asyncio.AbstractEventLoop) -> asyncio.Task[Reply]:
    """A stand-in for a TCP attempt that failed: never completes, so the UDP resends carry on."""

    async def wait_forever() -> Reply:
        await loop.create_future()
        raise AssertionError("unreachable")

    return loop.create_task(wait_forever())


def _outcome(reply: Reply) -> LookupOutcome:
    rcode = _RCODES.get(reply.rcode)
    if rcode is None:
        return LookupOutcome(
            Rcode.FAILURE,
            detail=f"the nameserver answered {dns.rcode.to_text(dns.rcode.Rcode.make(reply.rcode))}",
        )
    if rcode not in (Rcode.NOERROR, Rcode.NXDOMAIN):
        return LookupOutcome(rcode)
    return LookupOutcome(rcode, reply.values if rcode is Rcode.NOERROR else (), ttl=reply.ttl)
