"""Benchmark: one poll cycle of 1,000 IPs across four sources on loopback while a Textual app runs.

    python tests/benchmarks/bench_poll.py [--ips 1000] [--days 7] [--postgres | --store-url URL]

Prints the longest event-loop stall seen by a 5 ms ticker inside the running app
(target < 50 ms), the cycle time, and the history store's write rate.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import httpx
from textual.app import App, ComposeResult

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))

from providers.fakeapi import FakeApi, Reply, Seen
from providers.sparkpost_api import crafted_account

from ipdash.sources.providers.base import Runtime
from ipdash.sources.providers.polling import Poller
from ipdash.sources.providers.registry import build_sources
from ipdash.sources.sources_config import validate_sources
from ipdash.sources.store import SqliteStore
from ipdash.ui.widgets.sources_panel import SourcesPanel

TODAY = date.today()


def ip(block: int, n: int) -> str:
    return f"10.{block}.{n // 256}.{n % 256}"


def serve(api: FakeApi, per_source: int, days: int) -> None:
    sendgrid_ips = [
        {"ip": ip(1, n), "pools": ["p"], "warmup": n % 3 == 0, "start_date": 1_700_000_000}
        for n in range(per_source)
    ]

    def sendgrid_page(seen: Seen) -> Reply:
        # Paged as SendGrid pages (offset, limit): one answer for every offset never ends.
        offset, limit = int(seen.query["offset"][0]), int(seen.query["limit"][0])
        return Reply(json=sendgrid_ips[offset : offset + limit])

    api.route("GET", "/v3/ips", sendgrid_page)
    api.route("GET", "/v3/stats", Reply(json=[]))
    api.route("GET", "/v3/ips_mg", Reply(json={}))
    api.route(
        "GET",
        "/v3/ip_pools",
        Reply(json={"ip_pools": [{"name": "mg", "ips": [ip(2, n) for n in range(50)]}]}),
    )
    api.route("GET", "/v3/ip_warmups", Reply(json={"items": [], "paging": {}}))
    mailgun_rows = [
        {"dimensions": [{"dimension": "ip", "value": ip(2, n)},
                        {"dimension": "time", "value": format_datetime(datetime.combine(TODAY - timedelta(days=d), datetime.min.time(), UTC))}],
         "metrics": {"accepted_count": 1000 + n, "delivered_count": 990, "bounced_count": 10, "complained_count": 1}}
        for n in range(per_source) for d in range(days)
    ]  # fmt: skip

    def mailgun_metrics(seen: Seen) -> Reply:
        page = seen.json()["pagination"]
        return Reply(json={"items": mailgun_rows[page["skip"] : page["skip"] + page["limit"]]})

    api.route("POST", "/v1/analytics/metrics", mailgun_metrics)
    api.route("GET", "/api/v1/sending-ips", Reply(json={"results": [
        {"external_ip": ip(3, n), "ip_pool": "sp", "auto_warmup_enabled": True, "auto_warmup_stage": n % 29 + 1}
        for n in range(per_source)]}))  # fmt: skip
    # A SparkPost account answering the Metrics API as documented, per-IP questions too (main's
    # split asks one per IP and day): each IP-day sends to a handful of mailbox providers.
    sparkpost = crafted_account(
        [ip(3, n) for n in range(per_source)], [TODAY - timedelta(days=d) for d in range(days)]
    )
    sparkpost.sending_ips = api.routes[("GET", "/api/v1/sending-ips")][0].json["results"]  # type: ignore[index]
    sparkpost.install(api)
    day = (TODAY - timedelta(days=1)).strftime("%-m/%-d/%Y")
    snds = "\r\n".join(
        f"{ip(4, n)},{day} 12:00 AM,{day} 11:59 PM,1000,1000,990,GREEN,< 0.1%,,,0,,,"
        for n in range(per_source)
    )
    api.route("GET", "/snds/data.aspx", Reply(body=snds))
    api.route("GET", "/snds/ipStatus.aspx", Reply(body=f"{ip(4, 0)},{ip(4, 3)},Yes,bench\r\n"))


def mailgun_ips(api: FakeApi, per_source: int) -> None:
    api.routes[("GET", "/v3/ips")] = api.routes[("GET", "/v3/ips")]  # SendGrid and Mailgun share the path
    sendgrid = api.routes[("GET", "/v3/ips")]

    def either(seen: Seen) -> Reply:
        if seen.headers.get("Authorization", "").startswith("Basic"):
            return Reply(json={"items": [ip(2, n) for n in range(per_source)], "details": []})
        assert callable(sendgrid)
        return sendgrid(seen)

    api.route("GET", "/v3/ips", either)


class StallSampler(threading.Thread):
    """Where the loop is while it stalls: once the ticker has not ticked for ``threshold`` seconds,
    the loop thread's stack is sampled every ``every`` seconds until it ticks again. Each stall keeps
    its length and its samples' stacks (the innermost ipdash frames, and the innermost frame)."""

    def __init__(self, loop_thread: int, threshold: float = 0.025, every: float = 0.002) -> None:
        super().__init__(daemon=True, name="stall-sampler")
        self.loop_thread, self.threshold, self.every = loop_thread, threshold, every
        self.last = time.perf_counter()
        self.stalls: dict[float, tuple[float, Counter[str]]] = {}
        self.busy: defaultdict[float, Counter[str]] = defaultdict(Counter)
        self.stopped = threading.Event()

    def tick(self) -> None:
        self.last = time.perf_counter()

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            began = self.last
            gap = time.perf_counter() - began
            if gap < self.threshold:
                continue
            frames = sys._current_frames()
            frame = frames.pop(self.loop_thread, None)
            if frame is None:
                continue
            frames.pop(threading.get_ident(), None)
            longest, stacks = self.stalls.get(began, (0.0, Counter()))
            stacks[_where(frame)] += 1
            # What the other threads run meanwhile: one of them holds the GIL the loop waits for.
            for other in frames.values():
                if not _idle(other):
                    self.busy[began][_where(other)] += 1
            self.stalls[began] = (max(longest, gap), stacks)

    def report(self, top: int = 8) -> None:
        worst = sorted(self.stalls.items(), key=lambda item: -item[1][0])[:top]
        print(
            f"stalls over {self.threshold * 1000:.0f} ms: {len(self.stalls)}; the longest, where the loop was"
            " (and the busiest other thread meanwhile):"
        )
        for began, (length, stacks) in worst:
            where, samples = stacks.most_common(1)[0]
            print(f"  {length * 1000:6.0f} ms  ({samples}/{sum(stacks.values())} samples) {where}")
            for other, count in self.busy[began].most_common(2):
                print(f"           other thread ({count} samples): {other}")


def _idle(frame: Any) -> bool:
    """A thread parked in a wait (an idle worker, the selector, the HTTP server's threads)."""
    name = frame.f_code.co_name
    return name in {"wait", "select", "poll", "_worker", "get", "accept", "readinto", "serve_forever"} or (
        frame.f_code.co_filename.endswith(("threading.py", "selectors.py", "queue.py"))
    )


def _where(frame: Any) -> str:
    """The innermost three ipdash frames (file:line function), and the innermost frame if elsewhere."""
    elsewhere = "" if "/ipdash/" in frame.f_code.co_filename else f" [in {_frame_text(frame)}]"
    ours: list[str] = []
    while frame is not None and len(ours) < 3:
        if "/ipdash/" in frame.f_code.co_filename:
            ours.append(_frame_text(frame))
        frame = frame.f_back
    return " < ".join(ours) + elsewhere


def _frame_text(frame: Any) -> str:
    return f"{frame.f_code.co_filename.split('/ipdash/')[-1].split('/')[-1]}:{frame.f_lineno} {frame.f_code.co_name}"


class Host(App[None]):
    def __init__(self, poller: Poller, sampler: StallSampler | None = None) -> None:
        super().__init__()
        self.poller = poller
        self.sampler = sampler
        self.gaps: list[float] = []
        self.cpu_in_gaps: list[float] = []
        self.done = asyncio.Event()

    def compose(self) -> ComposeResult:
        yield SourcesPanel(self.poller, tick_seconds=0.25)

    async def on_mount(self) -> None:
        self.run_worker(self._measure_lag(), exclusive=False)

    async def _measure_lag(self) -> None:
        loop = asyncio.get_running_loop()
        tick = 0.005
        last, last_cpu = loop.time(), time.thread_time()
        while not self.done.is_set():
            await asyncio.sleep(tick)
            if self.sampler is not None:
                self.sampler.tick()
            now, cpu = loop.time(), time.thread_time()
            self.gaps.append(max(0.0, now - last - tick))
            # CPU the loop thread itself used in that gap: the rest was waiting (GIL, other processes).
            self.cpu_in_gaps.append(cpu - last_cpu)
            last, last_cpu = now, cpu


gc_pauses: list[float] = []
#: generation -> (collections, longest pause wall, longest pause CPU of the collecting thread)
gc_by_generation: dict[int, list[float]] = {}
_gc_started: list[float] = []
#: (start, wall seconds, thread) of every full pass
full_passes: list[tuple[float, float, str]] = []


#: --census: generation -> Counter of the types of the unreachable objects its passes found
garbage_by_generation: defaultdict[int, Counter[str]] = defaultdict(Counter)
_garbage_seen = [0]


def _type_name(thing: object) -> str:
    kind = type(thing)
    return f"{kind.__module__}.{kind.__qualname__}"


def _census_gc(phase: str, info: dict[str, int]) -> None:
    """With gc.DEBUG_SAVEALL on, what each pass found unreachable (kept in gc.garbage, counted here)."""
    if phase == "stop":
        found = gc.garbage[_garbage_seen[0] :]
        garbage_by_generation[info["generation"]].update(map(_type_name, found))
        _garbage_seen[0] = len(gc.garbage)


def census() -> None:
    """--census: what the collector found unreachable during the cycle and at its end (by
    generation and type), how much of it was ipdash's (records, results), and what is left alive."""
    gc.collect()
    ours = Counter(name for name in map(_type_name, gc.garbage) if name.startswith("ipdash."))
    print(f"census: {len(gc.garbage):,} unreachable objects in the cycle; ipdash's among them: "
          + (", ".join(f"{count:,} {kind}" for kind, count in ours.most_common(6)) or "none"))  # fmt: skip
    for generation, kinds in sorted(garbage_by_generation.items()):
        print(f"  generation {generation}: {sum(kinds.values()):,} unreachable; "
              + ", ".join(f"{count:,} {kind}" for kind, count in kinds.most_common(8)))  # fmt: skip
    gc.set_debug(0)
    gc.garbage.clear()
    gc.collect()  # what was kept for the census goes now
    alive = Counter(map(_type_name, gc.get_objects()))
    print(f"  tracked objects alive after the cycle (not frozen): {sum(alive.values()):,}; "
          + ", ".join(f"{count:,} {kind}" for kind, count in alive.most_common(8)))  # fmt: skip


def _time_gc(phase: str, info: dict[str, int]) -> None:
    if phase == "start":
        _gc_started[:] = [time.perf_counter(), time.thread_time()]
    elif _gc_started:
        wall, cpu = time.perf_counter() - _gc_started[0], time.thread_time() - _gc_started[1]
        gc_pauses.append(wall)
        if info["generation"] == 2:
            full_passes.append(
                (
                    _gc_started[0],
                    wall,
                    f"{threading.current_thread().name}, {info['collected']:,} unreachable freed",
                )
            )
        seen = gc_by_generation.setdefault(info["generation"], [0, 0.0, 0.0])
        seen[0] += 1
        seen[1], seen[2] = max(seen[1], wall), max(seen[2], cpu)


def run_server(per_source: int, days: int, ready: multiprocessing.Queue, stop: Event) -> None:  # type: ignore[type-arg]
    """The provider APIs live in their own process, as remote APIs would: their JSON encoding
    must not compete with the app for this process's GIL."""
    with FakeApi() as api:
        serve(api, per_source, days)
        mailgun_ips(api, per_source)
        ready.put(api.base_url)
        stop.wait()
        ready.put(len(api.seen))


async def main(
    per_source: int,
    days: int,
    gc_freeze: bool,
    store_url: str | None = None,
    census_garbage: bool = False,
    keep_results: bool = False,
) -> None:
    ready: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    stop = multiprocessing.Event()
    server = multiprocessing.Process(target=run_server, args=(per_source, days, ready, stop), daemon=True)
    server.start()
    base_url = ready.get(timeout=30)
    with tempfile.TemporaryDirectory() as tmp:
        entries = [
            {
                "kind": kind,
                "name": kind,
                "base_url": base_url,
                "api_key_env": "BENCH_KEY",
                "lookback_days": days,
                # What a fleet this size configures: the default bound (500,000) is ~2,500 IPs.
                "max_records": max(500_000, per_source * days * 40),
            }
            for kind in ("sendgrid", "mailgun", "sparkpost", "snds")
        ]
        sources = build_sources(validate_sources(entries), Runtime(env={"BENCH_KEY": "bench"}))
        if store_url:
            from ipdash.sources.store.postgres import PostgresStore

            store: SqliteStore | PostgresStore = PostgresStore(store_url)
        else:
            store = SqliteStore(Path(tmp) / "history.sqlite3")
        write_seconds: list[float] = []
        rows_written: list[int] = []
        original_save = store.save_poll

        def timed_save(result):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            rows = original_save(result)
            write_seconds.append(time.perf_counter() - started)
            rows_written.append(rows)
            return rows

        store.save_poll = timed_save  # type: ignore[method-assign]
        async with httpx.AsyncClient() as client:
            poller = Poller(sources, client, store=store)
            sampler = StallSampler(threading.get_ident())
            app = Host(poller, sampler)
            async with app.run_test(size=(140, 30)) as pilot:
                await pilot.pause(0.3)
                if gc_freeze:
                    # What the app should do once mounted: park start-up objects (Textual's DOM,
                    # imported modules) outside the collector, so a full collection stays short.
                    gc.freeze()
                app.gaps.clear()  # measure the cycle only, not start-up
                app.cpu_in_gaps.clear()
                gc.callbacks.append(_time_gc)
                if census_garbage:
                    gc.set_debug(gc.DEBUG_SAVEALL)
                    gc.callbacks.append(_census_gc)
                started = time.perf_counter()
                sampler.tick()
                sampler.start()
                results = await poller.poll_due()
                cycle = time.perf_counter() - started
                polled = len(results)
                failures = [f"{r.source}: {r.failure} {r.detail}" for r in results if not r.ok]
                ips = len({f.ip for r in results for f in r.facts} | {d.ip for r in results for d in r.snds})
                if not keep_results:
                    # Stored, then dropped, as `ipdash poll` does (the TUI freezes them in its analysis):
                    # held here, 72,198 records were walked by the full collection after the cycle.
                    results.clear()
                await pilot.pause(0.5)  # the panel redraws with the results
                app.done.set()
                sampler.stopped.set()
                gaps = sorted(app.gaps)
                worst = max(range(len(app.gaps)), key=app.gaps.__getitem__)
                worst_cpu = app.cpu_in_gaps[worst]
                longest_cpu = max(app.cpu_in_gaps)
        stop.set()
        requests_served = ready.get(timeout=30)
        server.join(timeout=30)
        total_rows = sum(rows_written)
        print(f"sources polled:           {polled} ({len(failures)} failed) {failures or ''}")
        print(f"distinct IPs:             {ips}")
        print(f"requests served:          {requests_served}")
        print(f"poll cycle:               {cycle * 1000:.0f} ms")
        print(f"records written:          {total_rows} in {sum(write_seconds) * 1000:.0f} ms "
              f"-> {total_rows / max(sum(write_seconds), 1e-9):,.0f} rows/s (off the event loop)")  # fmt: skip
        print(f"event-loop ticks:         {len(gaps)} (gc.freeze after mount: {gc_freeze})")
        print(f"longest GC pause:         {max(gc_pauses, default=0) * 1000:.1f} ms wall")
        for generation, (count, wall, cpu) in sorted(gc_by_generation.items()):
            print(f"  generation {generation}: {count:5d} collections, longest {wall * 1000:7.1f} ms wall, "
                  f"{cpu * 1000:6.1f} ms CPU")  # fmt: skip
        print(
            f"longest event-loop stall: {gaps[-1] * 1000:.1f} ms wall (target < 50 ms), "
            f"of which {worst_cpu * 1000:.1f} ms CPU on the loop thread"
        )
        print(f"longest loop-thread CPU burst between ticks: {longest_cpu * 1000:.1f} ms")
        top = sorted(range(len(app.gaps)), key=app.gaps.__getitem__)[-6:][::-1]
        print("longest stalls, wall / loop-thread CPU in them (ms): " + ", ".join(
            f"{app.gaps[i] * 1000:.0f} / {app.cpu_in_gaps[i] * 1000:.0f}" for i in top))  # fmt: skip
        sampler.report()
        print(f"machine load (1 min):     {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        for began, wall, thread in full_passes:
            print(f"  a full pass {began - started:6.2f} s into the cycle ({cycle:.2f} s), {wall * 1000:.0f} ms wall, "
                  f"in thread {thread}")  # fmt: skip
        print(f"objects the collector walks after the cycle: {len(gc.get_objects()):,} "
              f"({gc.get_freeze_count():,} frozen at mount)")  # fmt: skip
        print(
            f"p99 / median stall:       {gaps[int(len(gaps) * 0.99)] * 1000:.1f} / {statistics.median(gaps) * 1000:.1f} ms"
        )
        if census_garbage:
            census()
        store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ips", type=int, default=1000, help="IPs in total, split over 4 sources")
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--store-url", default=None, help="a postgresql:// store instead of SQLite")
    parser.add_argument("--postgres", action="store_true", help="start a PostgreSQL server and use it")
    parser.add_argument("--census", action="store_true",
                        help="keep what the collector finds unreachable (gc.DEBUG_SAVEALL) and count it by type: "
                        "timings are not comparable then")  # fmt: skip
    parser.add_argument("--keep-results", action="store_true",
                        help="hold the poll's results (every record) in the collector until the end")  # fmt: skip
    parser.add_argument("--no-gc-freeze", action="store_true", help="leave start-up objects in the collector")
    parser.add_argument("--poll-thresholds", default=None, metavar="G0,G1,G2",
                        help="the collector's thresholds while a poll runs (default: gc_pauses.POLL_THRESHOLDS)")  # fmt: skip
    arguments = parser.parse_args()
    if arguments.poll_thresholds:
        import ipdash.gc_pauses

        given = tuple(int(part) for part in arguments.poll_thresholds.split(","))
        ipdash.gc_pauses.POLL_THRESHOLDS = (given[0], given[1], given[2])
        print(f"poll thresholds: {ipdash.gc_pauses.POLL_THRESHOLDS}")
    server = None
    if arguments.postgres:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from pgserver import start_server

        server = start_server()
        arguments.store_url = server.url()
    try:
        asyncio.run(
            main(
                arguments.ips // 4,
                arguments.days,
                not arguments.no_gc_freeze,
                arguments.store_url,
                arguments.census,
                arguments.keep_results,
            )
        )
    finally:
        if server is not None:
            server.stop()
