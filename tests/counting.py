"""Counting the calls of a function in tests (how many analyses a command or the TUI made)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest


class CountedCalls:
    """Counts the calls of the function each of ``modules`` holds under ``name`` (one function,
    imported into several modules: each name is replaced, the count is one)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, name: str, *modules: ModuleType) -> None:
        self.count = 0
        real = getattr(modules[0], name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return real(*args, **kwargs)

        for module in modules:
            monkeypatch.setattr(module, name, counted)
