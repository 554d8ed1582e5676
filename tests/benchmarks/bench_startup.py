"""Start-up: `ipdash` to its first frame vs a minimal Textual app, and `ipdash --help` vs
`python -c 'import click'`, each pair in the same run.

    python tests/benchmarks/bench_startup.py [--runs 7] [--before SRC]

Every measurement is a fresh interpreter, timed from spawn to the frame in question (to exit
for the --help pair). The TUI cases
run the real command line (`ipdash.cli.main` with no arguments: config lookup, the sample
data plan, themes, then the app), headless at 160×48, and exit from the same hook in both
apps: `App._display` patched at class level, so neither app is subclassed and no handler of
the app runs twice (the old version subclassed IpdashApp and called super().on_mount(),
which Textual also calls itself: the dashboard mounted twice).
  minimal      a one-Static Textual app: exits at its first compositor update
  ipdash paint `ipdash`: exits at its first compositor update (data still loading)
  ipdash data  `ipdash`: exits at the first compositor update after the data is shown
  import click / ipdash --help: the console script `ipdash --help`
Medians over interleaved runs; targets: first paint ≤ 1.5× minimal, --help ≤ 2× import click.
Each case also reports the child's CPU seconds (user + system: on a loaded machine wall time
waits for a core too). `--before SRC` runs the ipdash cases on another source root too
(e.g. `git archive main tui | tar -x -C /tmp/old`, then `--before /tmp/old/tui`), interleaved,
for before/after ratios in the same run. Themes are parsed into the run's own cache dir on the
warm-up run, as on a user's second start.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXIT_ON_FRAME = """
import os, sys, time
import textual.app

WAIT_FOR_DATA = {wait_for_data}
_display, _run = textual.app.App._display, textual.app.App.run

def display(self, screen, renderable):
    _display(self, screen, renderable)
    if renderable is not None and (not WAIT_FOR_DATA or getattr(self, "data", None) is not None):
        if not self._return_code_seen:
            with open(os.environ["BENCH_FRAME_FILE"], "w") as out:
                out.write(repr(time.perf_counter()) + " " + repr(time.process_time()))
        self._return_code_seen = True
        self.exit()

def run(self, *args, **kwargs):
    kwargs.update(headless=True, size=(160, 48))
    return _run(self, *args, **kwargs)

textual.app.App._display, textual.app.App.run = display, run
textual.app.App._return_code_seen = False
"""

MINIMAL = """
from textual.app import App
from textual.widgets import Static
class Minimal(App):
    def compose(self):
        yield Static("hello")
Minimal().run()
"""

IPDASH_CLI = """
sys.argv = ["ipdash"]
from ipdash.cli import main
main()
"""

#: `ipdash --help` through the interpreter, for --before (PYTHONPATH then names the old source).
IPDASH_CLI_HELP = """
import sys
sys.argv = ["ipdash", "--help"]
from ipdash.cli import main
main()
"""


def time_once(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Spawn to the frame in question (the child notes it; perf_counter is system-wide on
    Linux), else spawn to exit, and the child's CPU seconds to then. Not to exit for the TUI:
    ipdash's exit waits for its loading thread, which a minimal app does not have."""
    frame_file = Path(env["BENCH_FRAME_FILE"])
    frame_file.unlink(missing_ok=True)
    start = time.perf_counter()
    before = os.times()
    subprocess.run(command, check=True, capture_output=True, env=env)
    end, after = time.perf_counter(), os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    if frame_file.exists():
        at, frame_cpu = (float(part) for part in frame_file.read_text().split())
        return at - start, frame_cpu
    return end - start, cpu


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--before", type=Path, help="a source root (…/tui) to run the ipdash cases on too")
    args = parser.parse_args()
    script = Path(sys.executable).with_name("ipdash")
    ipdash_cli = [sys.executable, "-c", IPDASH_CLI_HELP]
    cases: dict[str, tuple[list[str], str | None]] = {
        "minimal": ([sys.executable, "-c", EXIT_ON_FRAME.format(wait_for_data=False) + MINIMAL], None),
        "ipdash paint": (
            [sys.executable, "-c", EXIT_ON_FRAME.format(wait_for_data=False) + IPDASH_CLI],
            None,
        ),
        "ipdash data": ([sys.executable, "-c", EXIT_ON_FRAME.format(wait_for_data=True) + IPDASH_CLI], None),
        "import click": ([sys.executable, "-c", "import click"], None),
        "ipdash --help": ([str(script), "--help"], None),
    }
    baselines = {"minimal": "minimal", "ipdash paint": "minimal", "ipdash data": "minimal"}
    if args.before is not None:
        for name in ("ipdash paint", "ipdash data"):
            cases[f"{name} (before)"] = (cases[name][0], str(args.before.resolve()))
            baselines[f"{name} (before)"] = "minimal"
        cases["ipdash --help (before)"] = (ipdash_cli, str(args.before.resolve()))
    with tempfile.TemporaryDirectory() as home:  # no user config or themes
        env = {
            **os.environ,
            "XDG_CONFIG_HOME": f"{home}/config",
            "XDG_DATA_HOME": f"{home}/data",
            "XDG_CACHE_HOME": f"{home}/cache",
            "BENCH_FRAME_FILE": f"{home}/frame",
        }
        env.pop("IPDASH_CONFIG", None)
        env.pop("PYTHONPATH", None)

        def env_for(source: str | None) -> dict[str, str]:
            return env if source is None else {**env, "PYTHONPATH": source}

        for command, source in cases.values():  # warm the OS file cache (and the theme cache) once
            time_once(command, env_for(source))
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        for _ in range(args.runs):  # interleaved, so machine noise hits every case alike
            for name, (command, source) in cases.items():
                results[name].append(time_once(command, env_for(source)))
    print(f"start-up, {args.runs} runs each, fresh interpreters (median, min..max; CPU: median)")
    for name, samples in results.items():
        walls, cpus = [wall for wall, _ in samples], [cpu for _, cpu in samples]
        base_name = baselines.get(name, "import click")
        base = statistics.median(wall for wall, _ in results[base_name])
        base_cpu = statistics.median(cpu for _, cpu in results[base_name])
        median = statistics.median(walls)
        print(
            f"  {name:<22} {median * 1000:7.0f} ms  ({min(walls) * 1000:.0f}..{max(walls) * 1000:.0f})"
            f"  ratio {median / base:.2f}×   CPU {statistics.median(cpus) * 1000:5.0f} ms"
            f"  ratio {statistics.median(cpus) / base_cpu:.2f}×"
        )
    print("targets: ipdash paint ≤ 1.5× minimal; ipdash --help ≤ 2× import click")


if __name__ == "__main__":
    main()
