"""``--before SRC`` of the benchmarks: the directory a child puts first on PYTHONPATH."""

from __future__ import annotations

from pathlib import Path


def package_root(source: Path) -> Path:
    """The directory that holds ``ipdash/``: the tree itself or its ``tui/`` (a ``git archive … tui``
    export). Anything else would fall back, silently, to the installed ipdash — a "before" that is
    the code now — so it is refused."""
    for root in (source, source / "tui"):
        if (root / "ipdash" / "__init__.py").is_file():
            return root.resolve()
    raise SystemExit(f"--before {source}: no ipdash package in it or in its tui/")
