"""Alerts on screen: the poll's alert rules over each analysis, and acknowledgements kept in the store.

The store (the configured history store: SQLite in the data dir, or PostgreSQL) is opened in a
worker; while it is not open, or when it cannot be, acknowledgements hold for this session only
and the panel says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ipdash.domain.feed import FeedItem
    from ipdash.domain.models import SourceInfo
    from ipdash.sources.alert_board import ScreenAlert
    from ipdash.sources.alerts import Severity
    from ipdash.sources.store.base import HistoryStore
    from ipdash.ui.app import IpdashApp
    from ipdash.ui.messages import DataReady

#: New alerts named one by one in a notification up to this many; past it, a count.
NAMED_IN_NOTICE = 3
#: Up to this many feed lines the alerts are judged on the event loop; above, in a worker thread.
SYNC_FEED_LINES = 300


class AlertsControl:
    def __init__(self, app: IpdashApp) -> None:
        self.app = app
        self.acknowledged: dict[str, datetime] = {}
        self.first_seen: dict[str, datetime] = {}
        self.alerts: list[ScreenAlert] = []
        self.store: HistoryStore | None = None
        self.problem = ""
        self._data: DataReady | None = None
        self._started = False
        self._generation = 0  # of the alerts asked for: a judging of older data is dropped

    @property
    def min_severity(self) -> Severity:
        from ipdash.sources.alerts import alert_settings
        from ipdash.sources.config_file import ConfigError

        try:
            return alert_settings(self.app.plan.config.alerts).min_severity
        except ConfigError:
            return "warning"

    def start(self) -> None:
        """Open the store and read the acknowledgements (once, in a worker thread)."""
        if self._started:
            return
        self._started = True
        self.app.run_worker(
            self._open_store,
            thread=True,
            group="alert-acks",
            description="read alert acks",
            exit_on_error=False,
        )

    def _open_store(self) -> None:
        from ipdash.sources.live import StoreError, open_configured_store

        plan = self.app.plan
        try:
            store = open_configured_store(plan.config, plan.config_path)
            acks = store.acknowledged_alerts()
        except (StoreError, OSError) as error:
            self.app.call_from_thread(self._store_ready, None, {}, f"acknowledgements not kept: {error}")
            return
        self.app.call_from_thread(self._store_ready, store, acks, "")

    def _store_ready(self, store: HistoryStore | None, acks: dict[str, datetime], problem: str) -> None:
        self.store, self.problem = store, problem
        self.acknowledged = {**acks, **self.acknowledged}  # pressed before the store opened: kept
        if self._data is not None:
            self.update(self._data, announce=False)

    def update(self, data: DataReady, *, announce: bool = True) -> None:
        """New analysis: the alerts as they stand; those that fired since the last one are announced.
        A big feed is judged in a worker thread (at 10,000 IPs thousands of breaches: ~50 ms of a
        stalled event loop per data update); the newest request's result is the one shown."""
        first = self._data is None
        self._data = data
        self._generation += 1
        feed = data.analysis.feed if data.alert_feed is None else data.alert_feed
        request = (
            self._generation,
            feed,
            tuple(data.dataset.sources),
            dict(self.acknowledged),
            dict(self.first_seen),  # copied here: the loop adds to them (_judged, acknowledge)
            self.min_severity,
        )
        if len(feed) <= SYNC_FEED_LINES:
            self._judged(*self._judge(*request), announce=announce and not first)
            return

        def work() -> None:
            judged = self._judge(*request)
            self.app.call_from_thread(self._judged, *judged, announce=announce and not first)

        self.app.run_worker(
            work, thread=True, exclusive=True, group="alerts-judge", description="judge alerts",
            exit_on_error=False,
        )  # fmt: skip

    def _judge(
        self,
        generation: int,
        feed: Sequence[FeedItem],
        sources: Sequence[SourceInfo],
        acknowledged: dict[str, datetime],
        first_seen: dict[str, datetime],
        min_severity: Severity,
    ) -> tuple[int, list[ScreenAlert]]:
        from ipdash.sources.alert_board import screen_alerts  # not on the first frame's path

        alerts = screen_alerts(
            feed,
            sources,
            acknowledged=acknowledged,
            first_seen=first_seen,
            now=self.app.clock(),
            min_severity=min_severity,
        )
        return generation, alerts

    def _judged(self, generation: int, alerts: list[ScreenAlert], *, announce: bool) -> None:
        if generation != self._generation:
            return  # a newer analysis (or an acknowledgement) is being judged: its result is shown
        from ipdash.sources.alert_board import newly_fired

        fired = newly_fired(alerts, self.first_seen)
        for alert in alerts:
            self.first_seen.setdefault(alert.key, alert.first_seen)
        self.alerts = alerts
        self.app.dashboard.show_alerts(alerts, self.problem)
        if announce and fired:
            self._announce(fired)

    def _announce(self, fired: list[ScreenAlert]) -> None:
        critical = any(a.condition.severity == "critical" for a in fired)
        names = "\n".join(a.condition.title for a in fired[:NAMED_IN_NOTICE])
        more = f"\n… and {len(fired) - NAMED_IN_NOTICE} more" if len(fired) > NAMED_IN_NOTICE else ""
        self.app.notify(
            f"{names}{more}\n(6: alerts panel, a: acknowledge)",
            title=f"{len(fired)} new alert{'s' if len(fired) != 1 else ''}",
            severity="error" if critical else "warning",
            timeout=8,
        )

    def acknowledge(self, alert: ScreenAlert) -> None:
        if alert.acknowledged:
            return
        at = self.app.clock()
        self.acknowledged[alert.key] = at
        store = self.store
        if store is not None:
            self.app.run_worker(
                lambda: store.acknowledge_alert(alert.key, at),
                thread=True,
                group="alert-acks",
                description="store alert ack",
                exit_on_error=False,
            )
        if self._data is not None:
            self.update(self._data, announce=False)

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
