"""The main screen: IP table, the selected IP's summary, the breaches feed, the status bar."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static, TabbedContent, TabPane

from ipdash.gc_pauses import bulk_allocation
from ipdash.ui.messages import DataReady
from ipdash.ui.tones import plain
from ipdash.ui.widgets.accounts_panel import AccountsPanel
from ipdash.ui.widgets.alerts_panel import AlertsPanel
from ipdash.ui.widgets.breach_feed import BreachFeed
from ipdash.ui.widgets.domains_panel import DomainsPanel, DomainsView
from ipdash.ui.widgets.frame_turns import drawing, watch_loop
from ipdash.ui.widgets.ip_panels import breaches_text, facts_text, provider_table, score_breakdown, score_text
from ipdash.ui.widgets.ip_table import IpTable
from ipdash.ui.widgets.status_bar import StatusBar, sources_table
from ipdash.ui.widgets.steady_footer import SteadyFooter
from ipdash.ui.widgets.steady_scrollbars import LaidOutScroll, LaidOutStatic

if TYPE_CHECKING:
    from ipdash.domain.analysis import IpAnalysis
    from ipdash.domain.models import SourceInfo
    from ipdash.sources.alert_board import ScreenAlert


#: Rows the dashboard keeps for everything but the IP table: title, status, footer, 8 for the panels.
TABLE_SPARE_ROWS = 11
#: The terminal size (columns, rows) from which the selected-IP panel shows beside the tabs.
SIDE_PANEL_FROM = (140, 32)


class DashboardScreen(Screen[None]):
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="filter"),
        Binding("enter", "detail", "Detail", id="detail", show=True),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="clear_filter"),
        Binding("1", "show_panel('tab-breaches')", "Breaches", show=False, id="panel_breaches"),
        Binding("2", "show_panel('tab-warmup')", "Warm-up", show=False, id="panel_warmup"),
        Binding("3", "show_panel('tab-sources')", "Sources", show=False, id="panel_sources"),
        Binding("4", "show_panel('tab-domains')", "Domains", show=False, id="panel_domains"),
        Binding("5", "show_panel('tab-accounts')", "Account & domains", show=False, id="panel_accounts"),
        Binding("e", "row_errors", "Row errors", show=False, id="row_errors"),
        Binding("6", "show_panel('tab-alerts')", "Alerts", show=False, id="panel_alerts"),
        Binding("a", "acknowledge", "Acknowledge alert", show=False, id="acknowledge"),
        Binding("p", "pool", "Pool view", show=False, id="pool"),
    ]

    #: Seconds after a filter during which keystrokes wait (then the last text typed is applied once):
    #: a burst of typing filters at its first key and at its end, not at every key.
    FILTER_DEBOUNCE = 0.08
    #: Seconds after the selected-IP panel followed the cursor on a big table during which further
    #: moves wait (then it follows the last one once).
    SELECTED_DEBOUNCE = 0.08

    def __init__(self, clock: Callable[[], datetime]) -> None:
        super().__init__()
        self.clock = clock
        self.pending_filter: str | None = None  # typed, not applied yet
        self.filters_applied = 0
        self._filter_timer: Timer | None = None
        self._selected_timer: Timer | None = None
        self._selected_owed = False  # the cursor moved on a big table: the panel follows (show_selected_soon)
        self._panel_for: tuple[object, ...] | None = None  # what the selected-IP panel shows now
        self.data: DataReady | None = None
        self.checking: frozenset[str] = frozenset()
        self.stale: dict[str, list[SourceInfo]] = {}  # IP -> stale sources its data came from
        self._mounted = False

    def compose(self) -> ComposeResult:
        yield Static("ipdash", id="title-bar")
        with Vertical(id="main"):
            yield Input(
                placeholder="filter: IP, pool, provider, band… (enter keeps, escape clears)", id="filter"
            )
            yield IpTable(id="ip-table")
        with Horizontal(id="bottom"):
            with LaidOutScroll(id="side"):
                yield LaidOutStatic(id="side-facts")
                yield LaidOutStatic(id="side-score")
                yield LaidOutStatic(id="side-providers")
                yield LaidOutStatic(id="side-breakdown")
                yield LaidOutStatic(id="side-breaches")
            with TabbedContent(id="panels", initial="tab-breaches"):
                with TabPane("1 Breaches", id="tab-breaches"):
                    yield BreachFeed(id="feed")
                with TabPane("2 Warm-up", id="tab-warmup"):
                    yield Vertical(id="warmup-host")
                with TabPane("3 Sources", id="tab-sources"), VerticalScroll(id="sources-host"):
                    yield Static(id="file-sources")
                with TabPane("4 Domains", id="tab-domains"):
                    yield DomainsPanel(id="domains-panel")
                with TabPane("5 Account & domains", id="tab-accounts"), VerticalScroll():
                    yield AccountsPanel(id="accounts-panel")
                with TabPane("6 Alerts", id="tab-alerts"):
                    yield AlertsPanel(id="alerts-panel")
        yield StatusBar(self.clock, id="status")
        yield SteadyFooter()

    def on_mount(self) -> None:
        import asyncio

        # The threads that format cells and feed lines wait while the loop has work (frame_turns).
        self._unwatch_loop = watch_loop(asyncio.get_running_loop())
        self.query_one("#side").border_title = "Selected IP"
        self.query_one(IpTable).focus()
        self.set_interval(5, self.refresh_status)  # keeps "loaded … ago" honest
        self._mounted = True
        if self.data is not None:  # it arrived before the screen was composed (a slow machine)
            self.show_data(self.data)
        control = getattr(self.app, "alerts", None)
        if control is not None and control.alerts:
            self.show_alerts(control.alerts, control.problem)

    def _on_timer_update(self) -> None:
        # A frame: the threads formatting cells and feed lines wait at their next chunk, so the loop
        # is not handed the interpreter's lock a few ms at a time while it draws (frame_turns).
        with drawing():
            super()._on_timer_update()

    def on_unmount(self) -> None:
        self._mounted = False  # the app is closing: late data has nowhere to go
        self._unwatch_loop()

    def on_resize(self) -> None:
        # Under 140×32 the selected-IP panel gives way to the feed and tabs (enter opens the detail):
        # beside it they would be too narrow for the feed's values. The table fits its own columns.
        self.set_class(
            self.size.width < SIDE_PANEL_FROM[0] or self.size.height < SIDE_PANEL_FROM[1], "-narrow"
        )
        # The table takes the rows it needs (height: auto) up to what leaves the panels below 8 rows.
        self.table.styles.max_height = max(6, self.size.height - TABLE_SPARE_ROWS)

    @property
    def table(self) -> IpTable:
        return self.query_one(IpTable)

    @bulk_allocation()
    def show_data(self, data: DataReady) -> None:
        if not self.query("#title-bar"):  # mounted, but its children are not yet (slow machines)
            self.call_after_refresh(self.show_data, data)
            return
        self.data = data
        if not self._mounted:
            return
        self.stale = data.stale_by_ip
        window = data.analysis.window
        title = Text("ipdash", style="bold")
        title.append(f"  {data.origin}")
        if window:
            from ipdash.domain.time_range import short_label

            title.append(f"  range {short_label(data.range_days)} ([ ]): {window.start} .. {window.end}")
            title.append(f" ({window.days} days)")
        if data.replay_day:
            title.append(f"  ▶ demo replay: {data.replay_day}")
        self.query_one("#title-bar", Static).update(title)
        self._show_rows(data)
        self._show_feed()
        self.query_one(AccountsPanel).show(data.analysis.accounts)
        self._show_warmups()
        self.refresh_sources()  # the Sources tab may have been opened before the data arrived
        self._start_domain_checks()
        self.refresh_status()
        self.show_selected()
        ready = getattr(self.app, "ready", None)
        if ready is not None:
            ready.set()

    def show_progress(self, label: str, done: int, total: int) -> None:
        if self._mounted:  # progress can arrive before the screen is composed (slow machines)
            self.query_one(StatusBar).show_progress(label, done, total)

    def _show_feed(self) -> None:
        """The breaches feed follows the filter: only the lines of the IPs the table shows."""
        if self.data is None:
            return
        from ipdash.ui.widgets.row_search import filtered_feed

        table = self.table
        self.query_one(BreachFeed).show(
            filtered_feed(self.data.analysis.feed, table.visible_ips(), table.filter_text)
        )

    def show_checking(self, checking: frozenset[str], done: int, total: int) -> None:
        """A blocklist run started or moved on: "… checking" cells, and its progress in the status bar."""
        self.checking = checking
        if not self._mounted:
            return
        self.query_one(StatusBar).show_progress("blocklists", done, total)
        if self.data is not None:
            self._show_rows(self.data)

    def _show_rows(self, data: DataReady) -> None:
        """The table's rows: as the data came (made in its worker) unless a blocklist run is going
        on (its "… checking" cells are made here)."""
        if not self.checking:
            self.table.show(data.analysis, rows=data.rows)
            return
        from ipdash.ui.widgets.blocklist_panel import blocklist_cells  # judging code: not on first frame

        self.table.show(data.analysis, data.warmups, blocklist_cells(data.analysis, self.checking))

    def show_alerts(self, alerts: Sequence[ScreenAlert], note: str = "") -> None:
        if not self._mounted:
            return
        try:
            self.query_one(AlertsPanel).show(alerts, note)
            new = sum(1 for alert in alerts if not alert.acknowledged)
            self.query_one(TabbedContent).get_tab("tab-alerts").label = (
                f"6 Alerts {new}" if new else "6 Alerts"
            )
        except NoMatches:  # alerts judged as the app shuts down, after the panel was removed
            return

    def action_acknowledge(self) -> None:
        """`a`: acknowledge the alert under the cursor in the Alerts tab (the tab opens first)."""
        tabs = self.query_one(TabbedContent)
        if tabs.active != "tab-alerts":
            tabs.active = "tab-alerts"
            self.query_one(AlertsPanel).focus()  # arrows and j/k pick the alert to acknowledge
            return
        alert = self.query_one(AlertsPanel).highlighted
        if alert is not None:
            self.app.alerts.acknowledge(alert)  # type: ignore[attr-defined]

    def action_pool(self) -> None:
        """`p`: the selected IP's pool, its IPs side by side."""
        ip = self.table.selected_ip
        if ip is None or self.data is None:
            return
        from ipdash.ui.screens.pool import PoolScreen

        self.app.push_screen(PoolScreen(self.data, ip))

    def action_show_panel(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "tab-warmup":
            self._show_warmups()
        elif event.pane.id == "tab-sources":
            self.refresh_sources()
        elif event.pane.id == "tab-alerts":
            self.query_one(AlertsPanel).show_pending()  # drawn when shown: see AlertsPanel.show
        self.set_class(
            event.pane.id in ("tab-domains", "tab-alerts"), "-wide-panel"
        )  # domains × checks needs the width
        self._start_domain_checks()

    def set_domains(self, view: DomainsView) -> None:
        """New sending-domain results (or a check starting): the Domains tab follows."""
        if not self._mounted:
            return
        self.query_one(DomainsPanel).show(view)

    def on_domains_panel_recheck_requested(self, message: DomainsPanel.RecheckRequested) -> None:
        message.stop()
        control = getattr(self.app, "domains", None)
        if control is not None:
            control.start(again=True)

    def _start_domain_checks(self) -> None:
        """The first time the Domains tab is open with data loaded (the checks need the IPs' pools)."""
        control = getattr(self.app, "domains", None)
        if (
            control is not None
            and self.data is not None
            and self.query_one(TabbedContent).active == "tab-domains"
        ):
            control.start()

    def refresh_sources(self) -> None:
        """Every source: files as loaded, providers as polled (last success, next poll, last error)."""
        if not self._mounted or self.data is None or self.query_one(TabbedContent).active != "tab-sources":
            return
        self.query_one("#file-sources", Static).update(
            sources_table(self.app, self.data.dataset, self.clock())
        )
        live = getattr(self.app, "live", None)
        poller = live.poller if live is not None else None
        host = self.query_one("#sources-host")
        if poller is not None and not host.query("SourcesPanel"):
            from ipdash.ui.widgets.sources_panel import SourcesPanel

            host.mount(SourcesPanel(poller, clock=self.clock))

    def _show_warmups(self) -> None:
        """The warm-up panel (charts: plotext) is built the first time its tab is opened."""
        if not self._mounted or self.data is None or self.query_one(TabbedContent).active != "tab-warmup":
            return
        from ipdash.ui.widgets.warmup_panel import WarmupPanel

        host = self.query_one("#warmup-host")
        panels = host.query(WarmupPanel)
        panel = panels.first() if panels else WarmupPanel()
        if not panels:
            host.mount(panel)
        panel.show(list(self.data.warmups.values()))

    def refresh_status(self) -> None:
        if not self._mounted or self.data is None:
            return
        replay = self.data.replay_day.isoformat() if self.data.replay_day else None
        self.query_one(StatusBar).show(self.data.dataset, self.data.loaded_at, self.app.theme, replay)

    def show_selected(self) -> None:
        ip = self.table.selected_ip
        # The panel is ~0.1 s of Rich layout: drawn again only when what it shows changed (a
        # filter or a sort that keeps the cursor's IP, or a backspace, leaves it as it is).
        shown_for = (ip, self.data, self.app.theme, self.table.filter_text if ip is None else "")
        # The data by identity: a new analysis is another object, and comparing two analyses of
        # 10,000 IPs field by field stalled the loop 60-100 ms per data update.
        if self._panel_for is not None and self._panel_for[1] is self.data and self._panel_for == shown_for:
            return
        self._panel_for = shown_for
        if self.data is None or ip is None:
            for part in ("facts", "score", "breakdown", "providers", "breaches"):
                self.query_one(f"#side-{part}", Static).update("")
            self.query_one("#side").border_title = "Selected IP"
            if self.data is not None and self.data.analysis.ips and self.table.filter_text:
                note = f"No IP matches “{self.table.filter_text}” (escape clears the filter)."
                self.query_one("#side-facts", Static).update(plain(note, "italic"))
            if self.data is not None and not self.data.analysis.ips:
                self.query_one("#side-facts", Static).update(self._no_data_text())
            return
        analysis = self.data.analysis.ips[ip]
        self.query_one("#side").border_title = ip
        self.query_one("#side-facts", Static).update(self._facts(analysis))
        self.query_one("#side-score", Static).update(score_text(self.app, analysis))
        self.query_one("#side-breakdown", Static).update(score_breakdown(self.app, analysis))
        self.query_one("#side-providers", Static).update(provider_table(self.app, analysis))
        self.query_one("#side-breaches", Static).update(breaches_text(self.app, analysis))

    def _facts(self, analysis: IpAnalysis) -> Text:
        text = facts_text(self.app, analysis)
        stale = self.stale.get(analysis.ip)
        if stale:
            from ipdash.ui.stale import stale_note
            from ipdash.ui.tones import toned

            text.append("\n")
            text.append_text(toned(self.app, stale_note(stale, self.clock()), "warn"))
        return text

    def _no_data_text(self) -> Text:
        assert self.data is not None
        failed = [s for s in self.data.dataset.sources if s.detail]
        text = Text("No sending data loaded.\n", style="bold")
        for info in failed:
            text.append(f"{info.name}: {info.detail}\n")
        return text

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table is self.table:
            self.show_selected_soon()

    def show_selected_soon(self) -> None:
        """The selected-IP panel now, or on a big table as the filter follows typing: the first move
        after a quiet spell draws it right after the table's repaint; moves within
        ``SELECTED_DEBOUNCE`` of that wait, and the panel follows the last of them once at the
        window's end (page down, `end` or a held `j` repaint the table at once, and the panel,
        ≈ 20 ms of Rich layout, is drawn at most once a window)."""
        if len(self.table.row_data) <= self.table.SYNC_ROWS:
            self.show_selected()
            return
        self._selected_owed = True
        if self._selected_timer is None:
            self._selected_timer = self.set_timer(self.SELECTED_DEBOUNCE, self._selected_window_ended)
            self.call_after_refresh(self._show_owed_panel)  # the table's repaint first

    @property
    def selected_pending(self) -> bool:
        """The cursor moved and the selected-IP panel has not followed yet."""
        return self._selected_owed

    def _show_owed_panel(self) -> None:
        if self._selected_owed:
            self._selected_owed = False
            self.show_selected()

    def _selected_window_ended(self) -> None:
        self._selected_timer = None
        if self._selected_owed:  # moved during the window: drawn now, a new window
            self._show_owed_panel()
            self._selected_timer = self.set_timer(self.SELECTED_DEBOUNCE, self._selected_window_ended)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table is self.table:
            self.action_detail()

    def action_detail(self) -> None:
        ip = self.table.selected_ip
        if ip is None or self.data is None:
            return
        from ipdash.ui.screens.detail import IpDetailScreen

        self.app.push_screen(IpDetailScreen(self.data, ip, self.checking))

    def action_row_errors(self) -> None:
        """Every skipped row of every file (file:line:column, reason), scrollable and copyable."""
        if self.data is None:
            return
        from ipdash.ui.screens.row_errors import RowErrorsScreen

        self.app.push_screen(RowErrorsScreen(self.data.dataset.errors, self.data.dataset.sources))

    async def action_filter(self) -> None:
        """`/`: the filter box opens, takes the focus, and the footer shows its keys, in one layout
        (Textual's own way: the box, then the focus after a call, then the footer after two
        refreshes — three full layouts, 30-90 ms at 10,000 IPs)."""
        box = self.query_one("#filter", Input)
        await self._in_one_layout(lambda: box.add_class("-visible"), box)

    async def action_clear_filter(self) -> None:
        """Escape: every row back, the box closed and the focus on the table, in one layout."""
        box = self.query_one("#filter", Input)

        def close() -> None:
            box.value = ""
            box.remove_class("-visible")
            self.pending_filter = ""
            self.apply_filter()

        await self._in_one_layout(close, self.table)

    async def _in_one_layout(self, change: Callable[[], object], focus: Widget) -> None:
        """``change``, the focus moved to ``focus`` and the footer's keys following it, inside one
        batch update: one full layout of the screen for the three."""
        footer = self.query_one(SteadyFooter)

        def end_batch() -> None:
            footer._check_refresh()  # the footer's layout asked for now, not when it next idles
            self.app._end_batch()

        self.app._begin_batch()
        try:
            change()
            self.set_focus(focus)  # now, not after a call (Widget.focus)
            await footer.follow_bindings()
        finally:
            # After Textual's own callback for the old keys' removal (queued by the recompose),
            # which asks for the footer's layout again: ended sooner, that was a second layout.
            self.app.call_next(end_batch)

    @property
    def filter_pending(self) -> bool:
        return self.pending_filter is not None

    def on_input_changed(self, event: Input.Changed) -> None:
        """The first keystroke after a quiet spell filters at once, in the same frame as the typed
        character; keys typed within ``FILTER_DEBOUNCE`` of a filter wait, and the last text typed
        is applied once when the window ends (a burst of typing filters at its start and its end)."""
        if event.input.id == "filter":
            self.pending_filter = event.value
            if self._filter_timer is None:
                self.apply_filter()
                self._filter_timer = self.set_timer(self.FILTER_DEBOUNCE, self._filter_window_ended)

    def _filter_window_ended(self) -> None:
        self._filter_timer = None
        if self.pending_filter is not None:  # typed during the window: applied now, a new window
            self.apply_filter()
            self._filter_timer = self.set_timer(self.FILTER_DEBOUNCE, self._filter_window_ended)

    def apply_filter(self) -> None:
        """The filter as typed so far, now (a keystroke after a quiet spell, the debounce window's
        end, enter and escape call this)."""
        if self.pending_filter is None:
            return
        text, self.pending_filter = self.pending_filter, None
        self.filters_applied += 1
        self.table.set_filter(text)
        self._show_feed()
        self.show_selected_soon()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self.apply_filter()
            if not event.value:
                event.input.remove_class("-visible")
            self.table.focus()
