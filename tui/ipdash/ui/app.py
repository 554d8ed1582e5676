"""The ipdash Textual app: thin. It owns themes, the keys and the controllers (loading: `LoadControl`); screens render."""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState, get_current_worker

from ipdash.ui.blocklists import (
    RECHECK_POLL_SECONDS,
    BlocklistsControl,
    ChecksFinished,
    ChecksProgress,
    ChecksReady,
)
from ipdash.ui.data_state import DataState
from ipdash.ui.loading import REPLAY_START_DAYS_BACK, LoadControl
from ipdash.ui.messages import DataReady, LoadProgress
from ipdash.ui.themes import install_themes, next_theme

if TYPE_CHECKING:
    from ipdash.domain.checks import CheckResults
    from ipdash.domain.models import Dataset, PollResult
    from ipdash.domain.receiver import ReceiverData
    from ipdash.domain.thresholds import Preset
    from ipdash.sources.loader import LoadPlan
    from ipdash.sources.loader_early import EarlyLoad
    from ipdash.ui.domains import DomainsControl
    from ipdash.ui.live import LivePolling, StoreHistory
    from ipdash.ui.screens.dashboard import DashboardScreen

Clock = Callable[[], datetime]
#: Makes the load plan in the boot worker, after the first frame (`ipdash` with no config file and no
#: files: the sample data, where nothing can fail), so the config models and the loader are not
#: imported before it. A bad config is refused before the app starts: that plan is made up front.
PlanFactory = Callable[[], "LoadPlan"]
#: Actions that need the load plan: refused while the boot worker makes it.
NEED_PLAN = frozenset({"refresh", "wizard", "blocklists", "range"})
FILE_CHECK_SECONDS = 2.0
CHECK_REDRAW_SECONDS = 0.5  # while a blocklist run goes on, arrived results are analysed at most this often
REPLAY_SECONDS = 3.0


def _system_clock() -> datetime:
    return datetime.now(UTC).astimezone()


class IpdashApp(App[int]):
    CSS_PATH = Path(__file__).with_name("ipdash.tcss")  # absolute: subclasses may live anywhere
    TITLE = "ipdash"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("r", "refresh", "Refresh", id="refresh"),
        Binding("t", "next_theme", "Theme", id="next_theme"),
        Binding("w", "wizard", "Wizard", id="wizard"),
        Binding("b", "blocklists", "Blocklists", id="blocklists"),
        Binding("left_square_bracket", "range(-1)", "Shorter range", show=False, id="range_shorter"),
        Binding("right_square_bracket", "range(1)", "Longer range", show=False, id="range_longer"),
    ]

    blocklists: BlocklistsControl
    domains: DomainsControl
    #: The time range shown (days, None for all the history held): the analysis window.
    range_days: int | None

    def __init__(
        self,
        plan: LoadPlan | PlanFactory,
        *,
        clock: Clock = _system_clock,
        theme_dirs: Iterable[Path] = (),
        theme_name: str | None = None,
        theme_cache: Path | None = None,
        origin: str = "",
        demo: bool = False,
        watch_files: bool = True,
        replay_seconds: float = REPLAY_SECONDS,
        early_load: EarlyLoad | None = None,
    ) -> None:
        super().__init__()
        self.loading = LoadControl(self, early_load)
        self._plan: LoadPlan | None = None
        self._make_plan: PlanFactory | None = plan if callable(plan) else None
        self.clock = clock
        self.demo = demo
        self.watch_files = watch_files
        self.replay_seconds = replay_seconds
        self._presets: dict[str, Preset] | None = None
        self.data: DataReady | None = None
        self.receiver: ReceiverData | None = None  # DMARC / ARF reports: an input of the analysis
        self.replay_day: date | None = None
        self._check_redraw_pending = False
        self._side_work: Worker[None] | None = None  # started once the first data is on screen
        from ipdash.ui.alerts import AlertsControl

        self.alerts = AlertsControl(self)
        self.live: LivePolling | None = None
        self.store_history: StoreHistory | None = None
        #: The range the stored history now installed was read for (0: none read; None: all).
        self.held_range: int | None = 0
        #: The full dataset (replaced, never mutated) and the order analyses of it are shown in.
        self.state = DataState()
        configured_theme = None  # a plan made later has no config file, so no configured theme
        self._dashboard: DashboardScreen | None = None
        if not callable(plan):
            self._install_plan(plan)
            configured_theme = plan.config.theme
            self._dashboard = self.dashboard
        if not origin and self._plan is not None:
            origin = "sample data" if self._plan.is_sample else f"{len(self._plan.csv)} file(s)"
        self.origin = origin
        self.theme_names, self.theme_failures = install_themes(
            self, theme_dirs, theme_name, configured_theme, theme_cache
        )
        #: Set once the first load is on screen (drawn on the dashboard, or failed and said so):
        #: what tests and scripted runs await instead of guessing when loading began.
        self.ready = asyncio.Event()

    def _install_plan(self, plan: LoadPlan) -> None:
        """What depends on the plan: in the constructor, or on the loop once the boot worker made it."""
        from ipdash.ui.domains import DomainsControl

        self._plan = plan
        self.blocklists = BlocklistsControl(
            plan.config.blocklists, post=self.post_message, run_worker=self.run_worker, clock=self.clock
        )
        self.domains = DomainsControl(self)
        self.range_days = plan.config.window_days

    @property
    def plan(self) -> LoadPlan:
        if self._plan is None:
            raise RuntimeError("the load plan is made by the boot worker, after the first frame")
        return self._plan

    @property
    def booted(self) -> bool:
        """The load plan is in (always, unless the app was given a PlanFactory and it is still running)."""
        return self._plan is not None

    @property
    def dashboard(self) -> DashboardScreen:
        if self._dashboard is None:
            from ipdash.ui.screens.dashboard import DashboardScreen

            self._dashboard = DashboardScreen(self.clock)
        return self._dashboard

    @property
    def full_dataset(self) -> Dataset | None:
        """All the data loaded and polled (in --demo, beyond the replay day too)."""
        return self.state.full

    @property
    def presets(self) -> dict[str, Preset]:
        if self._presets is None:
            from ipdash.sources.reference_data import threshold_presets

            self._presets = threshold_presets()
        return self._presets

    # lifecycle ---------------------------------------------------------------
    def on_mount(self) -> None:
        if self.theme_failures:
            lines = "\n".join(f"{path}: {reason}" for path, reason in self.theme_failures)
            self.notify(
                f"Some themes could not be loaded:\n{lines}", title="Themes", severity="warning", timeout=10
            )
        # Start-up objects live as long as the app: keep them out of the collector's full passes,
        # which otherwise stall the event loop for tens of ms during live polling (bench_poll).
        self.call_after_refresh(gc.freeze)
        if not self.booted:
            from ipdash.ui.screens.boot import BootScreen

            self.push_screen(BootScreen(self.origin))
            self.call_after_refresh(self._start_boot)  # the first frame first: the rest imports a lot
            return
        self.push_screen(self.dashboard)
        if self.loading.early_load is not None:
            self.start_load()  # its worker waits for the early load (no GIL held), then analyses
        else:
            self.call_after_refresh(self.start_load)  # first frame first: loading imports the domain
        self._start_feeds()

    def _start_feeds(self) -> None:
        """Polling, file watching, the demo's replay: once the plan is in."""
        if self.plan.reads_store:  # polls its [[sources]], and follows a shared store's other pollers
            from ipdash.ui.live import LivePolling

            self.live = LivePolling(self.plan, self._on_poll_result)
            self.run_worker(
                self.live.run(), group="poll", exit_on_error=False, description="poll provider sources"
            )
        if self.watch_files and not self.demo:
            self.set_interval(FILE_CHECK_SECONDS, self._check_files)
        if self.demo:
            self.set_interval(self.replay_seconds, self._advance_replay)

    def _start_boot(self) -> None:
        self.loading.run_in_load_worker(self._boot)

    def _boot(self) -> None:
        """The boot worker: the plan, the dashboard's modules (imported here, not on the loop), then
        the first load, in this thread (its CSV read need not wait for the loop to mount the dashboard)."""
        assert self._make_plan is not None
        plan = self._make_plan()
        import ipdash.ui.domains
        import ipdash.ui.screens.dashboard  # noqa: F401

        self.call_from_thread(self._booted, plan)
        self.loading.load()

    def _booted(self, plan: LoadPlan) -> None:
        self._install_plan(plan)
        self.loading.file_signature = None  # the boot worker takes it as its load begins
        self.switch_screen(self.dashboard)
        self._start_feeds()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.booted or action not in NEED_PLAN

    # loading -------------------------------------------------------------------
    def start_load(self) -> None:
        """Load everything again (a file changed, `r`, a wider range), in a worker: ``LoadControl``."""
        self.loading.start()

    def on_load_progress(self, message: LoadProgress) -> None:
        self.dashboard.show_progress(message.label, message.done, message.total)

    def known_ips(self) -> list[str]:
        return list(self.data.analysis.ips) if self.data is not None else []

    def on_data_ready(self, message: DataReady) -> None:
        if self.data is not None and message.seq < self.data.seq:
            return  # an analysis of older data (or older check results) that finished late
        self.data = message
        self._show(message)
        if self._side_work is None:
            self._start_side_work_after_paint()
        elif self._side_work.is_finished:
            self.alerts.update(message)

    def _start_side_work_after_paint(self) -> None:
        """The blocklist catalog (a thread busy for a few hundred ms), the alert acknowledgements and
        the alerts themselves wait until the first data is drawn: they would hold the interpreter
        while it is. A worker waits for that frame (so anything settling on workers waits too), imports
        the alert judging off the loop, then starts them on the loop."""
        painted = threading.Event()
        self.call_after_refresh(painted.set)

        def wait_then_start() -> None:
            worker = get_current_worker()
            while not painted.wait(0.05):
                if worker.is_cancelled:
                    return
            import ipdash.sources.alert_board  # noqa: F401  (for the alerts: not on the loop)

            self.call_from_thread(self._start_side_work)
            if self.loading.early_loaded is not None:  # the parsed-CSV cache for the next start, once the
                from ipdash.ui.after_load import wait_until_quiet  # first data's formatting is done

                wait_until_quiet(lambda: self.workers, lambda: worker.is_cancelled)
                self.loading.early_loaded.keep_cache()

        self._side_work = self.run_worker(
            wait_then_start, thread=True, group="after-first-data", description="start checks and alerts",
            exit_on_error=False,
        )  # fmt: skip

    def _start_side_work(self) -> None:
        if self.full_dataset is not None:
            self.blocklists.start(self.full_dataset)  # once: loads the catalog and stored results
        self.alerts.start()  # once: reads the acknowledgements from the store
        if self.data is not None:
            self.alerts.update(self.data)

    def _check_files(self) -> None:
        self.loading.check_files()

    def _advance_replay(self) -> None:
        full = self.full_dataset
        latest = full.latest_day() if full else None
        if full is None or latest is None or self.replay_day is None:
            return
        self.replay_day = self.replay_day + timedelta(days=1)
        if self.replay_day > latest:
            self.replay_day = latest - timedelta(days=REPLAY_START_DAYS_BACK)
        self.loading.analyse_in_background(f"replay {self.replay_day}")

    # provider polling ----------------------------------------------------------
    def _on_poll_result(self, result: PollResult) -> None:
        """A source was polled (and stored): merge it copy-on-write and analyse, off the event loop."""
        self.state.checks = self.check_results()

        def absorb() -> None:
            snapshot = self.state.absorb(result)
            if snapshot is not None:  # None: the first load is still reading, and merges it as it ends
                self.post_message(self.loading.analysed(snapshot, self.replay_day))

        self.run_worker(
            absorb, thread=True, group="poll-merge", description=f"merge {result.source}", exit_on_error=False
        )
        self.dashboard.refresh_sources()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.group == "load":
            self.ready.set()  # nothing more is coming from this load: the error below says why
        if event.state is WorkerState.ERROR:
            reason = self.live.problem if event.worker.group == "poll" and self.live else ""
            self.notify(
                f"{event.worker.description} failed: {reason or event.worker.error}",
                severity="error",
                timeout=15,
            )

    async def on_unmount(self) -> None:
        if self.live is not None:  # polls in flight save what they fetched (bounded) before the app goes
            await self.live.stopped()
        self.alerts.close()
        if self.store_history is not None:
            self.store_history.close()

    # blocklists ----------------------------------------------------------------
    def action_blocklists(self) -> None:
        ips = self.known_ips()
        why_not = self.blocklists.check(ips)
        if why_not:
            self.notify(why_not, severity="warning", timeout=8)
        else:
            self.notify(f"Checking {len(ips)} IPs against blocklists and rDNS…", timeout=3)

    def on_checks_ready(self, message: ChecksReady) -> None:
        for note in message.problems:
            self.notify(note, title="Blocklist results", severity="warning", timeout=10)
        if message.available:
            # Stored results feed the score, the breaches and the panels; with none stored, an
            # analysis again would be the one shown (at 10k IPs ~1 s of a thread beside the first frames).
            if self.blocklists.has_results:
                self.reanalyse()
            if not self.demo:
                self.set_interval(RECHECK_POLL_SECONDS, lambda: self.blocklists.recheck_due(self.known_ips()))

    def on_checks_progress(self, message: ChecksProgress) -> None:
        self.dashboard.show_checking(message.checking, message.done, message.total)
        if self.screen_stack and self.screen is not self.dashboard and hasattr(self.screen, "show_checking"):
            self.screen.show_checking(message.checking)
        if message.done and not self._check_redraw_pending:  # arrived results: analysed, at most every 0.5 s
            self._check_redraw_pending = True
            self.set_timer(CHECK_REDRAW_SECONDS, self._redraw_checks)

    def _redraw_checks(self) -> None:
        self._check_redraw_pending = False
        self.reanalyse()

    def on_checks_finished(self, message: ChecksFinished) -> None:
        self.notify(message.summary, timeout=6)
        self.reanalyse()

    def check_results(self) -> CheckResults:
        """Blocklist, rDNS and sending-domain results as they stand (a snapshot: take it on the loop)."""
        from dataclasses import replace

        return replace(self.blocklists.results(), domains=tuple(self.domains.results.values()))

    def reanalyse(self) -> None:
        """Run the analysis again on the data as loaded (new check results change scores and breaches)."""
        if self.full_dataset is None:
            if self.data is not None:  # a stored first frame is shown: the load takes these results
                self.state.checks = self.check_results()
                if self.full_dataset is not None:  # it was installed meanwhile
                    self.loading.analyse_in_background("re-analyse")
            return
        if self.store_history is not None:
            from ipdash.ui.live import reaches

            if not reaches(self.held_range, self.range_days):
                return  # a wider range's read is under way (set_range started it): its analysis follows
        self.loading.analyse_in_background("re-analyse")

    # actions -------------------------------------------------------------------
    def action_refresh(self) -> None:
        self.notify("Reloading sources…", timeout=2)
        self.start_load()
        if self.live is not None:
            self.live.poll_now()

    def action_wizard(self) -> None:
        """Shared or dedicated? Defaults are measured from the loaded data, off the event loop."""
        from ipdash.ui.screens.wizard import WizardScreen

        if isinstance(self.screen, WizardScreen):
            return
        self.run_worker(
            self._open_wizard,
            thread=True,
            exclusive=True,
            group="wizard",
            description="measure wizard defaults",
        )

    def _open_wizard(self) -> None:
        from ipdash.domain.advisor import InvalidSettings, advisor_data, measured_defaults
        from ipdash.ui.screens.recommendation import default_export_dir
        from ipdash.ui.screens.wizard import WizardDrafts, WizardScreen

        try:
            book, prices = advisor_data(self.plan.config.advisor)
        except InvalidSettings as error:
            self.call_from_thread(self.notify, f"[advisor] config: {error}", severity="error", timeout=10)
            return
        dataset = self.full_dataset
        defaults = measured_defaults(dataset, book=book) if dataset is not None and dataset.stats else None
        # Answers left with escape wait here for the next `w`; exports go to the data dir (named up front).
        drafts = self.__dict__.setdefault("_wizard_drafts", WizardDrafts())
        screen = WizardScreen(
            defaults=defaults,
            export_dir=default_export_dir(),
            book=book,
            prices=prices,
            clock=self.clock,
            drafts=drafts,
        )
        self.call_from_thread(self.push_screen, screen)

    def action_range(self, step: int) -> None:
        from ipdash.domain.time_range import stepped

        self.set_range(stepped(self.range_days, step))

    def set_range(self, days: int | None) -> None:
        """Show another time range: every panel follows, through one new analysis."""
        from ipdash.domain.time_range import range_label

        self.range_days = days
        self.notify(f"Time range: {range_label(days)}", timeout=2)
        if self.store_history is not None and not self.store_history.covers(days):
            self.start_load()  # the stored history held does not reach back that far
            return
        self.reanalyse()

    def action_next_theme(self) -> None:
        self.theme = next_theme(self.theme_names, self.theme) or self.theme

    def watch_theme(self, _theme: str) -> None:
        # Cells carry colours resolved from the theme: draw them again in the new one.
        if self.data is not None and self._dashboard is not None and self._dashboard in self.screen_stack:
            self._show(self.data)

    def _show(self, data: DataReady) -> None:
        """Draw this data on the dashboard, and on the screen on top when it shows data too."""
        if not self.screen_stack:  # closing down: late results have nowhere to go
            return
        self.dashboard.show_data(data)
        screen = self.screen
        if screen is not self.dashboard and hasattr(screen, "show_data"):
            screen.show_data(data)

    def action_help(self) -> None:
        from ipdash.ui.palette import help_sections
        from ipdash.ui.screens.help import HelpScreen

        self.push_screen(HelpScreen(help_sections(self.BINDINGS)))  # type: ignore[arg-type]

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        from ipdash.ui.palette import palette_commands

        yield from super().get_system_commands(screen)
        if self.booted:
            yield from palette_commands(self)
