"""Theme files (YAML, one per theme) -> Textual themes.

Search path, later wins by name: the bundled ``themes/``, then the user's
config dir ``themes/``. A broken file is reported (once, with its path and
reason) and skipped; it never stops the app.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from textual.color import Color, ColorParseError
from textual.theme import Theme

DEFAULT_THEME = "ipdash-dark"


class ThemeFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str = ""
    author: str = ""
    dark: bool = True
    primary: str
    secondary: str | None = None
    accent: str | None = None
    foreground: str | None = None
    background: str | None = None
    surface: str | None = None
    panel: str | None = None
    boost: str | None = None
    success: str | None = None
    warning: str | None = None
    error: str | None = None
    variables: dict[str, str] = Field(default_factory=dict)

    @field_validator(
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
    @classmethod
    def _colour(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                Color.parse(value)
            except ColorParseError as error:
                raise ValueError(f"not a colour: {value!r}") from error
        return value

    def to_textual(self) -> Theme:
        fields = self.model_dump(exclude={"description", "author", "variables"})
        return Theme(**fields, variables=dict(self.variables))


def load_theme_file(path: Path) -> Theme:
    """Parse one theme file; raises ValueError with a readable reason."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"cannot read: {error}") from error
    except yaml.YAMLError as error:
        raise ValueError(f"invalid YAML: {str(error).splitlines()[0]}") from error
    if not isinstance(raw, dict):
        raise ValueError("expected a mapping of theme fields")
    try:
        return ThemeFile.model_validate(raw).to_textual()
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'file'}: {e['msg']}" for e in error.errors())
        raise ValueError(problems) from error


def load_themes(folders: Iterable[Path]) -> tuple[dict[str, Theme], list[tuple[Path, str]]]:
    """All themes in the folders (later folders override earlier ones by name), and failures."""
    themes: dict[str, Theme] = {}
    failures: list[tuple[Path, str]] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
            try:
                theme = load_theme_file(path)
            except ValueError as error:
                failures.append((path, str(error)))
                continue
            themes[theme.name] = theme
    return themes, failures
