"""Time to first frame: `ipdash` on the sample data vs a minimal Textual app, same run.

    python tests/benchmarks/bench_startup.py [--runs 7]

Each measurement is a fresh interpreter (imports included), headless at 160×48,
timed from process start until the app exits right after the frame in question:
  minimal      a one-Static Textual app, first frame
  ipdash paint ipdash's first frame (dashboard mounted, data still loading)
  ipdash data  the first frame showing the analysed sample data
The ratio (median ipdash / median minimal) is the figure to watch; target ≤ 1.5×
for the first paint. Absolute times depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

MINIMAL = """
from textual.app import App
from textual.widgets import Static
class Minimal(App):
    def compose(self):
        yield Static("hello")
    def on_mount(self):
        self.call_after_refresh(self.exit)
Minimal().run(headless=True, size=(160, 48))
"""

IPDASH = """
from ipdash.sources.loader import sample_plan
from ipdash.sources.paths import bundled_themes_dir
from ipdash.ui.app import IpdashApp
WAIT_FOR_DATA = {wait_for_data}
class Timed(IpdashApp):
    def on_mount(self):
        super().on_mount()
        if not WAIT_FOR_DATA:
            self.call_after_refresh(self.exit)
    def on_data_ready(self, message):
        super().on_data_ready(message)
        if WAIT_FOR_DATA:
            self.call_after_refresh(self.exit)
Timed(sample_plan(), theme_dirs=[bundled_themes_dir()], watch_files=False).run(headless=True, size=(160, 48))
"""


def time_once(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    cases = {
        "minimal": MINIMAL,
        "ipdash paint": IPDASH.format(wait_for_data=False),
        "ipdash data": IPDASH.format(wait_for_data=True),
    }
    for code in cases.values():  # warm the OS file cache once
        time_once(code)
    results: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):  # interleaved, so machine noise hits every case alike
        for name, code in cases.items():
            results[name].append(time_once(code))
    base = statistics.median(results["minimal"])
    print(f"time to first frame, {runs} runs each, headless 160×48 (median, min..max)")
    for name, samples in results.items():
        median = statistics.median(samples)
        print(
            f"  {name:<13} {median * 1000:7.0f} ms  ({min(samples) * 1000:.0f}..{max(samples) * 1000:.0f})  ratio {median / base:.2f}×"
        )


if __name__ == "__main__":
    main()
