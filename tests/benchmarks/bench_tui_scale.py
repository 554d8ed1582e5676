"""Benchmark: the dashboard at 1k and 10k IPs — first frame with data, key-to-repaint, loop stalls.

    python tests/benchmarks/bench_tui_scale.py [--ips 1000,10000] [--days 90] [--mode table,app] [--tmux]

Each case runs in a fresh interpreter, headless (Pilot) at 160×48:

table  the real app opens on the sample data, then receives one data update of N IPs
       (the sample's analysed IPs cloned under new addresses, so the analysis core is
       not timed), then a second update in which one IP changed. Times the update's
       handling on the loop and the repaint after it, then sort (`s`), a filter
       keystroke (`/` then one character, then backspace), page
       down, `end`, and escape (clearing the filter puts every row back).
app    the real app on a generated stats CSV of N IPs × DAYS days × 4 mailbox
       providers (`generate_stats_csv`, one function, so the analysis-core helper's
       generator can replace it): process start to the first frame with data, which
       includes load + analysis + warm-up (the core's share), then the same keys. The load
       starts before the TUI's modules import, as `ipdash --csv` starts it. Each size runs
       twice: the first start on the file (parsed-CSV cache empty: cold) and the next start
       (the cache the first kept: warm; to the first frame with data only).

Every case reports the longest event-loop stall seen by a 5 ms ticker (target ≤ 50 ms).
A repaint is timed from the key press to the end of the compositor update that
follows it, once the screen has nothing left to redraw (this includes up to one
frame interval, ≈ 16 ms); on a big table the selected-IP panel follows once the
cursor rests (a debounce), timed apart ("with the selected-IP panel"). Each key
also reports the CPU seconds of the loop's thread (on a loaded machine the wall
time waits for a core too). `--before SRC` runs every case on another source
tree first (e.g. `git archive` of main's tui/, sample_data/, themes/) for
before/after ratios in the same run. Targets: first frame with data 1k ≤ 2 s, 10k ≤ 15 s; each
key ≤ 100 ms on 10k. `--tmux` also runs `ipdash --csv` in a real tmux pane and times
keys to a changed capture (poll granularity ≈ 10 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

PROVIDERS = ("gmail.com", "outlook.com", "yahoo.com", "other")
LAST_DAY = date(2026, 11, 20)
SIZE = (160, 48)


def generate_stats_csv(path: Path, ips: int, days: int, seed: int = 10) -> int:
    """Every IP sends daily to 4 mailbox providers; ~3% run hot bounces, ~2% hot complaints."""
    rng = random.Random(seed)
    written = 0
    with path.open("w") as out:
        out.write(
            "date,ip,mailbox_provider,sent,delivered,hard_bounces,soft_bounces,complaints,unsubscribes\n"
        )
        addresses = [f"10.{n // 65536}.{n // 256 % 256}.{n % 256}" for n in range(ips)]
        profiles = [(rng.randint(2_000, 60_000), rng.random()) for _ in addresses]
        for offset in range(days):
            day = (LAST_DAY - timedelta(days=days - 1 - offset)).isoformat()
            for ip, (volume, kind) in zip(addresses, profiles, strict=True):
                for share, provider in zip((0.45, 0.25, 0.2, 0.1), PROVIDERS, strict=True):
                    sent = max(1, int(volume * share * rng.uniform(0.8, 1.2)))
                    hard = int(sent * (0.04 if kind < 0.03 else 0.004) * rng.random())
                    soft = int(sent * 0.005 * rng.random())
                    complaints = int(sent * (0.004 if 0.03 <= kind < 0.05 else 0.0004) * rng.random())
                    unsubs = int(sent * 0.002 * rng.random())
                    delivered = sent - hard - soft
                    out.write(
                        f"{day},{ip},{provider},{sent},{delivered},{hard},{soft},{complaints},{unsubs}\n"
                    )
                    written += 1
    return written


# --- inside the measured interpreter -----------------------------------------------------------


class StallSampler(threading.Thread):
    """Where the loop is while it stalls (``--stalls``): once the ticker has not ticked for
    ``threshold`` seconds, the loop thread's stack is sampled every ``every`` seconds until it ticks
    again. Each stall keeps its length, the loop thread's CPU seconds in it and its seconds waiting
    for a core (the kernel's schedstat; the rest of the stall it slept: waiting for the
    interpreter's lock, or idle), its samples' stacks, what the other threads ran, and the
    collector's passes on the loop thread."""

    def __init__(self, threshold: float = 0.02, every: float = 0.001) -> None:
        super().__init__(daemon=True, name="stall-sampler")
        self.loop_thread = threading.get_ident()
        self.schedstat = f"/proc/self/task/{threading.get_native_id()}/schedstat"
        self.threshold, self.every = threshold, every
        self.last = time.perf_counter()
        #: stall start -> [longest gap, loop stacks, other threads' stacks, (run, queued) seconds]
        self.stalls: dict[float, list[Any]] = {}
        self.marks: list[tuple[float, str]] = []
        self.gc_passes: list[tuple[float, float, int]] = []  # (start, seconds, generation), loop thread
        self._gc_start = 0.0
        self.stopped = threading.Event()
        gc.callbacks.append(self._gc)

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        if threading.get_ident() != self.loop_thread:
            return
        if phase == "start":
            self._gc_start = time.perf_counter()
        else:
            self.gc_passes.append((self._gc_start, time.perf_counter() - self._gc_start, info["generation"]))

    def _sched(self) -> tuple[float, float, float]:
        """(now, the loop thread's seconds run, its seconds waiting for a core) from the kernel."""
        now = time.perf_counter()
        try:
            with open(self.schedstat) as file:
                run, queued, _ = file.read().split()
        except OSError:
            return (now, 0.0, 0.0)
        return (now, int(run) / 1e9, int(queued) / 1e9)

    def mark(self, what: str) -> None:
        self.marks.append((time.perf_counter(), what))

    def tick(self) -> None:  # on the loop: no system call (it would wait for the interpreter's lock again)
        self.last = time.perf_counter()

    def run(self) -> None:
        """Read the loop's schedstat here (not on the loop) every ``every`` s; sample while it stalls."""
        from collections import Counter, deque

        readings: deque[tuple[float, float, float]] = deque(maxlen=400)
        open_stall: float | None = None
        while not self.stopped.wait(self.every):
            began = self.last
            reading = self._sched()
            readings.append(reading)
            if open_stall is not None and open_stall != began:  # it ended: the kernel's figures in it
                before = next((r for r in reversed(readings) if r[0] <= open_stall), readings[0])
                self.stalls[open_stall][3] = (reading[1] - before[1], reading[2] - before[2])
                self.stalls[open_stall][0] = began - open_stall  # the next tick is its end
                open_stall = None
            gap = time.perf_counter() - began
            if gap < self.threshold or (stacks := self._stacks()) is None:
                continue
            open_stall = began
            entry = self.stalls.setdefault(began, [gap, Counter(), Counter(), (0.0, 0.0)])
            entry[0] = max(entry[0], gap)
            entry[1][stacks[0]] += 1
            entry[2].update(stacks[1])

    def _stacks(self) -> tuple[str, list[str]] | None:
        """The loop thread's stack and the busy other threads' (None: no loop thread any more)."""
        me = threading.get_ident()
        frames = {ident: frame for ident, frame in sys._current_frames().items() if ident != me}
        loop = frames.pop(self.loop_thread, None)
        if loop is None:
            return None
        return _where(loop), [_where(frame) for frame in frames.values() if not _idle(frame)]

    def report(self, since: float, top: int = 8) -> str:
        marks = ", ".join(f"{what} +{at - since:.2f} s" for at, what in self.marks)
        worst = sorted(((b, e) for b, e in self.stalls.items() if b >= since), key=lambda i: -i[1][0])
        lines = [f"{marks}; stalls over {self.threshold * 1000:.0f} ms: {len(worst)}, the longest:"]
        for began, (length, stacks, others, (run, queued)) in worst[:top]:
            passes = [
                f"gen{g} {s * 1000:.0f} ms" for a, s, g in self.gc_passes if began <= a < began + length
            ]
            lines.append(
                f"  {length * 1000:6.1f} ms at +{began - since:6.2f} s: loop ran {run * 1000:5.1f} ms,"
                f" waited for a core {queued * 1000:5.1f} ms, slept {(length - run - queued) * 1000:5.1f} ms;"
                f" {sum(stacks.values())} samples; gc {passes}"
            )
            for where, count in stacks.most_common(4):
                lines.append(f"      loop  {count:3d}: {where}")
            for where, count in others.most_common(3):
                lines.append(f"      other {count:3d}: {where}")
        longest = sorted(self.gc_passes, key=lambda p: -p[1])[:3]
        lines.append(
            "longest gc passes on the loop: "
            + ", ".join(f"gen{g} {s * 1000:.1f} ms at +{a - since:.2f} s" for a, s, g in longest)
        )
        return "\n".join(lines)


#: Loop callbacks timed one by one with ``--stalls`` (module, class, method).
TIMED_CALLBACKS = (
    ("ipdash.ui.screens.dashboard", "DashboardScreen", "show_data"),
    ("ipdash.ui.screens.dashboard", "DashboardScreen", "show_selected"),
    ("ipdash.ui.screens.dashboard", "DashboardScreen", "_on_timer_update"),
    ("ipdash.ui.widgets.ip_table", "IpTable", "show"),
    ("ipdash.ui.widgets.ip_table", "IpTable", "_formatted"),
    ("ipdash.ui.widgets.ip_table", "IpTable", "_measured_in"),
    ("ipdash.ui.widgets.breach_feed", "BreachFeed", "show"),
    ("ipdash.ui.widgets.breach_feed", "BreachFeed", "_shown_from_thread"),
    ("ipdash.ui.alerts", "AlertsControl", "_judged"),
    ("ipdash.ui.app", "IpdashApp", "on_data_ready"),
    ("ipdash.ui.app", "IpdashApp", "_start_side_work"),
)


def time_callbacks(loop_thread: int) -> dict[str, list[tuple[float, float, float]]]:
    """Wrap ``TIMED_CALLBACKS``: per name, (start, wall, loop-thread CPU) of each call on the loop."""
    import functools
    import importlib

    timed: dict[str, list[tuple[float, float, float]]] = {}
    for module_name, class_name, method in TIMED_CALLBACKS:
        owner = getattr(importlib.import_module(module_name), class_name)
        original = owner.__dict__[method]
        name = f"{class_name}.{method}"

        def wrapper(*args: Any, _original: Any = original, _name: str = name, **kwargs: Any) -> Any:
            if threading.get_ident() != loop_thread:
                return _original(*args, **kwargs)
            start, cpu = time.perf_counter(), time.thread_time()
            try:
                return _original(*args, **kwargs)
            finally:
                timed.setdefault(_name, []).append(
                    (start, time.perf_counter() - start, time.thread_time() - cpu)
                )

        setattr(owner, method, functools.wraps(original)(wrapper))
    return timed


def callbacks_report(timed: dict[str, list[tuple[float, float, float]]], since: float, until: float) -> str:
    lines = ["loop callbacks (calls, longest wall / its CPU, total CPU):"]
    for name, calls in sorted(timed.items()):
        calls = [c for c in calls if since <= c[0] < until]
        if calls:
            longest = max(calls, key=lambda c: c[1])
            lines.append(
                f"  {name:<40} {len(calls):4d}  {longest[1] * 1000:6.1f} / {longest[2] * 1000:6.1f} ms"
                f"  {sum(c[2] for c in calls) * 1000:7.1f} ms"
            )
    return "\n".join(lines)


def _idle(frame: Any) -> bool:
    """A thread parked in a wait (an idle worker, the selector)."""
    name = frame.f_code.co_name
    return name in {
        "wait",
        "select",
        "poll",
        "_worker",
        "get",
        "wait_until_quiet",  # sleeps between its looks
        "accept",
    } or frame.f_code.co_filename.endswith(("threading.py", "selectors.py", "queue.py"))


def _where(frame: Any, depth: int = 6) -> str:
    """The innermost ``depth`` frames (file:line function), ipdash's and Textual's."""
    parts: list[str] = []
    while frame is not None and len(parts) < depth:
        name = frame.f_code.co_filename
        if "/asyncio/" not in name:
            parts.append(f"{name.split('/')[-1]}:{frame.f_lineno} {frame.f_code.co_name}")
        frame = frame.f_back
    return " < ".join(parts)


class Probe:
    """Compositor updates and event-loop stalls, recorded while the app runs."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.displays: list[float] = []
        self.ticks: list[float] = []
        self.first_data_at = float("inf")
        self.first_data_cpu = 0.0  # the process's CPU seconds at the first frame with data
        #: per key: seconds until the selected-IP panel has followed too (big tables debounce it)
        self.with_panel: list[float] = []
        self.feed: Any = None  # the breaches feed (found once)
        self.table_cpu: list[float] = []  # per key: the loop's CPU seconds until the table repainted
        self.key_stalls: list[float] = []  # per key: the longest loop stall from the key to its repaint
        self.sampler: StallSampler | None = None  # --stalls
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is not None:
                self.displays.append(time.perf_counter())
                if not self.first_data_cpu and self.displays[-1] >= self.first_data_at:
                    self.first_data_cpu = time.process_time()
                    if self.sampler is not None:
                        self.sampler.mark("first frame with data")

        app._display = display

    def hook(self, message: Any) -> None:
        if type(message).__name__ == "DataReady":
            self.first_data_at = min(self.first_data_at, time.perf_counter())
            if self.sampler is not None:
                self.sampler.mark("data")

    def start_ticker(self) -> None:
        self.ticks.append(time.perf_counter())
        if os.environ.get("BENCH_STALLS"):
            self.sampler = StallSampler()
            self.sampler.start()
        sampler = self.sampler

        def tick() -> None:
            self.ticks.append(time.perf_counter())
            if sampler is not None:
                sampler.tick()

        self.app.set_interval(0.005, tick)

    def longest_stall(self, since: float = 0.0) -> float:
        ticks = [t for t in self.ticks if t >= since]
        gaps = [b - a for a, b in itertools.pairwise(ticks)]
        return max(gaps, default=0.0) - 0.005

    def settled(self, panel: bool = True) -> bool:
        """Nothing left to redraw; with ``panel``, the selected-IP panel has followed the cursor too."""
        screen = self.app.screen
        table = self.app.dashboard.table
        if self.feed is None:
            self.feed = self.app.dashboard.query_one("#feed")  # once: a query per poll costs the loop
        pending = getattr(self.app.dashboard, "filter_pending", False)
        pending = pending or (panel and getattr(self.app.dashboard, "selected_pending", False))
        return not (
            pending
            or getattr(table, "formatting", False)
            or getattr(self.feed, "formatting", False)
            or screen._layout_required
            or screen._scroll_required
            or screen._repaint_required
            or screen._dirty_widgets
            or table._require_update_dimensions
        )

    async def repaint_after(self, start: float, timeout: float = 60.0, panel: bool = True) -> float:  # noqa: ASYNC109
        """Seconds from ``start`` to the last compositor update once nothing is left to redraw."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            await asyncio.sleep(0.002)
            if self.settled(panel) and self.displays and self.displays[-1] >= start:
                await asyncio.sleep(0.03)  # a trailing update still counts
                if self.settled(panel):
                    return self.displays[-1] - start
        raise TimeoutError("the screen never settled")


async def _quiet(pilot: Any, probe: Probe) -> None:
    """Data shown, no worker left (the blocklist catalog loads after the first data), repainted."""
    from textual.worker import WorkerCancelled

    app = pilot.app
    while app.data is None or not all(worker.is_finished for worker in app.workers):
        with contextlib.suppress(WorkerCancelled):  # an exclusive worker replaced: wait for the next
            await app.workers.wait_for_complete()
        await pilot.pause()
    await probe.repaint_after(0.0, timeout=3600)


async def _press(pilot: Any, probe: Probe, key: str, char: str | None = None) -> tuple[float, float]:
    """Seconds from sending ``key`` (as the terminal driver would) to its repaint, and the CPU
    seconds the loop's thread spent meanwhile (on a loaded machine the wall time also waits for a
    core; the CPU time does not)."""
    from textual import events

    event = events.Key(key, char)
    event.set_sender(pilot.app)
    start, cpu = time.perf_counter(), time.thread_time()
    pilot.app._driver.send_message(event)
    await asyncio.sleep(0)
    table = await probe.repaint_after(start, panel=False)
    probe.table_cpu.append(time.thread_time() - cpu)
    probe.with_panel.append(await probe.repaint_after(start))
    probe.key_stalls.append(probe.longest_stall(start))
    return table, time.thread_time() - cpu


async def _keys(pilot: Any, probe: Probe, figures: dict[str, float], repeat: int = 5) -> None:
    import statistics

    app = pilot.app
    table = app.dashboard.table
    app.dashboard.query_one("#filter").cursor_blink = False  # a blink is a repaint of its own

    def record(
        name: str,
        samples: list[tuple[float, float]],
        panels: list[float] | None = None,
        table_cpu: list[float] | None = None,
        stalls: list[float] | None = None,
    ) -> None:
        walls = [wall for wall, _ in samples]
        figures[f"{name} (median of {len(samples)})"] = statistics.median(walls)
        figures[f"{name} (max)"] = max(walls)
        figures[f"  {name}: loop CPU (median)"] = statistics.median(cpu for _, cpu in samples)
        panels = panels if panels is not None else probe.with_panel[-len(samples) :]
        figures[f"  {name}: with the selected-IP panel (median)"] = statistics.median(panels)
        table_cpu = table_cpu if table_cpu is not None else probe.table_cpu[-len(samples) :]
        figures[f"  {name}: loop CPU to the table's repaint (median)"] = statistics.median(table_cpu)
        stalls = stalls if stalls is not None else probe.key_stalls[-len(samples) :]
        figures[f"  {name}: longest loop stall"] = max(stalls)

    record("sort (s)", [await _press(pilot, probe, "s", "s") for _ in range(repeat)])
    record("page down", [await _press(pilot, probe, "pagedown") for _ in range(repeat)])
    ends, homes = [], []
    for _ in range(repeat):
        ends.append(await _press(pilot, probe, "end"))
        homes.append(await _press(pilot, probe, "home"))
    record(
        "end (last IP)",
        ends,
        probe.with_panel[-2 * repeat :: 2],
        probe.table_cpu[-2 * repeat :: 2],
        probe.key_stalls[-2 * repeat :: 2],
    )
    record(
        "home (first IP)",
        homes,
        probe.with_panel[-2 * repeat + 1 :: 2],
        probe.table_cpu[-2 * repeat + 1 :: 2],
        probe.key_stalls[-2 * repeat + 1 :: 2],
    )
    await _press(pilot, probe, "slash", "/")
    figures["  '/' (the filter box opens): longest loop stall"] = probe.key_stalls[-1]
    filters, clears = [], []
    for _ in range(repeat):
        filters.append(await _press(pilot, probe, "7", "7"))
        shown = table.row_count
        clears.append(await _press(pilot, probe, "backspace"))
    record(
        "filter key '7'",
        filters,
        probe.with_panel[-2 * repeat :: 2],
        probe.table_cpu[-2 * repeat :: 2],
        probe.key_stalls[-2 * repeat :: 2],
    )
    # before: every key waited this long before filtering; now: keys typed within it after a filter wait
    figures["  filter debounce setting"] = getattr(app.dashboard, "FILTER_DEBOUNCE", 0.0)
    figures["  rows after '7'"] = shown
    record(
        "backspace (all rows back)",
        clears,
        probe.with_panel[-2 * repeat + 1 :: 2],
        probe.table_cpu[-2 * repeat + 1 :: 2],
        probe.key_stalls[-2 * repeat + 1 :: 2],
    )
    figures["  rows after backspace"] = table.row_count


async def _table_case(ips: int) -> dict[str, float]:
    from dataclasses import replace

    from ipdash.sources.loader import sample_plan
    from ipdash.sources.paths import bundled_themes_dir
    from ipdash.ui.app import IpdashApp
    from ipdash.ui.messages import DataReady

    app = IpdashApp(sample_plan(), theme_dirs=[bundled_themes_dir()], watch_files=False)
    probe = Probe(app)
    figures: dict[str, float] = {}
    async with app.run_test(size=SIZE) as pilot:
        await _quiet(pilot, probe)
        probe.start_ticker()
        assert app.data is not None
        sample = list(app.data.analysis.ips.values())
        clones = {}
        for n in range(ips):
            address = f"10.{n // 65536}.{n // 256 % 256}.{n % 256}"
            clones[address] = replace(sample[n % len(sample)], ip=address)
        big = replace(app.data.analysis, ips=clones)
        message = DataReady(app.data.dataset, big, app.data.loaded_at, origin="bench", seq=app.data.seq + 1)
        start = time.perf_counter()
        app.post_message(message)
        figures["data update → repaint"] = await probe.repaint_after(start)
        figures["  rows"] = app.dashboard.table.row_count
        first = next(iter(clones))
        changed = dict(clones)
        changed[first] = replace(sample[1], ip=first)
        start = time.perf_counter()
        app.post_message(replace(message, analysis=replace(big, ips=changed), seq=message.seq + 1))
        figures["2nd update (1 IP changed) → repaint"] = await probe.repaint_after(start)
        await _quiet(pilot, probe)
        await _keys(pilot, probe, figures)
        figures["longest loop stall"] = probe.longest_stall()
    return figures


async def _app_case(csv_path: Path, started: float, keys: bool = True) -> dict[str, float]:
    from ipdash.domain.config import CsvFile
    from ipdash.sources.loader import LoadPlan

    plan = LoadPlan(csv=(CsvFile(path=csv_path),))
    try:  # as `ipdash --csv` does: the first load starts before the TUI's modules are imported
        from ipdash.sources.loader_early import start_early_load
    except ImportError:  # --before on a tree without it
        early: dict[str, Any] = {}
    else:
        early = {"early_load": start_early_load(plan)}
    from ipdash.sources.paths import bundled_themes_dir
    from ipdash.ui.app import IpdashApp

    app = IpdashApp(plan, theme_dirs=[bundled_themes_dir()], watch_files=False, **early)
    probe = Probe(app)
    figures: dict[str, float] = {}
    timed = time_callbacks(threading.get_ident()) if os.environ.get("BENCH_STALLS") else None
    async with app.run_test(size=SIZE, message_hook=probe.hook) as pilot:
        probe.start_ticker()
        await _quiet(pilot, probe)
        if timed is not None:
            print(callbacks_report(timed, 0.0, time.perf_counter()), file=sys.stderr)
        shown = next(t for t in probe.displays if t >= probe.first_data_at)
        figures["first frame with data (since start)"] = shown - started
        figures["  first frame with data: process CPU (all threads)"] = probe.first_data_cpu
        figures["  rows"] = app.dashboard.table.row_count
        figures["longest loop stall during load"] = probe.longest_stall()
        if probe.sampler is not None:
            print(probe.sampler.report(probe.ticks[0]), file=sys.stderr)
        cache = getattr(early.get("early_load"), "cache", None)
        if cache is not None:  # 1: the CSV parsed (and kept); 0: read from the parsed-CSV cache
            figures["  rows parsed from the CSV (1: yes, 0: from the cache)"] = int(cache.last != "hit")
        if not keys:
            return figures
        mark = time.perf_counter()
        await _keys(pilot, probe, figures)
        figures["longest loop stall during keys"] = probe.longest_stall(mark)
        if probe.sampler is not None:
            print("during keys: " + probe.sampler.report(mark), file=sys.stderr)
        if timed is not None:
            print(callbacks_report(timed, mark, time.perf_counter()), file=sys.stderr)
    return figures


def _child(mode: str, ips: int, csv_path: str, started: float) -> None:
    if os.environ.get("BENCH_LONG_TURNS"):  # `--long-turns`: the dashboard claims no 1 ms GIL turns
        import ipdash.gil_turns

        ipdash.gil_turns.SHORT_SWITCH_INTERVAL = sys.getswitchinterval()
    if mode == "table":
        figures = asyncio.run(_table_case(ips))
    else:  # app-warm: the next start on the same file, up to its first frame with data
        figures = asyncio.run(_app_case(Path(csv_path), started, keys=mode == "app"))
    print(json.dumps(figures))


# --- the driver ------------------------------------------------------------------------------


def _run_child(mode: str, ips: int, csv_path: Path | None, source: Path | None = None) -> dict[str, float]:
    """One case in a fresh interpreter; ``source``: a source root (``…/tui``) to import ipdash from
    instead of the installed one (``--before``: the same case on the code before a change)."""
    code = (
        "import sys, time; started = time.perf_counter(); "
        f"sys.path.insert(0, {str(Path(__file__).parent)!r}); "
        f"import bench_tui_scale as b; b._child({mode!r}, {ips}, {str(csv_path or '')!r}, started)"
    )
    env = dict(os.environ)
    if env.pop("BENCH_LONG_TURNS_NOW", None) and source is None:
        env["BENCH_LONG_TURNS"] = "1"
    if source is not None:
        env["PYTHONPATH"] = str(source)
        if "XDG_CACHE_HOME" in env:  # its own parsed-CSV cache: the cold start after it is cold too
            env["XDG_CACHE_HOME"] += "-before"
    # perf_counter is system-wide (CLOCK_MONOTONIC) on Linux: the child's start is comparable.
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{mode} {ips}: failed\n{done.stderr[-3000:]}")
    if env.get("BENCH_STALLS"):
        print(done.stderr.strip())
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _tmux_case(csv_path: Path) -> dict[str, float]:
    session = f"ipdash-bench-{time.time_ns()}"
    exe = Path(sys.executable).with_name("ipdash")
    # A server of its own, without the user's tmux.conf: tmux holds a lone Escape for `escape-time`
    # (500 ms by default) to tell it from a sequence, which would be timed as ipdash's.
    tmux = ["tmux", "-L", session, "-f", "/dev/null"]

    def capture() -> str:
        return subprocess.run(
            [*tmux, "capture-pane", "-p", "-t", session], capture_output=True, text=True, check=True
        ).stdout

    def timed(keys: list[str], timeout: float = 60.0) -> float:
        before = capture()
        start = time.perf_counter()
        subprocess.run([*tmux, "send-keys", "-t", session, *keys], check=True)
        while time.perf_counter() - start < timeout:
            now = capture()
            if now != before:
                # settle: the screen may change in more than one step
                last, settled_at = now, time.perf_counter()
                while time.perf_counter() - settled_at < 0.15:
                    time.sleep(0.01)
                    now = capture()
                    if now != last:
                        last, settled_at = now, time.perf_counter()
                return settled_at - start
            time.sleep(0.01)
        raise TimeoutError(keys)

    figures: dict[str, float] = {}
    start = time.perf_counter()
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", session, "-x", str(SIZE[0]), "-y", str(SIZE[1]),
         f"{exe} --csv {csv_path}"],
        check=True,
    )  # fmt: skip
    subprocess.run([*tmux, "set-option", "-s", "escape-time", "0"], check=True)
    try:
        while "IPs (" not in capture():
            if time.perf_counter() - start > 3600:
                raise TimeoutError("no data")
            time.sleep(0.01)
        figures["first frame with data"] = time.perf_counter() - start
        time.sleep(1.0)
        figures["sort (s)"] = timed(["s"])
        figures["page down"] = timed(["PageDown"])
        figures["end"] = timed(["End"])
        subprocess.run([*tmux, "send-keys", "-t", session, "Home", "/"], check=True)
        time.sleep(0.5)
        figures["filter key"] = timed(["1"])
        # Textual reports a lone Escape after ESCDELAY (100 ms), read on its 0.1 s input tick: 100–200 ms
        # of this is the terminal protocol, not ipdash.
        figures["escape (Textual waits 100-200 ms for a lone Esc)"] = timed(["Escape"])
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)
    return figures


def _print(
    title: str, figures: dict[str, float], base: dict[str, float] | None = None, versus: str = ""
) -> None:
    print(title)
    for name, value in figures.items():
        if name.strip().startswith("rows"):
            print(f"  {name:<48} {value:>9.0f}")
        elif "first frame" in name:
            ratio = f"  {value / base[name]:5.2f}× {versus}" if base and base.get(name) else ""
            print(f"  {name:<48} {value:>9.2f} s{ratio}")
        else:
            scaled = base and base.get(name) and "debounce setting" not in name
            ratio = f"  {value / base[name]:5.2f}× {versus}" if base and scaled else ""
            print(f"  {name:<48} {value * 1000:>9.1f} ms{ratio}")


def _case(
    title: str, mode: str, ips: int, csv: Path | None, before: Path | None, base: dict[str, float] | None
) -> dict[str, float]:
    """Run one case (and, with ``--before``, the same case on the old code first, in the same run)."""
    if before is not None:
        old = _run_child(mode, ips, csv, before)
        _print(f"{title} — before", old)
        now = _run_child(mode, ips, csv)
        _print(f"{title} — now", now, old, "before")
        return now
    now = _run_child(mode, ips, csv)
    _print(title, now, base, "the 9-IP table")
    return now


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ips", default="1000,10000")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--mode", default="table,app")
    parser.add_argument("--tmux", action="store_true")
    parser.add_argument(
        "--before",
        type=Path,
        help="a source root (e.g. an exported older tui/) to run each case on first, for before/after ratios",
    )
    parser.add_argument(
        "--stalls",
        action="store_true",
        help="sample the loop thread's stack during each stall over 20 ms and print the longest",
    )
    parser.add_argument(
        "--csv", type=Path, help="use this stats CSV for the app cases instead of generating one"
    )
    parser.add_argument(
        "--long-turns",
        action="store_true",
        help="keep CPython's switch interval (5 ms) while the dashboard is up, not ipdash's 1 ms turns;"
        " with --before: the before run keeps ipdash's turns, the same tree with and without them",
    )
    args = parser.parse_args()
    if args.before is not None:
        from before_tree import package_root  # beside this script: run as one, it is on sys.path

        args.before = package_root(args.before)
    if args.stalls:
        os.environ["BENCH_STALLS"] = "1"
    if args.long_turns:
        os.environ["BENCH_LONG_TURNS_NOW"] = "1"
    sizes = [int(n) for n in args.ips.split(",")]
    modes = args.mode.split(",")
    base = None
    if "table" in modes:  # the same keys on the sample's 9 IPs: what any repaint costs here, now
        base = _case(
            "table: the 9 sample IPs as one data update (baseline)", "table", 9, None, args.before, None
        )
    with tempfile.TemporaryDirectory() as folder:
        for ips in sizes:
            if "table" in modes:
                _case(
                    f"table: {ips} IPs as one data update (core not timed)",
                    "table",
                    ips,
                    None,
                    args.before,
                    base,
                )
            if "app" in modes or args.tmux:
                path = args.csv or Path(folder) / f"stats-{ips}.csv"
                rows = (
                    sum(1 for _ in path.open()) - 1 if args.csv else generate_stats_csv(path, ips, args.days)
                )
                if not args.csv:  # written a minute ago, as a user's export is: its timestamp is trusted
                    old = time.time() - 60
                    os.utime(path, (old, old))
                # The parsed-CSV cache (sources/csv_cache) starts empty for each size: "app" is the first
                # start on the file (cold), "app-warm" the next one (the cache kept by the first).
                os.environ["XDG_CACHE_HOME"] = str(Path(folder) / f"cache-{ips}")
                if "app" in modes:
                    title = f"app: {ips} IPs × {args.days} days × 4 providers ({rows:,} rows)"
                    _case(title + ", first start (cold)", "app", ips, path, args.before, None)
                    _case(title + ", next start (parsed-CSV cache)", "app-warm", ips, path, args.before, None)
                if args.tmux:
                    if shutil.which("tmux") is None:
                        print("tmux: not installed, skipped")
                    else:
                        _print(f"tmux: {ips} IPs × {args.days} days", _tmux_case(path))
    print(
        "targets: first frame with data 1k ≤ 2 s, 10k ≤ 15 s; keys on 10k (sort, page down, end, home,"
        " filter key, backspace) ≤ 100 ms to repaint; longest loop stall during load and keys ≤ 50 ms"
    )


if __name__ == "__main__":
    main()
