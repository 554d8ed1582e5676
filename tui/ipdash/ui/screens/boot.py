"""The first frame: the app's title bar and a loading line, in the chosen theme.

It is drawn before the dashboard's modules, the config models and the data engine are imported
(they load in a worker thread meanwhile), so it imports nothing of ipdash beyond this module.
The dashboard replaces it once its modules are in (`IpdashApp._boot`).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static


class BootScreen(Screen[None]):
    DEFAULT_CSS = """
    BootScreen #boot-body { height: 1fr; padding: 1 2; color: $text-muted; }
    BootScreen #boot-keys { height: 1; background: $panel; color: $foreground; padding: 0 1; }
    """

    def __init__(self, origin: str) -> None:
        super().__init__()
        self.origin = origin

    def compose(self) -> ComposeResult:
        title = Text("ipdash", style="bold")
        if self.origin:
            title.append(f"  {self.origin}")
        yield Static(title, id="title-bar")
        yield Static(f"Loading {self.origin or 'data'}…", id="boot-body")
        yield Static("q quit", id="boot-keys")
