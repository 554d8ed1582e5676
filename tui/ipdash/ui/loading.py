"""Loading inside the TUI: the loads (in a worker thread: the early load the CLI began, the files, the
report folders, the stored history), a ``[store]`` viewer's first frame from the stored analysis, and
the analysis every surface shows (``DataReady``), run off the event loop."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from textual.worker import Worker, get_current_worker

from ipdash.gc_pauses import bulk_allocation
from ipdash.ui.messages import DataReady, LoadProgress

if TYPE_CHECKING:
    from ipdash.domain.models import Dataset
    from ipdash.domain.receiver import ReceiverData
    from ipdash.sources.loader import LastReads
    from ipdash.sources.loader_early import EarlyLoad
    from ipdash.sources.store.shared_view import SharedView
    from ipdash.ui.app import IpdashApp
    from ipdash.ui.data_state import Snapshot

REPLAY_START_DAYS_BACK = 21


class LoadControl:
    def __init__(self, app: IpdashApp, early_load: EarlyLoad | None) -> None:
        self.app = app
        #: The first load, already running since before the app was made (``--csv``, ``--config``).
        self.early_load = early_load
        self.early_loaded: EarlyLoad | None = None  # taken by the first load; its cache kept after paint
        self.file_signature: tuple[tuple[str, float, int], ...] | None = ()
        self.last_reads: LastReads = {}  # a file that goes missing keeps its last data, marked stale

    def start(self) -> None:
        self.file_signature = None  # taken in the worker: it imports the receiver sources (~0.3 s)
        # The first load has no check results yet (the checks start once data is shown): the worker
        # makes the empty snapshot, so the checks' modules are imported there, not on the loop.
        if self.app.data is not None:
            self.app.state.checks = self.app.check_results()
        self.run_in_load_worker(self.load)

    def run_in_load_worker(self, work: Callable[[], None]) -> None:
        """The load worker (one at a time: a newer load cancels the one running); the boot's too."""
        self.app.run_worker(
            work, thread=True, exclusive=True, group="load", description="load data", exit_on_error=False
        )

    @bulk_allocation()
    def load(self) -> None:
        worker = get_current_worker()
        early, self.early_load = self.early_load, None
        self.early_loaded = early
        if early is None:
            self.file_signature = self._signature()
        else:  # the files' part was taken as the early load began; the report folders' now
            from ipdash.sources.loader_early import stat_signature

            self.file_signature = early.signature + stat_signature(self._watched_folders())
        if self.app.state.checks is None:
            self.app.state.checks = self.app.check_results()

        def progress(label: str, done: int, total: int) -> None:
            self.app.post_message(LoadProgress(label, done, total))

        token = self.app.state.begin_load()  # polls landing from here on are merged into this load too
        shared = self._first_frame_from_store(worker, early) if self.app.data is None else None
        try:
            if early is not None:
                early.forward_progress(progress)
                while not early.wait(0.05):
                    if worker.is_cancelled:
                        return
                self.last_reads.update(early.last_reads)
                dataset = early.result()
            else:
                # The domain and sources load here, in the worker, not before the first frame.
                from ipdash.sources.loader import load_dataset

                dataset = load_dataset(
                    self.app.plan, progress=progress, now=self.app.clock(), last_reads=self.last_reads
                )
            receiver = self._load_receiver(dataset)
            if self.app.plan.reads_store:
                from ipdash.ui.live import StoreHistory

                if self.app.store_history is None:  # kept: a reload after a file changed reads what changed
                    self.app.store_history = StoreHistory(self.app.plan)
                dataset = self.app.store_history.under(dataset, self.app.range_days)
            read_for = self.app.store_history.widest if self.app.store_history is not None else 0
            snapshot = self.app.state.install_load(
                token,
                dataset,
                cancelled=lambda: worker.is_cancelled,
                on_install=self._set_receiver(receiver, read_for),
            )
        finally:
            self.app.state.end_load(token)
        if snapshot is None:
            if shared is not None:
                shared.close()
            return
        if self.app.demo:
            latest = snapshot.dataset.latest_day()
            if latest is not None and self.app.replay_day is None:
                self.app.replay_day = latest - timedelta(days=REPLAY_START_DAYS_BACK)
        analysed = self.analysed(snapshot, self.app.replay_day)
        self.app.post_message(analysed)
        if shared is not None:
            self._share_first_frame(shared, snapshot, analysed)

    def _first_frame_from_store(self, worker: Worker[None], early: EarlyLoad | None) -> SharedView | None:
        """The first load of a ``[store]``-only viewer (``sources.store.shared_view``): the first frame
        drawn from the analysis a poller or an earlier viewer stored when its key matches, then the
        history loaded and analysed as before. Returns the SharedView to store this load's analysis
        in when none matched (None: stored one drawn, or not such a load). The lookup the CLI began
        before the app (``sources.store.early_view``) is taken when it was for this day and range."""
        view = early.view if early is not None else None
        if self.app.demo or not self.app.plan.reads_store or self._has_receiver_sources():
            if view is not None:
                view.discard()
            return None
        from ipdash.sources.store.early_view import lookup

        now = self.app.clock()
        shared, frame = lookup(
            view, self.app.plan, now.date(), self.app.range_days, lambda: worker.is_cancelled
        )
        if shared is None or frame is None:
            return shared
        shared.close()
        stored = DataReady(
            frame.dataset(),
            frame.analysis,
            now,
            origin=self.app.origin,
            range_days=self.app.range_days,
            seq=0,  # any analysis of the data loaded next is newer
            stale=frame.stale_sources(),
            days_pending=True,  # no records yet: the load brings them
        )
        self.app.post_message(stored)
        self._wait_until_drawn(worker)  # the history's read would hold the interpreter meanwhile
        return None

    def _share_first_frame(self, shared: SharedView, snapshot: Snapshot, analysed: DataReady) -> None:
        """Store the first analysis for the next viewer once it is drawn: only when it had what a
        stored first frame has (no check results, no receiver reports)."""
        try:
            checks = snapshot.checks
            if checks.by_ip or checks.domains or self.app.receiver is not None or self.app.demo:
                return
            self._wait_until_drawn(get_current_worker())
            shared.save(snapshot.dataset, analysed.analysis)
        finally:
            shared.close()

    def _wait_until_drawn(self, worker: Worker[None]) -> None:
        """In a worker: wait until data posted before is on screen (or the worker is cancelled)."""
        drawn = threading.Event()

        def once_shown() -> None:
            if self.app.data is None:
                self.app.call_after_refresh(once_shown)  # the message is still in the queue
            else:
                self.app.call_after_refresh(drawn.set)

        self.app.call_from_thread(once_shown)
        while not drawn.wait(0.05):
            if worker.is_cancelled:
                return

    def _set_receiver(self, receiver: ReceiverData | None, read_for: int | None) -> Callable[[], None]:
        def install() -> None:
            self.app.receiver, self.app.held_range = receiver, read_for

        return install

    def _as_shown(self, full: Dataset, replay_day: date | None) -> Dataset:
        """The data as the screens show it: in --demo, only up to the replay day (call off the loop)."""
        return full.until(replay_day) if self.app.demo and replay_day else full

    def analyse_in_background(self, description: str) -> None:
        """Filter and analyse the data as it is then in a thread, as of the replay day now; the
        newest snapshot's result wins (``on_data_ready``)."""
        day = self.app.replay_day
        self.app.state.checks = self.app.check_results()  # taken on the loop: the results change there

        def work() -> None:
            snapshot = self.app.state.snapshot()
            if snapshot is None:
                return
            analysed = self.analysed(snapshot, day)
            if not get_current_worker().is_cancelled:  # a newer request runs: skip the drawing
                self.app.post_message(analysed)

        self.app.run_worker(
            work,
            thread=True,
            exclusive=True,
            group="replay",
            description=description,
            exit_on_error=False,
        )

    @bulk_allocation()
    def analysed(self, snapshot: Snapshot, replay_day: date | None) -> DataReady:
        """Runs in a worker thread: the one analysis every surface uses, for one state of the data."""
        from ipdash.domain.analysis import analyse
        from ipdash.domain.time_range import range_window

        dataset, checks = self._as_shown(snapshot.dataset, replay_day), snapshot.checks
        now, days = self.app.clock(), self.app.range_days
        window = range_window(dataset, days, today=now.date())
        shown = self.app.data  # the last analysis: its metrics are reused where the records did not change
        analysis = analyse(
            dataset,
            self.app.plan.config,
            self.app.presets,
            checks=checks,
            window=window,
            today=now.date(),
            previous=shown.analysis if shown is not None else None,
            receiver=self.app.receiver,
        )
        # Alerts are judged as `ipdash poll` judges them, over the configured window, whatever range is shown.
        alert_feed = None
        if days != self.app.plan.config.window_days:
            alert_feed = analyse(
                dataset,
                self.app.plan.config,
                self.app.presets,
                checks=checks,
                today=now.date(),
                receiver=self.app.receiver,
            ).feed
        import ipdash.ui.widgets.blocklist_panel  # noqa: F401  (show_data's cells: imported here, not on the loop)

        return DataReady(
            dataset,
            analysis,
            now,
            origin=self.app.origin,
            replay_day=self.app.replay_day if self.app.demo else None,
            range_days=days,
            alert_feed=alert_feed,
            seq=snapshot.seq,
        )

    def _has_receiver_sources(self) -> bool:
        """Whether there can be DMARC / ARF report folders (the sample data's, or config sources of
        those kinds, as ``validate_sections`` tells them): else their modules are not imported."""
        plan = self.app.plan
        return plan.is_sample or any(
            isinstance(entry, dict) and entry.get("kind") in ("dmarc", "arf") for entry in plan.config.sources
        )

    def _load_receiver(self, dataset: Dataset) -> ReceiverData | None:
        """DMARC and ARF report folders (config kinds dmarc/arf, the sample data's), beside the files."""
        if not self._has_receiver_sources():
            return None
        from ipdash.sources.receiver import load_receiver, plan_receiver_sources

        sources = plan_receiver_sources(self.app.plan)
        return load_receiver(sources, dataset, self.app.clock()) if sources else None

    def _watched_folders(self) -> list[Path]:
        if not self._has_receiver_sources():
            return []
        from ipdash.sources.receiver import plan_receiver_sources, watched_folders

        return watched_folders(plan_receiver_sources(self.app.plan))

    def _signature(self) -> tuple[tuple[str, float, int], ...]:
        from ipdash.sources.loader_early import stat_signature

        return stat_signature([*self.app.plan.watched_paths(), *self._watched_folders()])

    def check_files(self) -> None:
        if self.file_signature is not None and self._signature() != self.file_signature:
            self.start()
