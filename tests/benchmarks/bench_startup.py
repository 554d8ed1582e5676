"""Start-up: `ipdash` to its first frame vs a minimal Textual app, and `ipdash --help` vs
`python -c 'import click'`, each pair in the same run.

    python tests/benchmarks/bench_startup.py [--runs 7]

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
                out.write(repr(time.perf_counter()))
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


def time_once(command: list[str], env: dict[str, str]) -> float:
    """Spawn to the frame in question (the child notes it; perf_counter is system-wide on
    Linux), else spawn to exit. Not to exit for the TUI: ipdash's exit waits for its loading
    thread, which a minimal app does not have."""
    frame_file = Path(env["BENCH_FRAME_FILE"])
    frame_file.unlink(missing_ok=True)
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    end = time.perf_counter()
    return (float(frame_file.read_text()) if frame_file.exists() else end) - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    script = Path(sys.executable).with_name("ipdash")
    cases = {
        "minimal": [sys.executable, "-c", EXIT_ON_FRAME.format(wait_for_data=False) + MINIMAL],
        "ipdash paint": [sys.executable, "-c", EXIT_ON_FRAME.format(wait_for_data=False) + IPDASH_CLI],
        "ipdash data": [sys.executable, "-c", EXIT_ON_FRAME.format(wait_for_data=True) + IPDASH_CLI],
        "import click": [sys.executable, "-c", "import click"],
        "ipdash --help": [str(script), "--help"],
    }
    with tempfile.TemporaryDirectory() as home:  # no user config or themes
        env = {
            **os.environ,
            "XDG_CONFIG_HOME": f"{home}/config",
            "XDG_DATA_HOME": f"{home}/data",
            "BENCH_FRAME_FILE": f"{home}/frame",
        }
        env.pop("IPDASH_CONFIG", None)
        for command in cases.values():  # warm the OS file cache once
            time_once(command, env)
        results: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(runs):  # interleaved, so machine noise hits every case alike
            for name, command in cases.items():
                results[name].append(time_once(command, env))
    baselines = {"minimal": "minimal", "ipdash paint": "minimal", "ipdash data": "minimal"}
    print(f"start-up, {runs} runs each, fresh interpreters (median, min..max)")
    for name, samples in results.items():
        base = statistics.median(results[baselines.get(name, "import click")])
        median = statistics.median(samples)
        print(
            f"  {name:<14} {median * 1000:7.0f} ms  ({min(samples) * 1000:.0f}..{max(samples) * 1000:.0f})"
            f"  ratio {median / base:.2f}×"
        )
    print("targets: ipdash paint ≤ 1.5× minimal; ipdash --help ≤ 2× import click")


if __name__ == "__main__":
    main()
