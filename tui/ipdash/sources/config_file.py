"""Locate, read and validate the TOML config, with messages naming the file and key."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ipdash.sources.paths import default_config_path
from ipdash.sources.small_files import MAX_TOML_BYTES, read_small_regular_file

if TYPE_CHECKING:  # the model (pydantic) is imported only when there is a table to validate
    from pydantic import ValidationError

    from ipdash.domain.config import Config


class ConfigError(Exception):
    """The config file could not be used. The message names the file (and key)."""


def load_config(path: Path | None = None, *, required: bool = False) -> tuple[Config, Path | None]:
    """Return the validated config and the file it came from (None: defaults).

    An explicit ``path`` (``--config``) must exist; the default location may be
    absent, which means "no config".
    """
    tables, config_path = read_config_tables(path, required=required)
    if config_path is None:
        from ipdash.domain.config import Config

        return Config(), None
    return validate_config(tables, config_path), config_path


def read_config_tables(
    path: Path | None = None, *, required: bool = False
) -> tuple[dict[str, Any], Path | None]:
    """The config file's tables as read, not yet validated, and the file (None: no file, so defaults).
    `ipdash check` validates them only when there are any: with no config, or an empty one, it needs
    neither pydantic nor the models."""
    explicit = path is not None
    config_path = path if path is not None else default_config_path()
    if not config_path.exists():
        if explicit or required:
            raise ConfigError(f"{config_path}: config file not found")
        return {}, None
    try:
        text = read_small_regular_file(config_path, MAX_TOML_BYTES)
    except ValueError as error:
        raise ConfigError(f"{config_path}: {error}") from error
    try:
        return tomllib.loads(text), config_path
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{config_path}: invalid TOML: {error}") from error
    except RecursionError as error:
        raise too_deep(config_path) from error


def validate_config(tables: dict[str, Any], config_path: Path) -> Config:
    """The tables of ``config_path`` as the validated config, paths relative to that file."""
    from pydantic import ValidationError

    from ipdash.domain.config import Config

    try:
        config = Config.model_validate(tables)
        validate_sections(config, config_path)
    except ValidationError as error:
        raise ConfigError(format_validation_error(config_path, error)) from error
    except RecursionError as error:
        raise too_deep(config_path) from error
    return _resolve_relative_paths(config, config_path.parent)


def too_deep(path: object) -> ConfigError:
    return ConfigError(f"{path}: values nested too deeply to read (arrays or tables inside each other)")


def validate_sections(config: Config, path: Path) -> None:
    """Every section a feature owns, validated once at load, so a bad one stops the TUI before its screen
    opens with the same message ``report`` gives (not a toast on every analysis). Sections left empty
    take defaults and need no check."""
    # Each validator is imported only when its section is set: `ipdash check` with a bare config
    # should not load the advisor and the warm-up engine just to learn they have nothing to check.
    if config.warmup:
        from ipdash.domain.warmup.schedules import PlanError
        from ipdash.domain.warmup.settings import WarmupSettings

        with _naming(path, PlanError):
            WarmupSettings.from_section(config.warmup)
    if config.blocklists:
        from ipdash.domain.dnsbl.settings import BlocklistConfigError, parse_blocklist_settings

        with _naming(path, BlocklistConfigError):
            parse_blocklist_settings(config.blocklists)
    if config.advisor:
        from ipdash.domain.advisor.settings import InvalidSettings, parse_advisor_settings

        with _naming(path, InvalidSettings):
            parse_advisor_settings(config.advisor)
    thresholds = config.thresholds
    if thresholds.preset != "default" or thresholds.mailbox_provider_presets:
        from ipdash.domain.thresholds import IP_SCOPE, UnknownPresetError, resolve_levels
        from ipdash.sources.reference_data import threshold_presets

        with _naming(path, UnknownPresetError):
            presets = threshold_presets()
            for scope in (IP_SCOPE, *thresholds.mailbox_provider_presets):
                resolve_levels(presets, thresholds, scope)
    if config.store:
        from ipdash.sources.store import StoreError, store_settings

        try:
            store_settings(config.store, path)
        except StoreError as error:
            raise ConfigError(str(error)) from error
    if any(isinstance(entry, dict) and entry.get("kind") in ("dmarc", "arf") for entry in config.sources):
        from ipdash.sources.receiver import receiver_specs

        receiver_specs(config, path)  # raises ConfigError naming the file and key
    if config.alerts:
        from ipdash.sources.alerts import alert_settings

        alert_settings(config.alerts, path)  # raises ConfigError naming the file and key
    if config.sources:
        from ipdash.sources.mta.spec import mta_specs

        mta_specs(config.sources, path)  # raises ConfigError naming the file and the entry


@contextmanager
def _naming(path: Path, *errors: type[Exception]) -> Iterator[None]:
    """A section validator's own error, as a ConfigError naming the file on each line."""
    try:
        yield
    except errors as error:
        raise ConfigError("\n".join(f"{path}: {line}" for line in str(error).splitlines())) from error


def format_validation_error(path: Path, error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        key = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        lines.append(f"{path}: {key}: {problem['msg']}")
    return "\n".join(lines)


def _resolve_file_source(entry: Any, resolve: Callable[[Path], Path]) -> Any:
    """An ``mta-log`` source's path, relative to the config file (pollers' paths resolve at validation)."""
    if isinstance(entry, dict) and entry.get("kind") == "mta-log" and isinstance(entry.get("path"), str):
        return {**entry, "path": str(resolve(Path(entry["path"])))}
    return entry


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
            "sources": [_resolve_file_source(entry, resolve) for entry in config.sources],
        }
    )
