"""The sources view: each source's state, last success, next poll and last error.

Stale data says so, with its age ("▲ stale 2h"): never shown as fresh, never as 0.
Rows update in place by source name, so the cursor stays put while polls land.
``r`` asks for a poll now (the attached Poller, and a ``PollRequested`` message).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from ipdash.domain.models import SourceState
from ipdash.sources.providers.base import utc_now
from ipdash.sources.providers.polling import Poller, SourceStatus
from ipdash.ui.tones import plain, toned
from ipdash.ui.widgets.fit_columns import ColumnFit, FittedLines
from ipdash.ui.widgets.status_bar import humanise_age

COLUMNS = ("source", "kind", "state", "last success", "next poll", "last error")
#: The last error keeps 20 cells and wraps to two lines (enter shows the source whole): next poll
#: goes first, then kind; the name narrows; then last success goes (the state gives the age).
FIT = ColumnFit(
    "last error",
    (("next poll", None), ("kind", None), ("source", 16), ("last success", None)),
)


def state_label(status: SourceStatus, now: datetime) -> tuple[str, str]:
    """(text, tone) for a source's state; the text alone says it (symbol and word)."""
    if status.polling:
        prefix = "… polling"
        if status.last_success is None:
            return prefix, "muted"
    state = status.state(now)
    age = status.age(now)
    if state is SourceState.FRESH:
        text, tone = f"✓ fresh {humanise_age(age.total_seconds())}" if age is not None else "✓ fresh", "ok"
    elif state is SourceState.STALE:
        text, tone = f"▲ stale {humanise_age(age.total_seconds())}" if age is not None else "▲ stale", "warn"
    elif state is SourceState.FAILED:
        text, tone = "✗ failed, no data yet", "bad"
    else:
        text, tone = "? not polled yet", "muted"
    if status.polling:
        text = f"… polling ({text})"
    return text, tone


def when_label(moment: datetime | None, now: datetime, *, future: bool = False) -> str:
    if moment is None:
        return "never" if not future else "—"
    delta = (moment - now) if future else (now - moment)
    if future:
        return "due now" if delta <= timedelta(0) else f"in {humanise_age(delta.total_seconds())}"
    return f"{moment.astimezone().strftime('%Y-%m-%d %H:%M')} ({humanise_age(max(0.0, delta.total_seconds()))} ago)"


def error_label(status: SourceStatus) -> str:
    if not status.last_error:
        return "—"
    current = "" if status.failure_kind else "earlier: "
    kind = f"{status.failure_kind}: " if status.failure_kind else ""
    return f"{current}{kind}{status.last_error}"


class SourcesPanel(Vertical):
    DEFAULT_CSS = """
    SourcesPanel { height: auto; border: round $primary; padding: 0 1; }
    SourcesPanel #sources-summary { height: 1; color: $text-muted; }
    SourcesPanel.-stale #sources-summary { color: $warning; }
    SourcesPanel.-failed #sources-summary { color: $error; }
    SourcesPanel DataTable { height: auto; max-height: 20; }
    """
    BINDINGS = [Binding("r", "poll_now", "Poll now")]

    class PollRequested(Message):
        """The user asked for every source to be polled now."""

    def __init__(
        self,
        poller: Poller | None = None,
        *,
        clock: Callable[[], datetime] = utc_now,
        tick_seconds: float = 1.0,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.poller = poller
        self.clock = clock
        self.tick_seconds = tick_seconds
        self._statuses: dict[str, SourceStatus] = {}
        self.border_title = "Sources"

    def compose(self) -> ComposeResult:
        yield Static("no sources configured", id="sources-summary")
        columns = [(name, name) for name in COLUMNS]
        yield FittedLines(columns, FIT, id="sources-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        if self.poller is not None:
            self.show(self.poller.status.values())
        self.set_interval(self.tick_seconds, self._tick)

    def _tick(self) -> None:
        # Ages and "next poll" move with the clock even when nothing was polled.
        self.show(self.poller.status.values() if self.poller is not None else self._statuses.values())

    def show(self, statuses: Iterable[SourceStatus]) -> None:
        """Draw these statuses (in place: existing rows are updated, the cursor stays)."""
        now = self.clock()
        fresh = {status.name: status for status in statuses}
        rows = [(name, self._cells(status, now)) for name, status in fresh.items()]
        self.query_one(FittedLines).show_rows(rows, keep_cursor=True)
        self._statuses = fresh
        self._summarise(now)

    def _summarise(self, now: datetime) -> None:
        states = [status.state(now) for status in self._statuses.values()]
        counts = {state: states.count(state) for state in SourceState}
        parts = [f"{len(states)} sources"]
        for state, label in (
            (SourceState.FRESH, "✓ fresh"),
            (SourceState.STALE, "▲ stale"),
            (SourceState.FAILED, "✗ failed"),
            (SourceState.LOADING, "? not polled yet"),
        ):
            if counts[state]:
                parts.append(f"{counts[state]} {label}")
        self.query_one("#sources-summary", Static).update(
            " · ".join(parts) if states else "no sources configured"
        )
        self.set_class(counts[SourceState.STALE] > 0, "-stale")
        self.set_class(counts[SourceState.FAILED] > 0, "-failed")

    def _cells(self, status: SourceStatus, now: datetime) -> list[Text]:
        text, tone = state_label(status, now)
        next_poll = when_label(status.next_poll, now, future=True) if not status.polling else "polling now"
        return [
            plain(status.name),
            plain(status.kind),
            toned(self.app, text, tone),
            Text(when_label(status.last_success, now)),
            Text(next_poll),
            plain(error_label(status)),
        ]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a source: every field whole (a long error wraps in full)."""

        event.stop()
        self.action_whole_line()

    def action_whole_line(self) -> None:
        from ipdash.ui.screens.feed_line import FieldsLineScreen

        statuses = list(self._statuses.values())
        row = self.query_one(FittedLines).cursor_row
        if 0 <= row < len(statuses):
            cells = self._cells(statuses[row], self.clock())
            fields = [(label.capitalize(), cell) for label, cell in zip(COLUMNS, cells, strict=True)]
            line = " · ".join(f"{label}: {cell.plain}" for label, cell in fields)
            self.app.push_screen(FieldsLineScreen("Source", fields, line))

    def action_poll_now(self) -> None:
        if self.poller is not None:
            self.poller.poll_now()
        self.post_message(self.PollRequested())
