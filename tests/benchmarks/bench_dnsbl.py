"""Benchmark: `ipdash check` vs pydnsbl as whole processes, 256 IPs × 10 zones, against NSD on loopback.

    python tests/benchmarks/bench_dnsbl.py [--rounds 10] [--drop 0.02] [--mode rrl|drop|both]
        [--before TREE] [--stats]

Needs NSD (`apt-get install nsd`) and pydnsbl (`pip install -e '.[bench]'`); without them it says so and
exits 0 (CI does not run it). No live list is asked: NSD serves the real zone names of ten lists from zone
files written here (NXDOMAIN for most names, listing codes for 4% of them, and answers that trip checkers up
for 3% each in some zones: Spamhaus 127.255.255.254, 127.0.0.1, an address outside 127/8).

Modes, each in the same run for both tools, alternating ipdash and pydnsbl process by process:
- ``rrl``: NSD with its default response-rate limiting (Debian's build: 200 replies/s per /24,
  ``rrl-slip 2``: of the limited replies half are dropped and half truncated), like real list mirrors;
- ``drop``: NSD with rate limiting off behind a small proxy that drops ``--drop`` of the UDP replies
  (TCP passes untouched).

Each process is timed from spawn to exit (imports, catalog, health probes and the sweep). Both tools run
with bytecode caching on, into a temporary ``PYTHONPYCACHEPREFIX`` warmed by an untimed first run: an
environment with ``PYTHONDONTWRITEBYTECODE`` would otherwise make ipdash (an editable install, no .pyc
shipped) recompile its sources in every run, while pydnsbl's installed .pyc files load as they are. pydnsbl gets a
resolver pointed at the loopback port with its own defaults (aiodns, timeout 5 s, 2 tries, 200 in flight).
Printed: median, min and max wall time and CPU time (user + sys) per tool, the ratio of medians, max/min
spread, and verdicts that differ from the zone files' truth (listed / clean / error), summed over all rounds.

``--before TREE`` adds a third tool to the alternation: ipdash from another checkout's ``TREE/tui`` (e.g.
``git archive main tui | tar -x -C /tmp/before``), so a change is measured against main in the same run;
both ipdash tools are then started the same way (``python -m ipdash`` with ``PYTHONPATH``). ``--stats``
starts ipdash through a launcher that prints, per run, the DNS client's counters (queries sent, UDP
retransmits, TCP fallbacks, tail probes, UDP scouts and resumes after rate limiting, queries raced over TCP
when it was first seen, window shrinks, TCP connections) and the time spent in the sweep.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import random
import resource
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import Event, Process
from pathlib import Path
from typing import cast

ZONES = {
    "spamhaus-zen": "zen.spamhaus.org",
    "spamcop": "bl.spamcop.net",
    "barracuda": "b.barracudacentral.org",
    "psbl": "psbl.surriel.com",
    "uceprotect-1": "dnsbl-1.uceprotect.net",
    "mailspike-bl": "bl.mailspike.net",
    "spamrats-all": "all.spamrats.com",
    "s5h": "all.s5h.net",
    "dronebl": "dnsbl.dronebl.org",
    "sem-black": "bl.spameatingmonkey.net",
}
LISTING_CODES: dict[str, list[tuple[str, ...]]] = {
    "spamhaus-zen": [
        ("127.0.0.2",),
        ("127.0.0.4",),
        ("127.0.0.2", "127.0.0.4", "127.0.0.10"),
        ("127.0.0.3",),
    ],
    "spamrats-all": [("127.0.0.36",), ("127.0.0.37",), ("127.0.0.38",), ("127.0.0.36", "127.0.0.43")],
    "mailspike-bl": [("127.0.0.2",), ("127.0.0.10",), ("127.0.0.12",)],
    "dronebl": [("127.0.0.3",), ("127.0.0.13",), ("127.0.0.17",)],
}
#: (zone id, answer, truth): drawn for 3% of that zone's names each.
HOSTILE: list[tuple[str, tuple[str, ...], str]] = [
    ("spamhaus-zen", ("127.255.255.254",), "error"),
    ("spamhaus-zen", ("127.0.0.2", "127.255.255.255"), "error"),
    ("s5h", ("127.0.0.1",), "error"),
    ("sem-black", ("203.0.113.80",), "error"),
    ("spamcop", ("127.0.0.77",), "listed"),
]
IPS = [str(ip) for ip in ipaddress.ip_network("198.51.100.0/24")]
#: Starts ``ipdash`` (argv after the script) and prints the DNS client's counters to stderr at exit: read
#: with getattr, so that it serves a ``--before`` tree whose counters differ too.
STATS_LAUNCHER = """
import atexit, json, sys, time
from ipdash.sources.dns import checker, client
stats = {"sweep": 0.0}
close = client.DnsClient.aclose
async def aclose(self):
    for name in ("queries_sent", "retransmits", "tcp_fallbacks", "tcp_queries", "tail_probes", "udp_scouts", "udp_resumed", "limited_races"):
        stats[name] = stats.get(name, 0) + getattr(self, name, 0)
    stats["shrinks"] = stats.get("shrinks", 0) + getattr(self.window, "shrinks", 0)
    stats["srtt_ms"] = round(1000 * (self.timer.srtt or 0), 1)
    mux = getattr(self, "_tcp_mux", None)
    stats["tcp_connections"] = stats.get("tcp_connections", 0) + (getattr(mux, "connections", 0) if mux else 0)
    await close(self)
client.DnsClient.aclose = aclose
run = checker.Checker.check
async def check(self, *args, **kwargs):
    started = time.perf_counter()
    try:
        return await run(self, *args, **kwargs)
    finally:
        stats["sweep"] += time.perf_counter() - started
checker.Checker.check = check
atexit.register(lambda: sys.stderr.write("IPDASH-STATS " + json.dumps(stats) + "\\n"))
from ipdash.cli import main
sys.argv = ["ipdash", *sys.argv[1:]]
main()
"""
PYDNSBL_WORKER = """
import asyncio, json, sys, warnings
warnings.simplefilter("ignore")
import aiodns, pydnsbl
from pydnsbl.providers import Provider
port, zones, ips = int(sys.argv[1]), sys.argv[2].split(","), sys.argv[3:]
loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
checker = pydnsbl.DNSBLIpChecker(providers=[Provider(z) for z in zones], loop=loop)
checker._resolver = aiodns.DNSResolver(
    nameservers=["127.0.0.1"], udp_port=port, tcp_port=port, timeout=5, tries=2, loop=loop
)
out = {}
for result in checker.bulk_check(ips):
    for provider in result.providers:
        status = "clean"
        if provider in result.failed_providers:
            status = "unknown"
        elif provider.host in result.detected_by:
            status = "listed"
        out[result.addr + " " + provider.host] = status
print(json.dumps(out))
"""


def build_zones(seed: int = 5782) -> tuple[dict[str, dict[str, tuple[str, ...]]], dict[tuple[str, str], str]]:
    """Per zone: reversed-IP label -> A records; and the truth per (ip, zone id)."""
    rng = random.Random(seed)
    records: dict[str, dict[str, tuple[str, ...]]] = {}
    truth: dict[tuple[str, str], str] = {}
    for zone_id in ZONES:
        entries: dict[str, tuple[str, ...]] = {}
        hostile = [row for row in HOSTILE if row[0] == zone_id]
        for ip in IPS:
            label = ".".join(reversed(ip.split(".")))
            roll = rng.random()
            truth[(ip, zone_id)] = "clean"
            if roll < 0.04:
                entries[label] = rng.choice(LISTING_CODES.get(zone_id, [("127.0.0.2",)]))
                truth[(ip, zone_id)] = "listed"
            elif hostile and roll < 0.04 + 0.03 * len(hostile):
                _, answer, status = hostile[int((roll - 0.04) / 0.03)]
                entries[label] = answer
                truth[(ip, zone_id)] = status
        records[zone_id] = entries
    return records, truth


def zone_file(zone: str, entries: dict[str, tuple[str, ...]]) -> str:
    lines = [
        f"$ORIGIN {zone}.",
        "$TTL 300",
        f"@ IN SOA ns.{zone}. hostmaster.{zone}. 1 3600 600 86400 60",
        "@ IN NS ns",
        "ns IN A 127.0.0.1",
        '2.0.0.127 IN A 127.0.0.2\n2.0.0.127 IN TXT "RFC 5782 test point"',
    ]
    for label, answers in entries.items():
        lines += [f"{label} IN A {answer}" for answer in answers]
        lines.append(f'{label} IN TXT "listed by {zone}"')
    return "\n".join(lines) + "\n"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.1", 0))
        port: int = udp.getsockname()[1]
    return port


def answers(port: int, name: str = "2.0.0.127.zen.spamhaus.org") -> bool:
    query = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
    query += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\x00\x00\x01\x00\x01"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.2)
        try:
            sock.sendto(query, ("127.0.0.1", port))
            return sock.recv(512)[:2] == b"\x12\x34"
        except OSError:
            return False


@contextmanager
def nsd(records: dict[str, dict[str, tuple[str, ...]]], rate_limit: bool) -> Iterator[int]:
    """NSD on 127.0.0.1:<free port> serving the zones; yields the port once it answers."""
    with tempfile.TemporaryDirectory(prefix="ipdash-bench-nsd-") as tmp:
        directory, port = Path(tmp), free_port()
        config = [
            "server:",
            f"  ip-address: 127.0.0.1@{port}",
            f'  zonesdir: "{directory}"',
            f'  pidfile: "{directory}/nsd.pid"',
            f'  logfile: "{directory}/nsd.log"',
            f'  xfrdfile: "{directory}/xfrd.state"',
            f'  zonelistfile: "{directory}/zone.list"',
            '  database: ""',
            '  username: ""',
            '  chroot: ""',
            "  server-count: 1",
            "  verbosity: 0",
        ]
        if not rate_limit:
            config.append("  rrl-ratelimit: 0")
        config += ["remote-control:", "  control-enable: no"]
        for zone_id, entries in records.items():
            zone = ZONES[zone_id]
            (directory / f"{zone}.zone").write_text(zone_file(zone, entries), encoding="utf-8")
            config += ["zone:", f"  name: {zone}", f"  zonefile: {zone}.zone"]
        (directory / "nsd.conf").write_text("\n".join(config) + "\n", encoding="utf-8")
        process = subprocess.Popen(["nsd", "-d", "-c", str(directory / "nsd.conf")], stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 20
            while not answers(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    error = process.stderr.read().decode() if process.stderr else ""
                    raise SystemExit(f"nsd did not start: {error.strip()}")
            yield port
        finally:
            process.terminate()
            process.wait(10)


def _proxy_main(listen: int, upstream: int, drop: float, ready: object) -> None:
    """UDP: forward queries, drop ``drop`` of the replies (seeded); TCP: pipe both ways."""
    rng = random.Random(1234)

    class Upstream(asyncio.DatagramProtocol):
        def __init__(self, front: asyncio.DatagramTransport, client: tuple[str, int]) -> None:
            self.front, self.client = front, client

        def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
            if rng.random() >= drop:
                self.front.sendto(data, self.client)

    class Front(asyncio.DatagramProtocol):
        def __init__(self) -> None:
            self.upstreams: dict[tuple[str, int], asyncio.DatagramTransport] = {}
            self.opening: set[asyncio.Task[None]] = set()

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = cast(asyncio.DatagramTransport, transport)

        def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
            upstream = self.upstreams.get(addr)
            if upstream is not None:
                upstream.sendto(data)
                return
            task = asyncio.ensure_future(self._open(data, addr))
            self.opening.add(task)
            task.add_done_callback(self.opening.discard)

        async def _open(self, data: bytes, addr: tuple[str, int]) -> None:
            loop = asyncio.get_running_loop()
            transport, _ = await loop.create_datagram_endpoint(
                lambda: Upstream(self.transport, addr), remote_addr=("127.0.0.1", upstream)
            )
            self.upstreams[addr] = transport
            transport.sendto(data)

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def tcp(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream)
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    async def main() -> None:
        loop = asyncio.get_running_loop()
        await loop.create_datagram_endpoint(Front, local_addr=("127.0.0.1", listen))
        await asyncio.start_server(tcp, "127.0.0.1", listen)
        ready.set()  # type: ignore[attr-defined]
        await loop.create_future()

    asyncio.run(main())


@contextmanager
def dropping_proxy(upstream: int, drop: float) -> Iterator[int]:
    port = free_port()
    ready = Event()
    process = Process(target=_proxy_main, args=(port, upstream, drop, ready), daemon=True)
    process.start()
    try:
        if not ready.wait(20):
            raise SystemExit("the dropping proxy did not start")
        yield port
    finally:
        process.terminate()
        process.join(10)


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float  # user + sys seconds of the process (and any children it waited for)
    verdicts: dict[tuple[str, str], str]
    stats: dict[str, float] | None = None


@dataclass(frozen=True)
class Ipdash:
    """How one ipdash is started: ``tree`` is a checkout whose ``tui/`` is put first on PYTHONPATH (None:
    the installed one); ``stats`` starts it through STATS_LAUNCHER."""

    label: str
    tree: Path | None = None
    stats: bool = False
    via_module: bool = False

    def argv(self) -> list[str]:
        if self.stats:
            return [sys.executable, "-c", STATS_LAUNCHER]
        if self.via_module:
            return [sys.executable, "-m", "ipdash"]
        return [str(Path(sys.executable).with_name("ipdash"))]

    def env(self, pycache: Path) -> dict[str, str]:
        env = child_env(pycache)
        if self.tree is not None:
            env["PYTHONPATH"] = str(self.tree / "tui")
        return env


def timed(argv: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run ``argv``; return it with its wall time and its CPU time (user + sys, from the kernel)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return done, wall, cpu


def child_env(pycache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def run_ipdash(port: int, config: Path, tool: Ipdash) -> Run:
    argv = [*tool.argv(), "check", "--config", str(config)]
    argv += ["--nameserver", f"127.0.0.1:{port}", "--zones", ",".join(ZONES), "--no-rdns", "--format", "json"]
    done, wall, cpu = timed([*argv, "198.51.100.0/24"], tool.env(config.parent))
    if done.returncode not in (0, 1, 3):
        raise SystemExit(f"ipdash check failed ({done.returncode}): {done.stderr.strip()}")
    verdicts = {
        (target["target"], row["id"]): row["status"]
        for target in json.loads(done.stdout)["results"]
        for row in target["blocklists"]
    }
    stats = None
    for line in done.stderr.splitlines():
        if line.startswith("IPDASH-STATS "):
            stats = json.loads(line.removeprefix("IPDASH-STATS "))
    return Run(wall, cpu, verdicts, stats)


def run_pydnsbl(port: int, pycache: Path) -> Run:
    argv = [sys.executable, "-c", PYDNSBL_WORKER, str(port), ",".join(ZONES.values()), *IPS]
    done, wall, cpu = timed(argv, child_env(pycache))
    if done.returncode != 0:
        raise SystemExit(f"pydnsbl worker failed: {done.stderr.strip()}")
    by_zone = {zone: zone_id for zone_id, zone in ZONES.items()}
    verdicts = {}
    for key, status in json.loads(done.stdout).items():
        ip, zone = key.split(" ")
        verdicts[(ip, by_zone[zone])] = status
    return Run(wall, cpu, verdicts)


def wrong(runs: list[Run], truth: dict[tuple[str, str], str]) -> Counter[str]:
    mistakes: Counter[str] = Counter()
    for run in runs:
        for key, expected in truth.items():
            got = run.verdicts.get(key, "missing")
            if got != expected:
                mistakes[f"{got} instead of {expected}"] += 1
    return mistakes


def mode(
    name: str,
    port: int,
    rounds: int,
    truth: dict[tuple[str, str], str],
    config: Path,
    tools: list[Ipdash],
) -> None:
    for tool in tools:  # warm the OS file cache and the bytecode cache for every interpreter
        run_ipdash(port, config, tool)
    run_pydnsbl(port, config.parent)
    ours: dict[str, list[Run]] = {tool.label: [] for tool in tools}
    theirs: list[Run] = []
    print(f"\n== {name}: {len(IPS)} IPs × {len(ZONES)} zones, {rounds} whole-process runs each, alternating")
    print(f"  load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for round_number in range(rounds):
        # The order swaps each round: a run right after another ipdash meets NSD's rate-limit buckets that
        # run filled a moment before (pydnsbl's runs leave them time to cool), which is no fault of its own.
        for tool in tools if round_number % 2 == 0 else tools[::-1]:
            run = run_ipdash(port, config, tool)
            ours[tool.label].append(run)
            if run.stats is not None:
                counts = " ".join(
                    f"{k} {v:.3f}" if k == "sweep" else f"{k} {v}" for k, v in run.stats.items()
                )
                print(
                    f"  round {round_number + 1} {tool.label}: wall {run.wall:.3f} s, cpu {run.cpu:.3f}, {counts}"
                )
        theirs.append(run_pydnsbl(port, config.parent))
    everyone = [*ours.items(), ("pydnsbl", theirs)]
    for label, runs in everyone:
        walls = [r.wall for r in runs]
        cpus = [r.cpu for r in runs]
        print(
            f"  {label:<8} median {statistics.median(walls):.3f} s  min {min(walls):.3f}  max {max(walls):.3f}"
            f"  max/min {max(walls) / min(walls):.2f}"
            f"  CPU (user+sys) median {statistics.median(cpus):.3f} s  min {min(cpus):.3f}  max {max(cpus):.3f}"
        )
    for label, runs in ours.items():
        ratio = statistics.median(r.wall for r in runs) / statistics.median(r.wall for r in theirs)
        cpu_ratio = statistics.median(r.cpu for r in runs) / statistics.median(r.cpu for r in theirs)
        print(f"  ratio of medians {label}/pydnsbl: {ratio:.2f}  (target ≤ 0.5); CPU: {cpu_ratio:.2f}")
    if len(tools) == 2:
        before, after = (ours[tool.label] for tool in tools)
        wall = statistics.median(r.wall for r in after) / statistics.median(r.wall for r in before)
        cpu = statistics.median(r.cpu for r in after) / statistics.median(r.cpu for r in before)
        print(f"  {tools[1].label}/{tools[0].label}: wall {wall:.2f}, CPU {cpu:.2f} (medians, same run)")
    print(f"  load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for label, runs in everyone:
        mistakes = wrong(runs, truth)
        detail = ", ".join(f"{label} ×{count}" for label, count in mistakes.most_common())
        print(
            f"  wrong verdicts, {label}, all rounds: {sum(mistakes.values())}"
            + (f" ({detail})" if detail else "")
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--drop", type=float, default=0.02, help="share of UDP replies the proxy drops")
    parser.add_argument("--mode", choices=["rrl", "drop", "both"], default="both")
    parser.add_argument(
        "--before", type=Path, help="a checkout (with tui/) whose ipdash runs alternately with this one's"
    )
    parser.add_argument("--stats", action="store_true", help="print each ipdash run's DNS counters")
    args = parser.parse_args()
    if shutil.which("nsd") is None:
        print("SKIPPED: nsd is not installed (apt-get install -y nsd); this benchmark needs it.")
        return
    try:
        import pydnsbl  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        print("SKIPPED: pydnsbl is not installed (pip install -e '.[bench]').")
        return
    if args.before is not None:
        here = Path(__file__).resolve().parents[2]
        tools = [
            Ipdash("before", args.before.resolve(), args.stats, via_module=True),
            Ipdash("ipdash", here, args.stats, via_module=True),
        ]
    else:
        tools = [Ipdash("ipdash", stats=args.stats)]
    records, truth = build_zones()
    print(f"truth: {dict(Counter(truth.values()))}; ipdash {sys.executable} pid {os.getpid()}")
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "empty.toml"
        config.write_text("", encoding="utf-8")
        if args.mode in ("rrl", "both"):
            with nsd(records, rate_limit=True) as port:
                mode(
                    "NSD, default rate limiting (200/s per /24, slip 2)",
                    port,
                    args.rounds,
                    truth,
                    config,
                    tools,
                )
        if args.mode in ("drop", "both"):
            with nsd(records, rate_limit=False) as upstream, dropping_proxy(upstream, args.drop) as port:
                label = f"NSD without rate limiting behind a proxy dropping {args.drop:.0%} of UDP replies"
                mode(label, port, args.rounds, truth, config, tools)


if __name__ == "__main__":
    main()
