"""Imported first by ``ipdash check``: pydantic plugin discovery off unless the user configured it.

ipdash uses no pydantic plugins, yet the first model pydantic builds asks ``importlib.metadata`` for the
``pydantic`` entry points of every installed distribution (~65 ms of CPU in the dev environment, on
every run). ``PYDANTIC_DISABLE_PLUGINS`` is pydantic's own switch; a value the user set stands.
"""

from __future__ import annotations

import os

os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
