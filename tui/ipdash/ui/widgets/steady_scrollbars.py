"""Scrollbars that are not drawn again by a layout that left them as they were.

Every screen layout calls each scroll view's ``_size_updated``, and Textual's ``ScrollView``
updates and refreshes its scrollbars whenever the container size it is given differs from its own
(always, for a widget with a border, such as the IP table and the feed). That refresh is asked for
during the layout, so it is drawn in a frame of its own one or two frame intervals later: every
change of the selected-IP panel (a layout) ended with a frame that drew the two scrollbars again,
unchanged (~35-40 ms after the panel, the last thing a page down waited for). Here the update is
skipped when nothing it reads changed since the last one; anything else takes Textual's path.
"""

from __future__ import annotations

from typing import Any

from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.widget import Widget
from textual.widgets import Static


class SteadyScrollbarsMixin:
    """Mix into a ``ScrollView`` subclass (before it)."""

    def _size_updated(  # type: ignore[misc]
        self: Any, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        if self._size == size and self.__dict__.get("_steady_inputs") == _inputs(
            self, size, virtual_size, container_size
        ):
            return bool(self._container_size != container_size)  # what ScrollView returns then
        changed: bool = ScrollView._size_updated(self, size, virtual_size, container_size, layout)
        self.__dict__["_steady_inputs"] = _inputs(self, size, virtual_size, container_size)
        return changed


def _inputs(widget: Any, size: Size, virtual_size: Size, container_size: Size) -> tuple[object, ...]:
    """Everything ``ScrollView._size_updated`` and the scrollbar update it makes read."""
    styles = widget.styles
    return (
        size,
        virtual_size,
        container_size,
        widget.virtual_size,
        styles.overflow_x,
        styles.overflow_y,
        styles.scrollbar_size_vertical,
        styles.scrollbar_size_horizontal,
        styles.scrollbar_gutter,
        widget.show_vertical_scrollbar,
        widget.show_horizontal_scrollbar,
    )


class _MeasuredByLayout:
    """A widget whose virtual size, just measured by the layout, does not ask for another layout.

    Textual sets it through a layout-changing reactive, so each change of the selected-IP panel's
    height (its parts and their scroll container) laid the whole screen out a second time, in a
    frame of its own. A scrollbar that appears or goes still asks for its layout."""

    def _size_updated(  # type: ignore[misc]
        self: Any, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        return super()._size_updated(size, virtual_size, container_size, layout=False)  # type: ignore[misc,no-any-return]


class LaidOutScroll(_MeasuredByLayout, VerticalScroll):
    """The selected-IP panel's scroll container, whose scrollbar follows a change of its height in
    the layout's own frame: the layout refreshes it, and a refresh asked for during a layout was
    drawn in a frame of its own one or two frame intervals later (the last thing a page down
    waited for, when the panel's height changed)."""

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        changed = super()._size_updated(size, virtual_size, container_size, layout)
        bars: set[Widget] = {
            bar
            for bar in (self._vertical_scrollbar, self._horizontal_scrollbar, self._scrollbar_corner)
            if bar is not None and bar._repaint_required
        }
        if bars and self.is_attached:
            # The layout's frame draws the compositor's dirty regions after this call: theirs too.
            self.screen._compositor.update_widgets(bars)
            for bar in bars:
                bar._repaint_required = False  # drawn: nothing left for a frame of its own
        return changed


class LaidOutStatic(_MeasuredByLayout, Static):
    """A part of the selected-IP panel, measured once per content and width (a few widths kept):
    Textual keeps one measured height and forgets it on any repaint, and measuring the panel's two
    Rich tables (rendering them) took 8-10 ms of a layout of the screen with the panel unchanged
    (the filter box opening narrows the panel by its scrollbar; escape widens it again)."""

    #: Widths whose heights are kept for one content.
    KEPT_WIDTHS = 4

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        visual = self._render()
        found = self.__dict__.get("_measured")
        if found is None or found[0] is not visual or found[1] != self.app.theme:
            found = self.__dict__["_measured"] = (visual, self.app.theme, {})
        heights: dict[int, int] = found[2]
        height = heights.get(width)
        if height is None:
            if len(heights) >= self.KEPT_WIDTHS:
                heights.clear()
            height = heights[width] = super().get_content_height(container, viewport, width)
        return height
