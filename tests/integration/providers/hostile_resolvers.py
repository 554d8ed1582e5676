"""The hostile-input campaign's broken resolvers: ``ipdash check`` as a whole process (so that what
asyncio prints when the interpreter shuts down is seen too) against a nameserver on 127.0.0.1 that
refuses, stays silent, answers garbage, answers for another query, fails every lookup, answers
everything or nothing, truncates and then closes TCP, or lists with a hostile TXT reason.

Judged as the rest of the campaign (no traceback, no control character out, the right exit code),
and on the verdicts: a list that such a resolver cannot answer for is unknown, never clean and never
listed (``wrong_verdict``); the one resolver that does answer truly (the hostile TXT) gives the one
listing it serves and the clean verdicts of the others."""

from __future__ import annotations

import json
import os
import random
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TXT
import dns.rrset

from .fakeapi import FakeApi
from .hostile_catalogue import CONTROL, Outcome, Probe

TARGET = "192.0.2.1"
#: SURBL (a domain list that takes IP literals too) is among them: its lookups met a refused TCP
#: connect in the race that printed "Task exception was never retrieved".
ZONES = ("zen.spamhaus.org", "bl.spamcop.net", "multi.surbl.org")
#: The truthful resolver's lists: IP lists whose RFC 5782 test point it answers.
TRUTHFUL_ZONES = ("zen.spamhaus.org", "bl.spamcop.net", "psbl.surriel.com")
#: A reply for the query's wire bytes, or None to stay silent.
Answer = Callable[[bytes], bytes | None]


def _response(
    wire: bytes, rcode: dns.rcode.Rcode = dns.rcode.NOERROR, addresses: tuple[str, ...] = ()
) -> bytes:
    query = dns.message.from_wire(wire)
    reply = dns.message.make_response(query)
    reply.set_rcode(rcode)
    question = query.question[0]
    if addresses and question.rdtype == dns.rdatatype.A:
        reply.answer.append(dns.rrset.from_text(question.name, 60, "IN", "A", *addresses))
    return bytes(reply.to_wire())


def _silent(_wire: bytes) -> bytes | None:
    return None


def _garbage(wire: bytes) -> bytes:
    noise = random.Random(wire)
    return bytes(noise.randrange(256) for _ in range(noise.randrange(0, 600)))


def _other_id(wire: bytes) -> bytes:
    reply = bytearray(_response(wire, addresses=("127.0.0.2",)))
    reply[0:2] = struct.pack("!H", (struct.unpack("!H", wire[:2])[0] + 1) % 65536)
    return bytes(reply)


def _cut_header(wire: bytes) -> bytes:
    return _response(wire)[:5]


def _pointer_loop(wire: bytes) -> bytes:
    """A reply whose answer's owner name is a compression pointer to itself."""
    reply = bytearray(_response(wire))
    reply[6:8] = b"\x00\x01"  # one answer
    at = len(reply)
    reply += struct.pack("!H", 0xC000 | at) + struct.pack("!HHIH", 1, 1, 60, 4) + bytes((127, 0, 0, 2))
    return bytes(reply)


def _every_name_listed(wire: bytes) -> bytes:
    return _response(wire, addresses=("127.0.0.2",))


def _no_name_exists(wire: bytes) -> bytes:
    return _response(wire, dns.rcode.NXDOMAIN)


def _rcode(rcode: dns.rcode.Rcode) -> Answer:
    return lambda wire: _response(wire, rcode)


def _truncated(wire: bytes) -> bytes:
    reply = bytearray(_response(wire))
    reply[2] |= dns.flags.TC >> 8
    return bytes(reply)


HOSTILE_REASON = "listed \x1b[31mRED\x1b]0;pwned\x07 \u202eevil " + "x" * 200


def _truthful_with_a_hostile_reason(wire: bytes) -> bytes:
    """Answers as a real list would (RFC 5782 test points included) and lists the target on one
    zone, with a TXT reason full of escapes and a bidi override."""
    query = dns.message.from_wire(wire)
    question = query.question[0]
    name = question.name.to_text().rstrip(".")
    reply = dns.message.make_response(query)
    zone = next((zone for zone in TRUTHFUL_ZONES if name.endswith("." + zone)), None)
    prefix = name[: -len(zone) - 1] if zone else ""
    listed_prefix = ".".join(reversed(TARGET.split(".")))
    if prefix != "2.0.0.127" and not (prefix == listed_prefix and zone == TRUTHFUL_ZONES[1]):
        reply.set_rcode(dns.rcode.NXDOMAIN)  # not listed, and rDNS: no PTR
    elif question.rdtype == dns.rdatatype.A:
        reply.answer.append(dns.rrset.from_text(question.name, 60, "IN", "A", "127.0.0.2"))
    elif question.rdtype == dns.rdatatype.TXT:
        reason = HOSTILE_REASON.encode()
        strings = [reason[at : at + 255] for at in range(0, len(reason), 255)]
        txt = dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, dns.rdatatype.TXT, strings)
        reply.answer.append(dns.rrset.from_rdata(question.name, 60, txt))
    return bytes(reply.to_wire())


#: Prefixes of the RFC 5782 names that must be listed (IPv4, IPv6, domain lists).
_MUST_BE_LISTED = ("2.0.0.127.", "2.0.0.0.0.0.f.7.f.f.f.f." + "0." * 20, "test.")


def _scripted(answers: dict[str, tuple[str, ...]], *, udp: bool = True) -> Answer:
    """A truthful list server: every zone lists its RFC 5782 test points; ``answers`` maps a zone to
    what it answers for ``TARGET`` (A records, any number, mixed as a hostile list may mix them);
    every other name is NXDOMAIN. Over UDP a reply too big for 512 bytes is truncated."""
    target_prefix = ".".join(reversed(TARGET.split("."))) + "."

    def answer(wire: bytes) -> bytes:
        query = dns.message.from_wire(wire)
        question = query.question[0]
        name = question.name.to_text().lower()
        zone = next((z for z in answers if name == f"{target_prefix}{z}."), None)
        if name == f"{target_prefix}in-addr.arpa." and question.rdtype == dns.rdatatype.PTR:
            ptr = dns.message.make_response(query)  # rDNS passes: PTR and its forward A agree
            ptr.answer.append(dns.rrset.from_text(question.name, 60, "IN", "PTR", "mail.example.net."))
            return bytes(ptr.to_wire())
        if name == "mail.example.net.":
            return _response(wire, addresses=(TARGET,))
        if zone is not None:
            codes = answers[zone]
        elif name.startswith(_MUST_BE_LISTED):
            codes = ("127.0.0.2",)
        else:
            return _response(wire, dns.rcode.NXDOMAIN)
        reply = _response(wire, addresses=codes) if question.rdtype == dns.rdatatype.A else _response(wire)
        if udp and len(reply) > 512:
            return _truncated(wire)
        return reply

    return answer


@contextmanager
def resolver(udp: Answer | None, tcp: Answer | str | None = None) -> Iterator[int]:
    """A nameserver on 127.0.0.1 answering UDP by ``udp`` (None: the port is closed) and TCP by
    ``tcp`` ("close": accept, read the query and close unanswered; None: no TCP listener)."""
    udp_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp_socket.bind(("127.0.0.1", 0))
    port = udp_socket.getsockname()[1]
    listener: socket.socket | None = None
    if tcp is not None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind(("127.0.0.1", port))
        except OSError:
            listener.close()
            listener = None
        else:
            listener.listen(16)
    if udp is None:
        udp_socket.close()
    stop = threading.Event()

    def serve_udp() -> None:
        assert udp is not None
        udp_socket.settimeout(0.1)
        while not stop.is_set():
            try:
                data, peer = udp_socket.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                reply = udp(data)
            except Exception:  # a query the hostile server cannot parse: it stays silent
                reply = None
            if reply is not None:
                udp_socket.sendto(reply, peer)

    def serve_tcp() -> None:
        assert listener is not None
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=one_connection, args=(connection,), daemon=True).start()

    def one_connection(connection: socket.socket) -> None:
        with connection:
            connection.settimeout(5)
            try:
                while not stop.is_set():
                    size = connection.recv(2)
                    if len(size) < 2:
                        return
                    data = connection.recv(struct.unpack("!H", size)[0])
                    if tcp == "close" or not callable(tcp):
                        return
                    reply = tcp(data)
                    if reply is None:
                        continue
                    connection.sendall(struct.pack("!H", len(reply)) + reply)
            except OSError:
                return

    threads = []
    if udp is not None:
        threads.append(threading.Thread(target=serve_udp, daemon=True))
    if listener is not None:
        threads.append(threading.Thread(target=serve_tcp, daemon=True))
    for thread in threads:
        thread.start()
    try:
        yield port
    finally:
        stop.set()
        for thread in threads:
            thread.join(5)
        if udp is not None:
            udp_socket.close()
        if listener is not None:
            listener.close()


def _check(tmp: Path, port: int, output: str, zones: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    config = tmp / "empty.toml"
    config.write_text("")
    env = {**os.environ, "IPDASH_CONFIG": str(config), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "ipdash", "check", TARGET, "--zones", ",".join(zones),
         "--nameserver", f"127.0.0.1:{port}", "--timeout", "1.5", "--format", output],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


def resolver_probe(
    name: str,
    udp: Answer | None,
    tcp: Answer | str | None = None,
    *,
    expect: dict[str, str] | None = None,
    fast: bool = False,
) -> Probe:
    """``expect``: each zone's status when the resolver answers truly; else every zone of ``ZONES``
    is unknown."""
    wanted = expect or dict.fromkeys(ZONES, "unknown")
    zones = tuple(wanted)
    verdicts = set(wanted.values())
    wanted_exit = 1 if "listed" in verdicts else 3 if verdicts & {"unknown", "error"} else 0

    def run(tmp: Path, _api: FakeApi) -> Outcome:
        outcome = Outcome()
        with resolver(udp, tcp) as port:
            for output in ("json", "table"):
                done = _check(tmp, port, output, zones)
                _judge_process(outcome, f"check --format {output}", done, wanted_exit)
                if output == "json":
                    _judge(outcome, done.stdout, wanted)
        return outcome

    return Probe("broken resolver", name, run, fast)


def _judge_process(
    outcome: Outcome, label: str, done: subprocess.CompletedProcess[str], wanted_exit: int
) -> None:
    """What every whole-process probe checks: no traceback, no control character out, the exit code."""
    text = done.stdout + done.stderr
    if "Traceback (most recent call last)" in text or "never retrieved" in text:
        outcome.traceback = True
        outcome.notes.append(f"{label}: {done.stderr[-300:]}")
    if CONTROL.search(text):
        outcome.control = True
        outcome.notes.append(f"{label}: {CONTROL.search(text)!r}")
    if done.returncode != wanted_exit:
        outcome.wrong_exit = True
        outcome.notes.append(f"{label}: exit {done.returncode}, not {wanted_exit}")


def _judge(outcome: Outcome, stdout: str, wanted: dict[str, str]) -> None:
    try:
        rows = json.loads(stdout)["results"][0]["blocklists"]
    except (ValueError, KeyError, IndexError) as error:
        outcome.crashed = True
        outcome.notes.append(f"check --format json unreadable: {error}: {stdout[:160]!r}")
        return
    got = {row["zone"]: row["status"] for row in rows}
    if got != wanted:
        outcome.wrong_verdict = True
        outcome.notes.append(f"verdicts {got}, not {wanted}")
    if any(row["status"] == "unknown" and not row["reason"] for row in rows):
        outcome.wrong_verdict = True
        outcome.notes.append("an unknown verdict without its reason")


#: A DQS key as a user would paste it into a zone name the catalog does not know.
ODD_KEY = "hostileoddkey0123456789abcd"


def odd_input_probe(
    name: str,
    args: tuple[str, ...],
    wanted_exit: int,
    judge: Callable[[dict[str, object]], str | None] | None = None,
    *,
    fast: bool = False,
) -> Probe:
    """``ipdash check ARGS --no-rdns`` against a truthful loopback list server (every zone healthy,
    nothing listed): odd targets, zone names, timeouts. Judged on tracebacks, control characters, the
    exit code, a key in the output (``leaked``) and, for JSON runs, ``judge`` (None: fine)."""

    def run(tmp: Path, _api: FakeApi) -> Outcome:
        outcome = Outcome()
        config = tmp / "empty.toml"
        config.write_text("")
        env = {**os.environ, "IPDASH_CONFIG": str(config), "NO_COLOR": "1"}
        with resolver(_scripted({}), _scripted({}, udp=False)) as port:
            for output in ("json", "table", "nagios"):
                done = subprocess.run(
                    [sys.executable, "-m", "ipdash", "check", *args, "--no-rdns",
                     "--nameserver", f"127.0.0.1:{port}", "--format", output],
                    capture_output=True, text=True, env=env, timeout=180, check=False,
                )  # fmt: skip
                # nagios: a finding is CRITICAL (2); incomplete and a usage error (the check could not
                # be made) are UNKNOWN (3)
                wanted = {0: 0, 1: 2, 2: 3, 3: 3}[wanted_exit] if output == "nagios" else wanted_exit
                _judge_process(outcome, f"--format {output}", done, wanted)
                if ODD_KEY in done.stdout + done.stderr:
                    outcome.leaked = True
                    outcome.notes.append(f"--format {output}: the key is printed")
                if output == "json" and judge is not None and done.returncode != 2:
                    try:
                        problem = judge(json.loads(done.stdout))
                    except (ValueError, KeyError, IndexError) as error:
                        problem = f"unreadable JSON: {error}"
                    if problem:
                        outcome.wrong_verdict = True
                        outcome.notes.append(problem)
        return outcome

    return Probe("odd check input", name, run, fast)


def _rows(report: dict[str, object]) -> list[tuple[str, str, str]]:
    results = report["results"]
    assert isinstance(results, list)
    return [(r["target"], z["status"], z["reason"]) for r in results for z in r["blocklists"]]


def _all(status: str, count: int | None = None) -> Callable[[dict[str, object]], str | None]:
    def judge(report: dict[str, object]) -> str | None:
        rows = _rows(report)
        if count is not None and len(rows) != count:
            return f"{len(rows)} rows, not {count}"
        odd = [row for row in rows if row[1] != status or not row[2]]
        return f"not all {status}: {odd[:3]}" if odd else None

    return judge


def odd_input_probes() -> list[Probe]:
    zen, spamcop = "zen.spamhaus.org", "bl.spamcop.net"
    two = f"{zen},{spamcop}"
    long_zone = ".".join(["a" * 60] * 3) + ".example"
    many = ",".join(f"z{n}.bl.example" for n in range(500))
    return [
        odd_input_probe("IPv6 upper case", ("2001:DB8::1", "--zones", zen), 0, _all("clean", 1)),
        odd_input_probe("IPv6 uncompressed", ("2001:db8:0:0:0:0:0:1", "--zones", zen), 0, _all("clean", 1)),
        odd_input_probe("IPv4-mapped IPv6 (hex)", ("::ffff:c000:201", "--zones", two), 0, _all("clean", 2)),
        odd_input_probe("IPv6 in brackets", ("[2001:db8::1]", "--zones", zen), 2),
        odd_input_probe("scoped IPv6 (fe80::1%eth0)", ("fe80::1%eth0", "--zones", zen), 2, fast=True),
        odd_input_probe("IPv6 /64 block", ("2001:db8::/64", "--zones", zen), 2),
        odd_input_probe("IPv4 /30 block", ("192.0.2.0/30", "--zones", zen), 0, _all("clean", 4)),
        odd_input_probe("octal-looking IPv4", ("192.168.001.001", "--zones", zen), 2),
        odd_input_probe(
            "the same target five ways",
            (
                "192.0.2.1",
                "::ffff:192.0.2.1",
                "192.0.2.1/32",
                " 192.0.2.1",
                "::ffff:c000:201",
                "--zones",
                zen,
            ),
            0,
            _all("clean", 1),
        ),
        odd_input_probe(
            "private and CGNAT addresses", ("10.1.1.1", "100.64.0.1", "--zones", two), 3, _all("skipped", 4)
        ),
        odd_input_probe(
            "loopback and multicast", ("127.0.0.2", "::1", "224.0.0.1", "--zones", zen), 3, _all("skipped", 3)
        ),
        odd_input_probe(
            "zone upper case with trailing dot",
            ("192.0.2.1", "--zones", "ZEN.SPAMHAUS.ORG."),
            0,
            _all("clean", 1),
        ),
        odd_input_probe("zone with a backslash escape", ("192.0.2.1", "--zones", "zen\\.spamhaus.org"), 2),
        odd_input_probe("zone with an ANSI escape", ("192.0.2.1", "--zones", "zen.spamhaus.org\x1b[31m"), 2),
        odd_input_probe("zone with a bidi override", ("192.0.2.1", "--zones", "zen\u202e.example"), 2),
        odd_input_probe("zone in Unicode", ("192.0.2.1", "--zones", "zén.example"), 2),
        odd_input_probe("a 5,000-character zone", ("192.0.2.1", "--zones", "x" * 5000), 2),
        odd_input_probe("500 uncatalogued zones", ("192.0.2.1", "--zones", many), 0, _all("clean", 500)),
        odd_input_probe("501 zones", ("192.0.2.1", "--zones", many + ",z500.bl.example"), 2),
        odd_input_probe(
            "a zone too long for an IPv6 target's name",
            ("2001:db8::1", "--zones", long_zone),
            3,
            _all("skipped", 1),
            fast=True,
        ),
        odd_input_probe(
            "a DQS key in a zone the catalog does not know",
            ("192.0.2.1", "--zones", f"{ODD_KEY}.zne.dq.spamhaus.net"),
            0,
            _all("clean", 1),
            fast=True,
        ),
        *(
            odd_input_probe(f"--timeout {value}", ("192.0.2.1", "--timeout", value), 2)
            for value in ("0", "-1", "nan", "inf", "1e9")
        ),
        odd_input_probe("--concurrency 0", ("192.0.2.1", "--concurrency", "0"), 2),
    ]


def _mixed_probe(name: str, answers: dict[str, tuple[str, ...]], expect: dict[str, str]) -> Probe:
    return resolver_probe(name, _scripted(answers), _scripted(answers, udp=False), expect=expect)


def resolver_probes() -> list[Probe]:
    truthful = dict(zip(TRUTHFUL_ZONES, ("clean", "listed", "clean"), strict=True))
    many = tuple(f"127.0.{n // 250}.{n % 250 + 2}" for n in range(200))
    return [
        # One answer that mixes a listing with an error code, or with the never-listed 127.0.0.1, or
        # with an address outside 127/8: an error (the whole answer is poisoned), never a listing.
        _mixed_probe(
            "a listing and a Spamhaus error code in one answer",
            {"zen.spamhaus.org": ("127.0.0.2", "127.0.0.4", "127.255.255.254")},
            {"zen.spamhaus.org": "error", "bl.spamcop.net": "clean", "psbl.surriel.com": "clean"},
        ),
        _mixed_probe(
            "200 A records over TCP, one of them 127.0.0.1",
            {"psbl.surriel.com": (*many, "127.0.0.1")},
            {"zen.spamhaus.org": "clean", "bl.spamcop.net": "clean", "psbl.surriel.com": "error"},
        ),
        _mixed_probe(
            "a listing beside an address outside 127.0.0.0/8",
            {"bl.spamcop.net": ("127.0.0.2", "203.0.113.9")},
            {"zen.spamhaus.org": "clean", "bl.spamcop.net": "error", "psbl.surriel.com": "clean"},
        ),
        _mixed_probe(
            "200 listing codes in one answer (over TCP)",
            {"bl.spamcop.net": many},
            {"zen.spamhaus.org": "clean", "bl.spamcop.net": "listed", "psbl.surriel.com": "clean"},
        ),
        resolver_probe("closed port (UDP unreachable, TCP refused)", None, fast=True),
        resolver_probe("silent (UDP and TCP)", _silent, _silent),
        resolver_probe("silent UDP, TCP closes unanswered", _silent, "close"),
        resolver_probe("garbage bytes", _garbage, _garbage, fast=True),
        resolver_probe("replies to another query ID", _other_id),
        resolver_probe("5-byte replies", _cut_header, _cut_header),
        resolver_probe("a compression pointer to itself", _pointer_loop, _pointer_loop),
        resolver_probe("SERVFAIL for every name", _rcode(dns.rcode.SERVFAIL), _rcode(dns.rcode.SERVFAIL)),
        resolver_probe("REFUSED for every name", _rcode(dns.rcode.REFUSED), _rcode(dns.rcode.REFUSED)),
        resolver_probe("every name listed (a hijacking resolver)", _every_name_listed, _every_name_listed),
        resolver_probe("no name exists", _no_name_exists, _no_name_exists),
        resolver_probe("truncated over UDP, TCP closes unanswered", _truncated, "close"),
        resolver_probe(
            "a listing with escapes and a bidi override in its TXT",
            _truthful_with_a_hostile_reason,
            _truthful_with_a_hostile_reason,
            expect=truthful,
        ),
    ]
