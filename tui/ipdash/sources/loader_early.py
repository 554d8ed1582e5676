"""The TUI's first load, started before the TUI is up (``ipdash --csv FILE``, ``--config``).

Once the plan is known (the config validated, the files named) nothing about the first load
depends on Textual: this thread imports the data engine and reads the files (polars parses in
its own threads, the GIL released) while the main thread imports Textual and paints the first
frame, then imports the analysis modules so the app's load worker finds them in. The app's first
load takes the result (``IpdashApp(early_load=…)``) instead of reading again. The files' signature
is taken before the read, as the app's own loads do, so a file that changes meanwhile is re-read.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ipdash.gc_pauses import bulk_allocation

if TYPE_CHECKING:
    from ipdash.domain.models import Dataset
    from ipdash.sources.csv_cache import ParsedCache
    from ipdash.sources.loader import LastReads, LoadPlan, LoadProgress
    from ipdash.sources.store.early_view import EarlyView

#: (path, mtime, size) per watched path; (-1.0, -1) for one that cannot be read.
Signature = tuple[tuple[str, float, int], ...]

#: What the app's first load imports after the read: imported in the early thread instead.
ANALYSIS_MODULES = ("ipdash.domain.analysis", "ipdash.domain.time_range", "ipdash.sources.reference_data")


def stat_signature(paths: Iterable[Path]) -> Signature:
    """What a file watcher compares: each path's modification time and size."""
    signature = []
    for path in paths:
        try:
            stat = os.stat(path)
            signature.append((str(path), stat.st_mtime, stat.st_size))
        except OSError:
            signature.append((str(path), -1.0, -1))
    return tuple(signature)


class EarlyLoad:
    """``load_dataset(plan, now=now)`` running in a daemon thread from construction on."""

    def __init__(
        self,
        plan: LoadPlan,
        *,
        now: datetime,
        then_import: Sequence[str] = ANALYSIS_MODULES,
        cache_dir: Path | None = None,
        view: EarlyView | None = None,
    ) -> None:
        self.plan = plan
        #: The shared first frame's lookup (a ``[store]``-only viewer's), running beside the read.
        self.view = view
        #: Where clean reads are kept for the next start (``sources/csv_cache``); None: not kept.
        self.cache_dir = cache_dir
        self.cache: ParsedCache | None = None
        self.now = now
        self.signature = stat_signature(plan.watched_paths())  # before the read, like the app's loads
        self.last_reads: LastReads = {}
        self._then_import = tuple(then_import)
        self._done = threading.Event()
        self._dataset: Dataset | None = None
        self._error: BaseException | None = None
        self._forward: LoadProgress | None = None
        self._last_progress: tuple[str, int, int] | None = None
        self._progress_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="ipdash-early-load", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            with bulk_allocation():
                from ipdash.sources.loader import load_dataset

                if self.cache_dir is not None:
                    from ipdash.sources.csv_cache import ParsedCache

                    self.cache = ParsedCache(self.cache_dir, defer=True)  # written after the result
                self._dataset = load_dataset(
                    self.plan,
                    progress=self._progress,
                    now=self.now,
                    last_reads=self.last_reads,
                    cache=self.cache,
                )
        except BaseException as error:  # handed to the app's load worker, which reports it
            self._error = error
        finally:
            self._done.set()
        for name in self._then_import:  # after the result is out: the worker never waits for these
            try:
                importlib.import_module(name)
            except Exception:  # the worker imports it again and reports the failure
                continue

    def _progress(self, label: str, done: int, total: int) -> None:
        with self._progress_lock:
            self._last_progress = (label, done, total)
            forward = self._forward
        if forward is not None:
            forward(label, done, total)

    def forward_progress(self, progress: LoadProgress) -> None:
        """From now on, report the read's progress there (the latest report at once)."""
        with self._progress_lock:
            self._forward, last = progress, self._last_progress
        if last is not None and not self._done.is_set():
            progress(*last)

    def keep_cache(self) -> None:
        """Write the parsed-CSV cache's new entries (the app calls it once the data is on screen:
        writing Parquet while the first frame waits would only delay it)."""
        if self.cache is not None and self._done.is_set():
            self.cache.flush()

    def wait(self, timeout: float | None = None) -> bool:
        """Whether the load has ended (with a dataset or an error) within ``timeout`` seconds."""
        return self._done.wait(timeout)

    def result(self) -> Dataset:
        """The dataset, once ``wait()`` says the load ended; re-raises what the load raised."""
        if not self._done.is_set():
            raise RuntimeError("the early load is still running: wait() first")
        if self._error is not None:
            raise self._error
        assert self._dataset is not None
        return self._dataset


def start_early_load(plan: LoadPlan) -> EarlyLoad:
    """The TUI's first load, started now: as of the app's clock (``ui.app._system_clock``), clean
    reads kept in the user cache dir for the next start; a ``[store]``-only viewer's shared first
    frame looked up beside it (``sources.store.early_view``)."""
    from ipdash.sources.paths import user_cache_dir

    now = datetime.now(UTC).astimezone()
    view = None
    if plan.reads_store:
        from ipdash.sources.store.early_view import start_early_view

        view = start_early_view(plan.config, plan.config_path, now.date())
    return EarlyLoad(plan, now=now, cache_dir=user_cache_dir() / "parsed", view=view)
