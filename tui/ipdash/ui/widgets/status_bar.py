"""The status line: sources and their state, last load, row errors, theme, load progress."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static

from ipdash.domain.models import Dataset, SourceState
from ipdash.ui.tones import toned
from ipdash.ui.widgets.fit_columns import path_ellipsis

_STATE = {
    SourceState.FRESH: ("✓", "ok"),
    SourceState.LOADING: ("…", "muted"),
    SourceState.STALE: ("▲ stale", "warn"),
    SourceState.FAILED: ("✗ failed", "bad"),
}


def humanise_age(seconds: float) -> str:
    if seconds < 60:
        return f"{int(seconds)}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h"
    return f"{int(seconds // 86400)}d"


class StatusBar(Horizontal):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $foreground; padding: 0 1; }
    StatusBar #status-text { width: 1fr; height: 1; }
    StatusBar ProgressBar { width: 36; height: 1; display: none; }
    StatusBar.-loading ProgressBar { display: block; }
    """

    def __init__(self, clock: Callable[[], datetime], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.clock = clock
        self._shown: tuple[Dataset, datetime, str, str | None] | None = None

    def compose(self) -> ComposeResult:
        yield Static("loading…", id="status-text")
        yield ProgressBar(total=100, show_eta=False, id="load-progress")

    def show_progress(self, label: str, done: int, total: int) -> None:
        self.add_class("-loading")
        bar = self.query_one(ProgressBar)
        bar.update(total=max(total, 1), progress=done)
        self.query_one("#status-text", Static).update(f"loading {label}…")

    def show(self, dataset: Dataset, loaded_at: datetime, theme: str, replay: str | None = None) -> None:
        self.remove_class("-loading")
        self._shown = (dataset, loaded_at, theme, replay)
        self._draw()

    def on_resize(self) -> None:
        if self._shown is not None and not self.has_class("-loading"):
            self._draw()

    def _draw(self) -> None:
        """The whole line when it fits; else, in turn, theme and help go (the footer has ``?``),
        long source names are cut in the middle, fresh sources are counted instead of named (a
        stale or failed one keeps its name and state), and the load time loses its age. Row
        errors and every source's state stay in view."""
        assert self._shown is not None
        dataset, loaded_at, theme, replay = self._shown
        room = self.content_size.width  # the progress bar beside the text is hidden once loaded
        text = Text()
        for step in range(5):
            text = self._line(dataset, loaded_at, theme, replay, step)
            if not room or text.cell_len <= room:
                break
        self.query_one("#status-text", Static).update(text)

    def _line(self, dataset: Dataset, loaded_at: datetime, theme: str, replay: str | None, step: int) -> Text:
        text = Text()
        now = self.clock()
        fresh = [info for info in dataset.sources if info.state is SourceState.FRESH]
        if step >= 3 and fresh:
            text.append(f"{len(fresh)} sources ")
            text.append_text(toned(self.app, "✓", "ok"))
            text.append("  ")
        for info in dataset.sources:
            if step >= 3 and info.state is SourceState.FRESH:
                continue
            symbol, tone = _STATE[info.state]
            text.append(f"{path_ellipsis(info.name, 24) if step >= 2 else info.name} ")
            text.append_text(toned(self.app, symbol, tone))
            if info.state is SourceState.STALE and info.fetched_at is not None:
                text.append_text(
                    toned(self.app, f" {humanise_age((now - info.fetched_at).total_seconds())}", tone)
                )
            text.append("  ")
        row_errors = sum(info.row_errors for info in dataset.sources)
        age = humanise_age((now - loaded_at).total_seconds())
        text.append(
            f"│ loaded {loaded_at:%H:%M:%S} ({age} ago) │ " if step < 4 else f"│ {loaded_at:%H:%M} │ "
        )
        text.append_text(toned(self.app, f"{row_errors} row errors", "warn" if row_errors else "muted"))
        if row_errors:
            text.append(" (e)")
        if replay:
            text.append(f" │ replay {replay}")
        if step < 1:
            text.append(f" │ theme {theme} │ ? help")
        return text


def sources_table(app: App[object], dataset: Dataset, now: datetime) -> Table:
    """Each loaded source with its state, when it was read, rows, skipped rows and why."""
    table = Table(
        box=None,
        pad_edge=False,
        expand=True,
        header_style="bold",
        title="Files and sources as loaded",
        title_justify="left",
    )
    row_errors = sum(info.row_errors for info in dataset.sources)
    if row_errors:
        table.caption = f"e: read the {row_errors:,} skipped rows (file:line:column and why)"
        table.caption_justify = "left"
    for name in ("source", "kind", "state", "read", "rows", "skipped", "detail"):
        table.add_column(name, justify="right" if name in ("rows", "skipped") else "left", overflow="fold")
    for info in dataset.sources:
        symbol, tone = _STATE[info.state]
        word = {SourceState.FRESH: " fresh"}.get(info.state, "")
        if info.state is SourceState.FRESH and info.row_errors:  # read, but not all of it
            symbol, tone = "▲", "warn"
        read = f"{humanise_age((now - info.fetched_at).total_seconds())} ago" if info.fetched_at else "never"
        table.add_row(
            info.name,
            info.kind,
            toned(app, symbol + word, tone),
            read,
            f"{info.rows:,}",
            toned(app, f"{info.row_errors:,}", "warn" if info.row_errors else "muted"),
            info.detail or "—",
        )
    return table
