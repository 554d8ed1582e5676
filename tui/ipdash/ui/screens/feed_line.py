"""Enter on a breaches-feed line: the whole line, wrapped, with the preset and its sources.

The feed keeps a long value (an MTA's reply text runs to hundreds of characters) to two lines
ending "…"; here nothing is cut. `c` copies the line as one paste-able line of text. The alerts
and sources panels open their lines the same way (:class:`LineScreen`).
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


class LineScreen(ModalScreen[None]):
    """A table's line whole, one field a row, wrapped to the screen (the feed, alerts and sources
    panels cut long values to fit their width; here nothing is cut). ``c`` copies the line."""

    BINDINGS = [
        Binding("escape,q,enter", "app.pop_screen", "Back", id="feed_line.back"),
        Binding("c", "copy", "Copy line", id="feed_line.copy"),
        Binding("j", "scroll(1)", "Down", show=False, id="feed_line.down"),
        Binding("k", "scroll(-1)", "Up", show=False, id="feed_line.up"),
    ]
    DEFAULT_CSS = """
    LineScreen { align: center middle; }
    LineScreen #feed-line-body {
        width: 90%; max-width: 100; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    """
    LINE_TITLE = "Line"
    COPIED = "Copied the line to the clipboard."

    def fields(self) -> list[tuple[str, Text]]:
        """(label, value) rows, in order."""
        raise NotImplementedError

    def line_text(self) -> str:
        """The line as one line of text a user can paste into a ticket."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        table = Table(box=None, pad_edge=False, show_header=False, expand=True)
        fields = self.fields()
        table.add_column(
            "field", style="bold", width=max(9, *(len(label) for label, _ in fields)), no_wrap=True
        )
        table.add_column("value", overflow="fold")
        for label, value in fields:
            table.add_row(label, value)
        self.table = table
        with VerticalScroll(id="feed-line-body"):
            yield Static(table, id="feed-line")

    def on_mount(self) -> None:
        body = self.query_one("#feed-line-body")
        body.border_title = self.LINE_TITLE
        body.border_subtitle = "c copies · esc closes"

    def action_scroll(self, lines: int) -> None:
        self.query_one("#feed-line-body", VerticalScroll).scroll_relative(y=lines, animate=False)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.line_text())
        self.notify(self.COPIED, timeout=3)


class FeedLineScreen(LineScreen):
    LINE_TITLE = "Breach"
    COPIED = "Copied the breach line to the clipboard."

    def __init__(self, item: FeedItem) -> None:
        super().__init__()
        self.item = item

    def fields(self) -> list[tuple[str, Text]]:
        item = self.item
        label, tone = SEVERITY_LABELS.get(item.severity, (item.severity, "plain"))
        rows = [
            ("Severity", toned(self.app, label, tone)),
            ("IP", plain(item.ip)),
            ("What", plain(item.what)),
            ("Value", plain(item.detail)),
            ("Since", Text(item.since.isoformat() if item.since else "—")),
            ("Source", plain(item.source)),  # the preset (or signal) and where its rule comes from
        ]
        if item.reason and item.reason != item.detail:
            rows.append(("Why", plain(item.reason)))
        return rows

    def line_text(self) -> str:
        return feed_line_text(self.item)


class FieldsLineScreen(LineScreen):
    """A line given as its fields (label, value) and its text to copy."""

    def __init__(self, title: str, fields: list[tuple[str, Text]], line: str) -> None:
        super().__init__()
        self.LINE_TITLE = title
        self._fields, self._line = fields, line

    def fields(self) -> list[tuple[str, Text]]:
        return self._fields

    def line_text(self) -> str:
        return self._line
