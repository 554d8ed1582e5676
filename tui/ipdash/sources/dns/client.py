"""Look up one name and type at one nameserver, with a TTL cache. A query is resent on a short adaptive
timer (``window.RetransmitTimer``) and, once it has gone unanswered, asked over TCP as well, as after a
truncated reply: rate limiting (NSD's RRL, list mirrors) drops UDP, not TCP. A timeout is only declared
after the whole budget of ``wait`` × (1 + ``retries``) seconds. Queries in flight are bounded by an
adaptive window. Returns plain ``LookupOutcome`` data; never raises for DNS trouble.

A caller that sweeps many names opens a ``Sweep`` and says when it has sent every first attempt; from then
on (the tail) a query still unanswered a few smoothed RTTs after its send is probed at once, over UDP and
TCP, instead of waiting for the retransmit timer (RFC 8985's tail loss probe): otherwise a reply lost near
the end of a sweep costs the whole run the timer's 0.25 s floor. While a sweep is still sending, the timer
alone decides: a queue of replies behind a busy server must not look like loss.

Once rate limiting is seen (a truncated reply, repeated losses) queries go over TCP first; the sweep's
queries then still waiting on UDP are raced over TCP at once, and a UDP scout now and then (just after each
turn of the clock's second) finds out when the limiter lets go, and queries go back to UDP."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Coroutine
from typing import Any

import dns.exception
import dns.rcode
import dns.rdatatype

from ipdash.domain.dnsbl.lookups import LookupOutcome, Rcode
from ipdash.domain.dnsbl.settings import Nameserver
from ipdash.sources.dns.cache import AnswerCache
from ipdash.sources.dns.tcp import TcpMux
from ipdash.sources.dns.udp import NameserverUnreachable, UdpMux, UdpQuery
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

#: After a truncated reply, or this many unanswered UDP queries within PREFER_TCP_SECONDS that are also
#: at least LOSS_SHARE_FOR_TCP of the recent first attempts (a moving share, each attempt weighing
#: LOSS_SHARE_WEIGHT), queries go over TCP first for PREFER_TCP_SECONDS (the server is rate limiting
#: UDP)... A few losses among thousands of answers are the network's, not a limiter's: 2% of replies
#: lost at random put a whole sweep on TCP (slower per query at the server) after its third loss.
LOSSES_FOR_TCP = 3
LOSS_SHARE_FOR_TCP = 0.2
LOSS_SHARE_WEIGHT = 1 / 16
PREFER_TCP_SECONDS = 30.0
#: ...except a scout now and then, asked over UDP as before: once a scout gets a whole (untruncated) UDP
#: answer, the limiter has let go and queries go back to UDP. Rate limiters count per second (NSD's RRL,
#: BIND's, list mirrors'): a scout is due just after each turn of the clock's second, and at most this
#: long after the last one, so a run that met a limiter still hot from the previous run does not ask
#: over TCP (slower per query at the server) for the rest of its sweep. Scouts are few (at most ~5 a
#: second): each adds to the limiter's count.
SCOUT_INTERVAL = 0.25
#: A scout after the turn of the second waits this long past it (clocks differ a little); with
#: SCOUT_ON_THE_SECOND off, scouts follow SCOUT_INTERVAL alone.
SCOUT_AFTER_SECOND = 0.005
SCOUT_ON_THE_SECOND = True

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
        #: Queries asked over TCP (fallbacks, races, and TCP first while rate limiting is recent).
        self.tcp_queries = 0
        #: Stragglers probed at the tail of a sweep (each also counted in tcp_fallbacks when TCP was asked).
        self.tail_probes = 0
        #: Queries asked over UDP while TCP was preferred (scouts), and how often one found UDP whole again.
        self.udp_scouts = 0
        self.udp_resumed = 0
        #: Queries of a sweep raced over TCP at once when rate limiting was first seen.
        self.limited_races = 0
        self.timer = RetransmitTimer()
        self.window = InFlightWindow(max_in_flight)
        self._tcp_mux: TcpMux | None = None
        #: Rate limiting seen (a truncated reply, or repeated losses): until then, ask over TCP first.
        self._prefer_tcp_until = 0.0
        self._next_scout_at = 0.0
        self._recent_losses: list[float] = []
        #: The moving share of UDP first attempts that went unanswered (LOSS_SHARE_WEIGHT each).
        self.loss_share = 0.0
        self._mux: UdpMux | None = None
        #: Event loops without add_reader (Windows' Proactor) use dnspython's one-socket-per-query UDP.
        self._per_query_udp = False
        #: Sweeps open on this client, and how many of them are still sending first attempts.
        self._sweeps = 0
        self._open_sweeps: list[Sweep] = []
        self._sending = 0
        #: While a sweep is open: queries waiting for the reply to their first send -> (question, when the
        #: retransmit timer resends it, when it is given up): the tail probe's candidates, oldest first.
        self._first_waits: dict[UdpQuery, tuple[bytes, float, float, _Place]] = {}
        self._probe_timer: asyncio.TimerHandle | None = None
        #: The TCP attempt racing each query's UDP sends (started by a probe or by the first silence).
        self._tcp_races: dict[UdpQuery, asyncio.Task[None]] = {}

    async def __aenter__(self) -> DnsClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def sweep(self) -> Sweep:
        """Open a sweep: call its ``all_sent`` once every first attempt has been asked, ``close`` at the end."""
        return Sweep(self)

    async def aclose(self) -> None:
        if self._probe_timer is not None:
            self._probe_timer.cancel()
            self._probe_timer = None
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
        if not window.try_enter():
            await window.enter()
        place = _Place(window)
        try:
            outcome, sends = await self._ask(name, rdtype, wait, budget, question, place)
        finally:
            place.release()
        if outcome.rcode is Rcode.TIMEOUT:
            asked = "once" if sends == 1 else f"{sends} times"
            outcome = LookupOutcome(Rcode.TIMEOUT, detail=f"no answer in {budget:.1f} s, asked {asked}")
        self.cache.put(name, rdtype, outcome)
        return outcome

    async def _ask(
        self, name: str, rdtype: str, wait: float, budget: float, question: bytes | None, place: _Place
    ) -> tuple[LookupOutcome, int]:
        type_number = TYPE_A if rdtype == "A" else dns.rdatatype.from_text(rdtype)
        if question is None:
            try:
                question = question_bytes(name, type_number)
            except WireError as error:
                return LookupOutcome(Rcode.FAILURE, detail=str(error)), 0
        sends = 1
        scout = False
        try:
            loop = asyncio.get_running_loop()
            now = loop.time()
            if now < self._prefer_tcp_until:
                scout = self._scout_due(now)
                if not scout:
                    reply = await self._tcp_first(question, type_number, wait)
                    if reply is not None:
                        return _outcome(reply), sends
                    budget -= loop.time() - now
            mux = None if self._per_query_udp else self._udp()
            if mux is None:
                reply, sends = await self._per_query(name, rdtype, wait)
            else:
                data, sends, over_udp = await self._udp_exchange(mux, question, wait, budget, place)
                if data is None:
                    return LookupOutcome(Rcode.TIMEOUT), sends
                reply = _decode(data, question, type_number)
                if scout and over_udp and not reply.truncated:
                    self._resume_udp()
            if reply.truncated:
                self.tcp_fallbacks += 1
                self._prefer_tcp(loop.time())
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
            data = await self._tcp_exchange(question, wait)
        except OSError:
            self._prefer_tcp_until = 0.0
            return None
        return None if data is None else _decode(data, question, type_number)

    def _note_loss(self, now: float) -> None:
        self.window.lost(now, self.timer.srtt)
        self._note_first_attempt(lost=True)
        self._recent_losses = [t for t in self._recent_losses if now - t < PREFER_TCP_SECONDS] + [now]
        if len(self._recent_losses) >= LOSSES_FOR_TCP and self.loss_share >= LOSS_SHARE_FOR_TCP:
            self._prefer_tcp(now)

    def _note_first_attempt(self, *, lost: bool) -> None:
        self.loss_share += LOSS_SHARE_WEIGHT * ((1.0 if lost else 0.0) - self.loss_share)

    def _prefer_tcp(self, now: float) -> None:
        """Rate limiting seen: TCP first from now on, a first scout over UDP when the next is due. The
        sweep's queries still waiting for their first UDP reply are asked over TCP at once: the limiter
        drops half of what it limits (NSD's slip 2), and a dropped one would wait for its retransmit
        timer (or the tail) while every later query goes over TCP at once."""
        if now >= self._prefer_tcp_until:
            self._next_scout_at = now + self._until_next_scout()
            for query, (question, _, give_up_at, _) in list(self._first_waits.items()):
                if not query.future.done() and query not in self._tcp_races:
                    self.limited_races += 1
                    self._race_tcp(query, question, give_up_at - now)
        self._prefer_tcp_until = now + PREFER_TCP_SECONDS

    def _scout_due(self, now: float) -> bool:
        if now < self._next_scout_at:
            return False
        self._next_scout_at = now + self._until_next_scout()
        self.udp_scouts += 1
        return True

    @staticmethod
    def _until_next_scout() -> float:
        """SCOUT_INTERVAL, or less: just past the turn of the clock's second when that comes first."""
        if not SCOUT_ON_THE_SECOND:
            return SCOUT_INTERVAL
        wall = time.time()
        return min(SCOUT_INTERVAL, math.floor(wall) + 1.0 - wall + SCOUT_AFTER_SECOND)

    def _resume_udp(self) -> None:
        """A scout got a whole UDP answer: the limiter lets UDP through again."""
        self.udp_resumed += 1
        self._prefer_tcp_until = 0.0
        self._recent_losses.clear()

    async def _udp_exchange(
        self, mux: UdpMux, question: bytes, wait: float, budget: float, place: _Place
    ) -> tuple[bytes | None, int, bool]:
        """UDP with retransmits on the adaptive timer; after the first silence (or a tail probe), TCP races
        the resends and its reply answers the query as a UDP reply would. The reply bytes (None when the
        budget ran out), the number of UDP sends, and whether the reply came over UDP."""
        loop = asyncio.get_running_loop()
        query = mux.open(question)
        try:
            self.queries_sent += 1
            query.send()
            sent_at = query.sent_at
            give_up_at = sent_at + budget
            interval = self.timer.first(wait)
            if self._sweeps:
                self._first_waits[query] = (question, sent_at + interval, give_up_at, place)
                if self._probe_timer is None:
                    self._arm_probe(sent_at)
            data = await query.arm(interval)
            if data is None:
                data = query.spare
            if data is not None:
                over_udp = _over_udp(query, data)
                if query.sends == 1 and query not in self._tcp_races:  # Karn: only an unambiguous RTT
                    self.timer.sample(loop.time() - sent_at)
                # Answered by a probe's resend or over TCP: its first UDP attempt was lost all the same.
                self._note_first_attempt(lost=query.sends > 1 or not over_udp)
                self.window.answered()
                return data, query.sends, over_udp
            self._first_waits.pop(query, None)
            query.expired()
            self._note_loss(loop.time())
            if query not in self._tcp_races:
                self._race_tcp(query, question, give_up_at - loop.time())
            while (remaining := give_up_at - loop.time()) > 0:
                self.retransmits += 1
                self.queries_sent += 1
                query.send()
                interval = min(interval * 2, wait)
                data = query.spare
                if data is None:
                    data = await query.arm(min(interval, remaining))
                if data is None:
                    data = query.spare
                if data is not None:
                    return data, query.sends, _over_udp(query, data)
                query.expired()
            return None, query.sends, False
        finally:
            self._first_waits.pop(query, None)
            query.close()
            race = self._tcp_races.pop(query, None)
            if race is not None and not race.done():
                race.cancel()

    def _race_tcp(self, query: UdpQuery, question: bytes, wait: float) -> None:
        """Ask over TCP beside the UDP sends, for the rest of the query's budget."""
        self.tcp_fallbacks += 1
        self._tcp_races[query] = asyncio.ensure_future(self._tcp_answers(query, question, max(0.0, wait)))

    async def _tcp_answers(self, query: UdpQuery, question: bytes, wait: float) -> None:
        try:
            data = await self._tcp_exchange(question, wait)
        except (OSError, dns.exception.Timeout):
            return  # TCP failed or stayed silent: the UDP resends carry on alone
        except Exception as error:  # anything else (a bug) is the caller's to report
            if not query.future.done():
                query.future.set_exception(error)
            return
        if data is not None:
            query.answer(data)

    def _arm_probe(self, sent_at: float) -> None:
        after = self.timer.probe_after()
        if after is not None:
            self._probe_timer = asyncio.get_running_loop().call_at(sent_at + after, self._probe_due)

    def _probe_due(self, *, rescan: bool = True) -> None:
        """While a sweep has queries waiting for their first reply: one unanswered ``probe_after``
        seconds after its send is presumed lost. While the sweep is still sending (or lookups wait for a
        place) it only gives its place in the window back, so that lost replies do not hold the sweep up
        until their retransmit timer (it is resent on that timer as before); at the tail it is probed,
        once."""
        self._probe_timer = None
        after = self.timer.probe_after()
        if not self._sweeps or after is None or not self._first_waits:
            return
        tail = not self._sending and not self.window.waiting
        loop = asyncio.get_running_loop()
        now = loop.time()
        next_due = math.inf
        given_back = 0
        for query, (question, retransmit_at, give_up_at, place) in list(self._first_waits.items()):
            due = query.sent_at + after
            if query.future.done() or due >= retransmit_at:
                continue  # answered, or the retransmit timer comes first
            if due > now + 0.002:
                next_due = min(next_due, due)
            elif tail:
                del self._first_waits[query]
                self._probe(query, question, give_up_at - now)
            else:
                if place.held:
                    place.release()
                    given_back += 1
                next_due = min(next_due, now + after)  # look again: the tail may begin meanwhile
        for sweep in self._open_sweeps if given_back else ():
            if sweep.on_place_given_back is not None:
                sweep.on_place_given_back(given_back)
        if rescan and next_due < math.inf:
            self._probe_timer = loop.call_at(next_due, self._probe_due)

    def _probe(self, query: UdpQuery, question: bytes, remaining: float) -> None:
        self.tail_probes += 1
        try:
            query.send()
            self.queries_sent += 1
        except NameserverUnreachable:
            pass  # closed: the query's own wait ends in the same failure
        if remaining > 0 and query not in self._tcp_races:
            self._race_tcp(query, question, remaining)

    def _tail_changed(self) -> None:
        if self._sweeps and not self._sending:
            self._probe_due(rescan=self._probe_timer is None)

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
        data = await self._tcp_exchange(question, wait)
        if data is None:
            raise dns.exception.Timeout
        return _decode(data, question, type_number)

    def _tcp_exchange(self, question: bytes, wait: float) -> Coroutine[Any, Any, bytes | None]:
        """The pipelined connection's exchange (awaited by the caller: no coroutine of its own)."""
        if self._tcp_mux is None:
            self._tcp_mux = TcpMux(self.nameserver.host, self.nameserver.port)
        self.queries_sent += 1
        self.tcp_queries += 1
        return self._tcp_mux.exchange(question, wait)


class _Place:
    """A lookup's place in the window, given back once: when it ends, or earlier when its first
    attempt is presumed lost during a sweep (it then waits for its resend outside the window)."""

    __slots__ = ("held", "window")

    def __init__(self, window: InFlightWindow) -> None:
        self.window = window
        self.held = True

    def release(self) -> None:
        if self.held:
            self.held = False
            self.window.leave()


class Sweep:
    """One caller's sweep on a client. While any open sweep is still sending first attempts, stragglers
    wait for the retransmit timer; once every open sweep has sent them all (``all_sent``), a query
    unanswered ``RetransmitTimer.probe_after`` seconds after its send is probed once.

    ``on_place_given_back(n)``, when the caller sets it, is called when lookups presumed lost while the
    sweep is still sending give ``n`` places in the window back: their callers still wait for them, so
    a caller with one worker per place starts as many more to use those places."""

    __slots__ = ("_client", "_open", "_sending", "on_place_given_back")

    def __init__(self, client: DnsClient) -> None:
        self._client = client
        self._open = self._sending = True
        self.on_place_given_back: Callable[[int], None] | None = None
        client._sweeps += 1
        client._sending += 1
        client._open_sweeps.append(self)

    def all_sent(self) -> None:
        if self._sending:
            self._sending = False
            self._client._sending -= 1
            self._client._tail_changed()

    def close(self) -> None:
        if self._open:
            self._open = False
            self.on_place_given_back = None
            if self._sending:
                self._sending = False
                self._client._sending -= 1
            self._client._sweeps -= 1
            self._client._open_sweeps.remove(self)
            if not self._client._sweeps:
                self._client._first_waits.clear()


def _over_udp(query: UdpQuery, data: bytes) -> bool:
    """``data`` (the reply a query's wait returned) came over UDP, not from its TCP race."""
    return not query.over_tcp and data is not query.spare


def _decode(data: bytes, question: bytes, type_number: int) -> Reply:
    fast = fast_reply(data, question) if type_number in FAST_TYPES else None
    return fast if fast is not None else full_reply(parse_wire(data))


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
