"""Messages workers post to the UI."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from ipdash.domain.analysis import Analysis
    from ipdash.domain.models import Dataset
    from ipdash.domain.warmup import WarmupProgress


@dataclass
class DataReady(Message):
    """A fresh load (or a replay step) has been analysed."""

    dataset: Dataset
    analysis: Analysis
    loaded_at: datetime
    warmups: dict[str, WarmupProgress] = field(default_factory=dict)
    origin: str = ""  # "sample data", "2 CSV files", "config ~/.config/ipdash/config.toml"
    replay_day: date | None = None


@dataclass
class LoadProgress(Message):
    label: str
    done: int
    total: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LoadProgress)
