"""A footer that is composed again only when the keys it shows change.

Textual's footer recomposes (removes and mounts every key) after each change of the screen's
bindings, and a change of focus signals one or more of those: opening the filter box with `/` cost
four full layouts at 10,000 IPs, two of them a second recompose showing the same keys. Here the
signals before the next refresh make one look, and the footer is composed again only when the keys
it would show differ from those it shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widgets import Footer

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.screen import Screen


class SteadyFooter(Footer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._composed: tuple[object, ...] | None = None  # the keys shown (None: not composed yet)
        self._look_pending = False
        self.recomposed = 0  # times composed again after a bindings change (tests count them)

    def shown_keys(self) -> tuple[object, ...]:
        """What the keys shown depend on: each shown binding, as displayed, enabled or not."""
        app = self.app
        keys: list[object] = [
            (binding.key, app.get_key_display(binding), binding.description, binding.action, enabled, tooltip)
            for (_node, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show or binding.key == app.COMMAND_PALETTE_BINDING
        ]
        return (self.show_command_palette, self.compact, *keys)

    def compose(self) -> ComposeResult:
        self._composed = self.shown_keys() if self._bindings_ready else None
        yield from super().compose()

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._look_pending:
            self._look_pending = True
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        self._look_pending = False
        await self.follow_bindings()

    async def follow_bindings(self) -> None:
        """Compose again now if the keys shown changed (a screen that moved the focus inside a
        batch update: in the same layout as its own change)."""
        keys = self.shown_keys() if self.is_attached and self._bindings_ready else self._composed
        if keys != self._composed:
            self.recomposed += 1
            self._composed = keys  # a look while this one awaits its removal and mount finds them shown
            with self._context():  # composed as the footer (its keys bind to its reactives)
                await self.recompose()
            self._check_refresh()  # its new height asked for a layout: asked now, not when it is idle
