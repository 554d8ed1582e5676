"""`e` from the dashboard: every skipped row of every file, as file:line:column and why.

A scrollable table; `c` copies the highlighted error, `C` all of them (the terminal's clipboard,
OSC 52), so a user can paste them into a ticket or fix the file. Text from the files is shown
as plain text (already made safe at the Dataset boundary), never as markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ipdash.domain.models import RowError, SourceInfo
from ipdash.sources.csv_stats import MAX_KEPT_ERRORS
from ipdash.ui.tones import plain

COLUMNS = (("where", "File:line:column"), ("reason", "Reason"))


def error_line(error: RowError) -> str:
    """One error as a line a user can paste: ``stats.csv:12:3: sent: not a whole number``."""
    column = f"{error.column_name}: " if error.column_name else ""
    return f"{error.location()}: {column}{error.message}"


def not_kept(sources: Sequence[SourceInfo], errors: Sequence[RowError]) -> int:
    """Errors counted but not kept (a file keeps its first MAX_KEPT_ERRORS)."""
    return max(0, sum(info.row_errors for info in sources) - len(errors))


class RowErrorsScreen(Screen[None]):
    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back", id="back"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("c", "copy_one", "Copy error", id="copy_error"),
        Binding("C", "copy_all", "Copy all", id="copy_all_errors"),
    ]
    DEFAULT_CSS = """
    RowErrorsScreen #row-errors-summary { height: auto; padding: 0 1; color: $text-muted; }
    RowErrorsScreen DataTable { height: 1fr; border: round $primary 50%; }
    """

    def __init__(self, errors: Sequence[RowError], sources: Sequence[SourceInfo]) -> None:
        super().__init__()
        self.errors = list(errors)
        self.sources = list(sources)

    def compose(self) -> ComposeResult:
        yield Static(self._summary(), id="row-errors-summary")
        table: DataTable[Text] = DataTable(id="row-errors", cursor_type="row", zebra_stripes=True)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.border_title = "Row errors"
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        for index, error in enumerate(self.errors):
            table.add_row(plain(error.location()), plain(error.message), key=str(index))
        table.focus()

    def _summary(self) -> str:
        if not self.errors:
            return "No row errors: every row of every file was read."
        files = sorted({error.file for error in self.errors})
        text = f"{len(self.errors):,} rows skipped in {len(files)} file(s); the rest loaded."
        dropped = not_kept(self.sources, self.errors)
        if dropped:
            text += f" {dropped:,} more were counted but not kept (the first {MAX_KEPT_ERRORS:,} per file)."
        return text + "  c copies the highlighted error, C all of them."

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()

    def action_copy_one(self) -> None:
        table = self.query_one(DataTable)
        if not self.errors or not 0 <= table.cursor_row < len(self.errors):
            return
        self.app.copy_to_clipboard(error_line(self.errors[table.cursor_row]))
        self.notify("Copied 1 row error to the clipboard.", timeout=3)

    def action_copy_all(self) -> None:
        if not self.errors:
            return
        self.app.copy_to_clipboard("\n".join(error_line(error) for error in self.errors))
        self.notify(f"Copied {len(self.errors):,} row errors to the clipboard.", timeout=3)
