"""Command-palette entries for the time range (the keys are ``[`` and ``]`` on the app)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from textual.app import SystemCommand

from ipdash.domain.time_range import RANGES, range_label

if TYPE_CHECKING:
    from ipdash.domain.metrics import Window
    from ipdash.ui.app import IpdashApp
    from ipdash.ui.widgets.ip_columns import Column


def range_columns(columns: Sequence[Column], window: Window | None) -> list[Column]:
    """The IP table's columns with the volume column named for the window shown ("Sent 30d")."""
    if window is None:
        return list(columns)
    label = f"Sent {window.days}d"
    return [replace(c, label=label) if c.key == "sent" and c.label != label else c for c in columns]


def range_commands(app: IpdashApp) -> Iterator[SystemCommand]:
    for days in RANGES:
        label = range_label(days)
        yield SystemCommand(
            f"Time range: {label}" if days is None else f"Time range: last {label}",
            "Every panel shows this range ([ shorter, ] longer)"
            if days is not None
            else "Every panel shows all the history held ([ shorter)",
            lambda days=days: app.set_range(days),
        )
