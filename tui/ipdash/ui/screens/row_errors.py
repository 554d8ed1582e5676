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
from ipdash.ui.screens.feed_line import LineScreen
from ipdash.ui.tones import plain
from ipdash.ui.widgets.fit_columns import ColumnFit, FittedLines

COLUMNS = (("where", "File:line:column"), ("reason", "Reason"))
#: A long path is cut in the middle (its start and the file's name and line stay) down to 30 cells
#: so that the reason keeps 60; a reason wraps to two lines; enter shows the error whole.
FIT = ColumnFit("reason", (("where", 30),), value_room=60, middle_cut=frozenset({"where"}), paths=True)


def error_line(error: RowError) -> str:
    """One error as a line a user can paste: ``stats.csv:12:3: sent: not a whole number``."""
    return f"{error.location()}: {reason(error)}"


def reason(error: RowError) -> str:
    """Why the row was skipped, with the column's name when there is one."""
    return f"{error.column_name}: {error.message}" if error.column_name else error.message


def column_label(error: RowError) -> str:
    """The column's number and name, as far as they are known (``3 (sent)``, ``sent``, ``—``)."""
    number = str(error.column) if error.column is not None else ""
    name = error.column_name or ""
    if number and name:
        return f"{number} ({name})"
    return number or name or "—"


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
        yield FittedLines(COLUMNS, FIT, id="row-errors", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(FittedLines)
        table.border_title = "Row errors"
        table.show_rows(
            [(str(n), [plain(e.location()), plain(reason(e))]) for n, e in enumerate(self.errors)]
        )
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

    def action_whole_line(self) -> None:
        table = self.query_one(DataTable)
        if self.errors and 0 <= table.cursor_row < len(self.errors):
            self.app.push_screen(RowErrorLineScreen(self.errors[table.cursor_row]))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()  # enter on the table (which has the focus) selects the row
        self.action_whole_line()

    def action_copy_all(self) -> None:
        if not self.errors:
            return
        self.app.copy_to_clipboard("\n".join(error_line(error) for error in self.errors))
        self.notify(f"Copied {len(self.errors):,} row errors to the clipboard.", timeout=3)


class RowErrorLineScreen(LineScreen):
    LINE_TITLE = "Row error"
    COPIED = "Copied 1 row error to the clipboard."

    def __init__(self, error: RowError) -> None:
        super().__init__()
        self.error = error

    def fields(self) -> list[tuple[str, Text]]:
        error = self.error
        return [
            ("File", plain(error.file)),
            ("Line", Text(str(error.line) if error.line is not None else "—")),
            ("Column", plain(column_label(error))),
            ("Reason", plain(error.message)),
        ]

    def line_text(self) -> str:
        return error_line(self.error)
