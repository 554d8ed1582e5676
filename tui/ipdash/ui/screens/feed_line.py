"""Enter on a breaches-feed line: the whole line, wrapped, with the preset and its sources.

The feed keeps a long value (an MTA's reply text runs to hundreds of characters) to two lines
ending "…"; here nothing is cut. `c` copies the line as one paste-able line of text.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ipdash.domain.feed import FeedItem
from ipdash.ui.tones import plain, toned
from ipdash.ui.widgets.breach_feed import SEVERITY_LABELS


def feed_line_text(item: FeedItem) -> str:
    """One line a user can paste into a ticket: severity, IP or scope, what, value, since, preset."""
    since = f" since {item.since.isoformat()}" if item.since else ""
    return f"{item.severity} {item.ip} {item.what}: {item.detail}{since} ({item.source})"


class FeedLineScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,enter", "app.pop_screen", "Back", id="feed_line.back"),
        Binding("c", "copy", "Copy line", id="feed_line.copy"),
        Binding("j", "scroll(1)", "Down", show=False, id="feed_line.down"),
        Binding("k", "scroll(-1)", "Up", show=False, id="feed_line.up"),
    ]
    DEFAULT_CSS = """
    FeedLineScreen { align: center middle; }
    FeedLineScreen #feed-line-body {
        width: 90%; max-width: 100; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, item: FeedItem) -> None:
        super().__init__()
        self.item = item

    def compose(self) -> ComposeResult:
        item = self.item
        label, tone = SEVERITY_LABELS.get(item.severity, (item.severity, "plain"))
        table = Table(box=None, pad_edge=False, show_header=False, expand=True)
        table.add_column("field", style="bold", width=9, no_wrap=True)
        table.add_column("value", overflow="fold")
        table.add_row("Severity", toned(self.app, label, tone))
        table.add_row("IP", plain(item.ip))
        table.add_row("What", plain(item.what))
        table.add_row("Value", plain(item.detail))
        table.add_row("Since", Text(item.since.isoformat() if item.since else "—"))
        table.add_row("Source", plain(item.source))  # the preset (or signal) and where its rule comes from
        if item.reason and item.reason != item.detail:
            table.add_row("Why", plain(item.reason))
        self.table = table
        with VerticalScroll(id="feed-line-body"):
            yield Static(table, id="feed-line")

    def on_mount(self) -> None:
        body = self.query_one("#feed-line-body")
        body.border_title = "Breach"
        body.border_subtitle = "c copies · esc closes"

    def action_scroll(self, lines: int) -> None:
        self.query_one("#feed-line-body", VerticalScroll).scroll_relative(y=lines, animate=False)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(feed_line_text(self.item))
        self.notify("Copied the breach line to the clipboard.", timeout=3)
