"""`?`: every key, read from the live bindings so the list can never drift from the code."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

EXTRA_KEYS = [
    ("↑ ↓ / j k", "move"),
    ("ctrl+p", "command palette: every action"),
]
_KEY_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "escape": "esc",
    "enter": "enter",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "down": "↓",
    "up": "↑",
}


def key_label(binding: Binding) -> str:
    return ", ".join(_KEY_NAMES.get(k.strip(), k.strip()) for k in binding.key.split(","))


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "app.pop_screen", "Close", id="close_help"),
    ]

    def __init__(self, sections: list[tuple[str, list[Binding]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        table = Table(box=None, pad_edge=False, show_header=False, expand=True)
        table.add_column("key", style="bold", width=14)
        table.add_column("does")
        for title, bindings in self.sections:
            table.add_row(f"[u]{title}[/u]", "")
            seen: set[str] = set()
            for binding in bindings:
                label = key_label(binding)
                if label in seen or not binding.description:
                    continue
                seen.add(label)
                table.add_row(label, binding.description)
            table.add_row("", "")
        table.add_row("[u]Anywhere[/u]", "")
        for key, description in EXTRA_KEYS:
            table.add_row(key, description)
        self.table = table
        with VerticalScroll(id="help-body"):
            yield Static(table)

    def on_mount(self) -> None:
        self.query_one("#help-body").border_title = "Keys"
        self.query_one("#help-body").border_subtitle = "esc closes"
