"""Messages workers post to the UI."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from ipdash.domain.analysis import Analysis
    from ipdash.domain.feed import FeedItem
    from ipdash.domain.models import Dataset, SourceInfo
    from ipdash.domain.warmup import WarmupProgress
    from ipdash.ui.widgets.ip_columns import Row


@dataclass
class DataReady(Message):
    """A fresh load (or a replay step, a poll, new check results) has been analysed. Only the newest
    one waiting in the queue is drawn: a burst of polls draws once. Newest by ``seq``, not by arrival:
    analyses run in threads and finish in any order."""

    dataset: Dataset
    analysis: Analysis
    loaded_at: datetime
    origin: str = ""  # "sample data", "2 CSV files", "config ~/.config/ipdash/config.toml"
    replay_day: date | None = None
    #: The time range asked for (days; None: all the history held); the window is analysis.window.
    range_days: int | None = 7
    #: The feed at the configured window, when the range shown is another one (alerts judge that one).
    alert_feed: tuple[FeedItem, ...] | None = None
    #: The order of the data analysed (``DataState``): a higher number has newer data and checks.
    seq: int = 0
    #: IP -> the stale sources its records came from, when ``dataset`` holds no records to find
    #: them in (a first frame drawn from a stored analysis); None: found from ``dataset``.
    stale: dict[str, list[SourceInfo]] | None = None
    #: The day-by-day series are not read yet (a first frame drawn from a stored analysis: the
    #: history load brings them): charts say they are loading rather than show no days.
    days_pending: bool = False
    warmups: dict[str, WarmupProgress] = field(init=False)
    #: The IP table's rows with no blocklist run going on, made where this message is (the analysis'
    #: worker): at 10,000 IPs 5-10 ms the loop no longer spends in ``show_data``.
    rows: dict[str, Row] = field(init=False)
    #: IP -> its stale sources (``ui.stale.stale_by_ip``: with stale sources a scan of every record),
    #: found where this message is made, not on the loop.
    stale_by_ip: dict[str, list[SourceInfo]] = field(init=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.warmups = {ip: a.warmup for ip, a in self.analysis.ips.items() if a.warmup is not None}
        # What the screens' show_data needs, made (and imported) here: off the loop.
        import ipdash.domain.time_range
        import ipdash.ui.widgets.row_search  # noqa: F401
        from ipdash.ui.stale import stale_by_ip
        from ipdash.ui.widgets.blocklist_panel import blocklist_cells
        from ipdash.ui.widgets.ip_columns import table_rows

        self.rows = table_rows(self.analysis, self.warmups, blocklist_cells(self.analysis, frozenset()))
        self.stale_by_ip = stale_by_ip(self)

    def can_replace(self, message: Message) -> bool:
        """Replaced by a newer analysis waiting behind it, never by an older one that finished late."""
        return isinstance(message, DataReady) and message.seq >= self.seq


@dataclass
class LoadProgress(Message):
    label: str
    done: int
    total: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LoadProgress)
