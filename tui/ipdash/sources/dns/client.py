"""Look up one name and type at one nameserver, with a TTL cache, one retry on timeout only, and TCP
when a UDP reply is truncated. Returns plain ``LookupOutcome`` data; never raises for DNS trouble."""

from __future__ import annotations

import dns.asyncquery
import dns.exception
import dns.message
import dns.rcode
import dns.rdatatype

from ipdash.domain.dnsbl.lookups import LookupOutcome, Rcode
from ipdash.domain.dnsbl.settings import Nameserver
from ipdash.sources.dns.cache import AnswerCache
from ipdash.sources.dns.udp import NameserverUnreachable, UdpMux
from ipdash.sources.dns.wire import (
    TYPE_A,
    Reply,
    WireError,
    fast_reply,
    full_reply,
    parse_wire,
    question_bytes,
)

_RCODES: dict[int, Rcode] = {
    dns.rcode.NOERROR: Rcode.NOERROR,
    dns.rcode.NXDOMAIN: Rcode.NXDOMAIN,
    dns.rcode.SERVFAIL: Rcode.SERVFAIL,
    dns.rcode.REFUSED: Rcode.REFUSED,
}


class DnsClient:
    """Use as ``async with DnsClient(nameserver) as client``; one per event loop."""

    def __init__(self, nameserver: Nameserver, *, cache: AnswerCache | None = None, retries: int = 1) -> None:
        self.nameserver = nameserver
        self.cache = cache if cache is not None else AnswerCache()
        self.retries = retries
        self.queries_sent = 0
        self._mux: UdpMux | None = None
        #: Event loops without add_reader (Windows' Proactor) use dnspython's one-socket-per-query UDP.
        self._per_query_udp = False

    async def __aenter__(self) -> DnsClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._mux is not None:
            self._mux.close()
            self._mux = None

    async def lookup(self, name: str, rdtype: str = "A", *, wait: float) -> LookupOutcome:
        cached = self.cache.get(name, rdtype)
        if cached is not None:
            return cached
        attempts = 0
        outcome = LookupOutcome(Rcode.TIMEOUT)
        while attempts <= self.retries:
            attempts += 1
            outcome = await self._ask(name, rdtype, wait)
            if outcome.rcode is not Rcode.TIMEOUT:
                break
        if outcome.rcode is Rcode.TIMEOUT:
            asked = "once" if attempts == 1 else f"{attempts} times"
            outcome = LookupOutcome(Rcode.TIMEOUT, detail=f"no answer in {wait:.1f} s, asked {asked}")
        self.cache.put(name, rdtype, outcome)
        return outcome

    async def _ask(self, name: str, rdtype: str, wait: float) -> LookupOutcome:
        type_number = TYPE_A if rdtype == "A" else dns.rdatatype.from_text(rdtype)
        try:
            question = question_bytes(name, type_number)
        except WireError as error:
            return LookupOutcome(Rcode.FAILURE, detail=str(error))
        self.queries_sent += 1
        try:
            mux = None if self._per_query_udp else self._udp()
            if mux is None:
                reply = await self._per_query(name, rdtype, wait)
            else:
                data = await mux.exchange(question, wait)
                if data is None:
                    return LookupOutcome(Rcode.TIMEOUT)
                fast = fast_reply(data, question) if type_number == TYPE_A else None
                reply = fast if fast is not None else full_reply(parse_wire(data))
            if reply.truncated:
                reply = await self._over_tcp(name, rdtype, wait)
        except NameserverUnreachable as error:
            return LookupOutcome(Rcode.FAILURE, detail=f"nameserver {self.nameserver} unreachable: {error}")
        except (WireError, dns.exception.FormError) as error:
            return LookupOutcome(Rcode.FAILURE, detail=str(error))
        except dns.exception.Timeout:
            return LookupOutcome(Rcode.TIMEOUT)
        except OSError as error:
            return LookupOutcome(Rcode.FAILURE, detail=f"TCP to {self.nameserver} failed: {error}")
        return _outcome(reply)

    def _udp(self) -> UdpMux | None:
        if self._mux is None:
            try:
                self._mux = UdpMux(self.nameserver.host, self.nameserver.port)
            except NotImplementedError:
                self._per_query_udp = True
        return self._mux

    async def _per_query(self, name: str, rdtype: str, wait: float) -> Reply:
        query = dns.message.make_query(name.rstrip(".") + ".", rdtype)
        response = await dns.asyncquery.udp(
            query, self.nameserver.host, timeout=wait, port=self.nameserver.port, ignore_unexpected=True
        )
        return full_reply(response)

    async def _over_tcp(self, name: str, rdtype: str, wait: float) -> Reply:
        self.queries_sent += 1
        query = dns.message.make_query(name.rstrip(".") + ".", rdtype)
        response = await dns.asyncquery.tcp(
            query, self.nameserver.host, timeout=wait, port=self.nameserver.port
        )
        return full_reply(response)


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
