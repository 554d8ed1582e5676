"""Theme files (YAML, one per theme) -> Textual themes.

Search path, later wins by name: the bundled ``themes/``, then the user's
config dir ``themes/``. A broken file is reported (once, with its path and
reason) and skipped; it never stops the app.

Themes load before the first frame, and PyYAML's import and pure-Python parse are a good part of
that: so what each file parsed to is kept in the user's cache dir (``theme_cache``), keyed by the
file's whole text, and a file whose text is unchanged is not parsed again. The files stay the only
source: a cached mapping is validated like a freshly parsed one, and a missing, unreadable or
foreign cache just means parsing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.color import Color, ColorParseError
from textual.theme import Theme

from ipdash.domain.safe_text import safe_text
from ipdash.sources.small_files import read_small_regular_file

if TYPE_CHECKING:
    from ipdash.ui.theme_cache import ThemeCache

DEFAULT_THEME = "ipdash-dark"


COLOUR_FIELDS = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
    "success",
    "warning",
    "error",
)
META_FIELDS = ("description", "author")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_STYLE_WORDS = re.compile(
    r"(?:none|bold|dim|italic|underline|reverse|strike|blink)(?: (?:bold|dim|italic|underline|reverse|strike|blink)){0,4}"
)
_COLOUR_TEXT = re.compile(r"[#A-Za-z0-9(),.% -]{1,64}")
MAX_THEME_BYTES = 64 * 1024


def theme_from_mapping(raw: Mapping[str, Any]) -> Theme:
    """Validate a theme file's fields and build the Textual theme; ValueError lists every problem.

    (Validated by hand rather than with pydantic: themes load before the first frame,
    and this keeps pydantic off ipdash's start-up path.)
    """
    problems: list[str] = []
    unknown = sorted(set(raw) - {"name", "dark", "variables", *COLOUR_FIELDS, *META_FIELDS})
    if unknown:
        problems.append(f"unknown field(s): {', '.join(map(str, unknown))}")
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        problems.append("name: required, lower-case letters, digits and dashes")
    if "primary" not in raw:
        problems.append("primary: required")
    colours: dict[str, str] = {}
    for field in COLOUR_FIELDS:
        value = raw.get(field)
        if value is None:
            continue
        try:
            Color.parse(str(value))
        except ColorParseError:
            problems.append(f"{field}: not a colour: {value!r}")
        else:
            colours[field] = str(value)
    dark = raw.get("dark", True)
    if not isinstance(dark, bool):
        problems.append("dark: must be true or false")
    variables = raw.get("variables", {})
    if not isinstance(variables, dict) or not all(isinstance(k, str) for k in variables):
        problems.append("variables: must be a table of name: value")
        variables = {}
    for key, value in variables.items():
        if not _NAME.match(key) or not _css_value(value):
            problems.append(f"variables.{key[:40]!r}: must be a colour or a style word (e.g. bold, none)")
    for field in META_FIELDS:
        if field in raw and not isinstance(raw[field], str):
            problems.append(f"{field}: must be text")
    if problems:
        raise ValueError("; ".join(problems))
    fields: dict[str, Any] = dict(colours)  # checked colour strings, by Theme field name
    return Theme(
        name=str(name), dark=bool(dark), variables={k: str(v) for k, v in variables.items()}, **fields
    )


def _css_value(value: object) -> bool:
    """A theme variable's value goes into the stylesheet: only a colour or plain style words,
    never anything that could close a rule (``red; } Screen {…``)."""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return False
    text = str(value)
    if _STYLE_WORDS.fullmatch(text):
        return True
    try:
        Color.parse(text)
    except ColorParseError:
        return False
    return _COLOUR_TEXT.fullmatch(text) is not None


def load_theme_file(path: Path, cache: ThemeCache | None = None) -> Theme:
    """Parse one theme file (or take what its unchanged text parsed to); raises ValueError with a
    readable reason."""
    text = read_small_regular_file(path, MAX_THEME_BYTES)
    cached = cache.get(path, text) if cache is not None else None
    if cached is None:
        cached = parse_theme_text(text)
        if cache is not None:
            cache.put(path, text, cached)
    if isinstance(cached, str):
        raise ValueError(cached)
    return theme_from_mapping(cached)


def parse_theme_text(text: str) -> dict[str, Any] | str:
    """A theme file's fields, or why they cannot be read (PyYAML, imported only here)."""
    from ipdash.ui.theme_yaml import YAMLError, load_yaml

    try:
        raw = load_yaml(text)
    except YAMLError as error:
        return f"invalid YAML: {safe_text(str(error).splitlines()[0])}"
    except RecursionError:
        return "nested too deeply"
    if not isinstance(raw, dict):
        return "expected a mapping of theme fields"
    return raw


def load_themes(
    folders: Iterable[Path], cache_file: Path | None = None
) -> tuple[dict[str, Theme], list[tuple[Path, str]]]:
    """All themes in the folders (later folders override earlier ones by name), and failures.
    With ``cache_file``, what the files parsed to is kept there (see the module's doc)."""
    from ipdash.ui.theme_cache import ThemeCache

    cache = ThemeCache.read(cache_file) if cache_file is not None else None
    themes: dict[str, Theme] = {}
    failures: list[tuple[Path, str]] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
            try:
                theme = load_theme_file(path, cache)
            except ValueError as error:
                failures.append((path, str(error)))
                continue
            themes[theme.name] = theme
    if cache is not None:
        cache.write()
    return themes, failures


def install_themes(
    app: App[Any],
    folders: Iterable[Path],
    wanted: str | None,
    configured: str | None,
    cache_file: Path | None = None,
) -> tuple[list[str], list[tuple[Path, str]]]:
    """Register every theme found, pick ``wanted`` (``--theme``), else the config's, else the default;
    return the names in cycling order (the default first) and what could not be loaded."""
    themes, failures = load_themes(folders, cache_file)
    for theme in themes.values():
        app.register_theme(theme)
    choice = wanted or configured or DEFAULT_THEME
    if choice in themes:
        app.theme = choice
    elif DEFAULT_THEME in themes:
        app.theme = DEFAULT_THEME
    if choice not in themes and wanted is not None:
        failures.append((Path(choice), "no such theme; using the default"))
    return sorted(themes, key=lambda name: (name != DEFAULT_THEME, name)), failures


def next_theme(names: list[str], current: str) -> str | None:
    if not names:
        return None
    index = names.index(current) if current in names else -1
    return names[(index + 1) % len(names)]
