"""Where ipdash finds its bundled files and the user's files.

Bundled files (sample data, themes) live outside the package in the repo but
inside it (``ipdash/_bundled``) in a wheel. An editable install points the
package at ``tui/ipdash`` while the bundle was copied elsewhere, so both places
are tried: the installed bundle first, then the repo checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

# platformdirs is imported where used: it pulls in shutil, tempfile and the compression modules, which
# `ipdash check --config FILE` never needs.

APP_NAME = "ipdash"
_PACKAGE_DIR = Path(__file__).resolve().parent.parent
_REPO_ROOT = _PACKAGE_DIR.parent.parent


def _bundled(name: str) -> Path:
    for candidate in (_PACKAGE_DIR / "_bundled" / name, _REPO_ROOT / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled folder {name!r} not found: ipdash is installed incompletely")


def sample_data_dir() -> Path:
    return _bundled("sample_data")


def bundled_themes_dir() -> Path:
    return _bundled("themes")


def package_data_dir() -> Path:
    """Data files shipped inside the package (presets, catalogs)."""
    return _PACKAGE_DIR / "data"


def user_config_dir() -> Path:
    import platformdirs

    return platformdirs.user_config_path(APP_NAME)


def user_themes_dir() -> Path:
    return user_config_dir() / "themes"


def user_data_dir() -> Path:
    import platformdirs

    return platformdirs.user_data_path(APP_NAME)


def user_cache_dir() -> Path:
    """What can be rebuilt at any time (the parsed themes)."""
    import platformdirs

    return platformdirs.user_cache_path(APP_NAME)


def default_config_path() -> Path:
    """The config file: $IPDASH_CONFIG if set, else config.toml in the platform config dir."""
    override = os.environ.get("IPDASH_CONFIG")
    if override:
        return Path(override)
    return user_config_dir() / "config.toml"
