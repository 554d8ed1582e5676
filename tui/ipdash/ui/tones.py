"""Status tones -> styles from the current theme's variables (never literal colours)."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import App
from textual.color import Color

from ipdash.domain.safe_text import safe_text

_TONE_VARIABLE = {"ok": "success", "watch": "accent", "warn": "warning", "bad": "error", "info": "primary"}


_cache: dict[tuple[int, str], dict[str, Style]] = {}


def tone_style(app: App[object], tone: str) -> Style:
    """The Rich style for a tone in the app's current theme (bold for the loud ones)."""
    key = (id(app), app.theme)
    styles = _cache.get(key)
    if styles is None:
        styles = _cache[key] = _styles(app.get_css_variables())
    return styles[tone]


def tone_styles(app: App[object]) -> dict[str, Style]:
    """Every tone's style in the app's current theme (read once on the event loop, usable
    from a worker thread after)."""
    tone_style(app, "plain")
    return dict(_cache[(id(app), app.theme)])


def _styles(values: dict[str, str]) -> dict[str, Style]:
    background = Color.parse(values.get("background", "#000000"))
    foreground = Color.parse(values.get("foreground", "#FFFFFF"))
    styles = {
        tone: Style(color=Color.parse(values[name]).rich_color, bold=tone == "bad")
        for tone, name in _TONE_VARIABLE.items()
        if name in values
    }
    styles["muted"] = Style(color=background.blend(foreground, 0.6).rich_color)
    styles["plain"] = Style()
    return styles


def toned(app: App[object], text: str, tone: str) -> Text:
    return Text(safe_text(text, multiline=True), style=tone_style(app, tone))


def plain(text: object, style: str = "") -> Text:
    """A cell or line of outside text: never read as markup, with nothing a terminal would obey."""
    return Text(safe_text(text, multiline=True), style=style)
