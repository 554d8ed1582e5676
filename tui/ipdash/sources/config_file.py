"""Locate, read and validate the TOML config, with messages naming the file and key."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from ipdash.domain.config import Config
from ipdash.sources.paths import default_config_path


class ConfigError(Exception):
    """The config file could not be used. The message names the file (and key)."""


def load_config(path: Path | None = None, *, required: bool = False) -> tuple[Config, Path | None]:
    """Return the validated config and the file it came from (None: defaults).

    An explicit ``path`` (``--config``) must exist; the default location may be
    absent, which means "no config".
    """
    explicit = path is not None
    config_path = path if path is not None else default_config_path()
    if not config_path.exists():
        if explicit or required:
            raise ConfigError(f"{config_path}: config file not found")
        return Config(), None
    try:
        raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{config_path}: cannot read: {error}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{config_path}: invalid TOML: {error}") from error
    try:
        config = Config.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(format_validation_error(config_path, error)) from error
    return _resolve_relative_paths(config, config_path.parent), config_path


def format_validation_error(path: Path, error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        key = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        lines.append(f"{path}: {key}: {problem['msg']}")
    return "\n".join(lines)


def _resolve_relative_paths(config: Config, base: Path) -> Config:
    """Paths in a config file are relative to that file, not to the working directory."""

    def resolve(path: Path) -> Path:
        path = path.expanduser()
        return path if path.is_absolute() else base / path

    return config.model_copy(
        update={
            "csv": [f.model_copy(update={"path": resolve(f.path)}) for f in config.csv],
            "snds_files": [resolve(p) for p in config.snds_files],
            "facts_files": [resolve(p) for p in config.facts_files],
        }
    )
