"""The shared first frame looked up from the start of the process (``ipdash --config`` on a
``[store]``-only config), before Textual is imported.

Nothing of the lookup (``sources.store.shared_view``: open the store, read the data version and the
stored view, decode it) depends on Textual, and most of its wall time is the database's: psycopg's
import and connection, the server's reading of a 25 MB payload. So the CLI starts it in a thread as
it starts the early load (``sources.loader_early``), and the main thread imports Textual and paints
meanwhile. The app's first load takes what it found (:meth:`EarlyView.take`) instead of opening the
store itself, when it was made for the same day and range; otherwise it looks up as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ipdash.gc_pauses import bulk_allocation

if TYPE_CHECKING:
    from ipdash.sources.store.shared_view import FirstFrame, SharedView


@dataclass(frozen=True)
class Found:
    """What the lookup found: the store opened for the key (None: not a shared viewer, or the store
    failed, so nothing is shared), and the stored first frame (None: none matched)."""

    shared: SharedView | None
    frame: FirstFrame | None


class EarlyView:
    """``SharedView.open`` and ``lookup`` for ``today`` and ``days``, in a daemon thread from
    construction on."""

    def __init__(self, config: Any, config_path: Path | None, today: date, days: int | None) -> None:
        self.today, self.days = today, days
        self._config, self._config_path = config, config_path
        self._done = threading.Event()
        self._found: Found | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="ipdash-early-view", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            with bulk_allocation():  # the decode makes ~1.5 M objects that all live on
                from ipdash.sources.store.shared_view import SharedView

                shared = SharedView.open(self._config, self._config_path, self.today, self.days)
                self._found = Found(shared, None if shared is None else shared.lookup())
        except BaseException as error:  # handed to the app's load worker, which reports it
            self._error = error
        finally:
            self._done.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Whether the lookup has ended within ``timeout`` seconds."""
        return self._done.wait(timeout)

    def take(self, today: date, days: int | None, cancelled: Callable[[], bool]) -> Found | None:
        """What the lookup found, once it ended, when it was made for ``today`` and ``days``; None
        when it was not (the caller looks up itself) or ``cancelled()`` turned true meanwhile.
        Re-raises what the lookup raised (a failure that is not the store's)."""
        while not self._done.wait(0.05):
            if cancelled():
                self.discard()
                return None
        if self._error is not None:
            raise self._error
        found = self._found
        if found is None or (today, days) != (self.today, self.days):
            self.discard()
            return None
        self._found = None
        return found

    def discard(self) -> None:
        """Close what the lookup opened, once it ends (in its thread, when it is still running)."""

        def close() -> None:
            self._done.wait()
            found, self._found = self._found, None
            if found is not None and found.shared is not None:
                found.shared.close()

        if self._done.is_set():
            close()
        else:
            threading.Thread(target=close, name="ipdash-early-view-close", daemon=True).start()


def start_early_view(config: Any, config_path: Path | None, today: date) -> EarlyView | None:
    """The lookup for the TUI's first frame over the configured window, started now; None when the
    config is not a ``[store]``-only viewer's (nothing shared to look up)."""
    from ipdash.sources.store.snapshots import shared_viewer

    if not shared_viewer(config):
        return None
    return EarlyView(config, config_path, today, config.window_days)


def lookup(
    early: EarlyView | None, plan: Any, today: date, days: int | None, cancelled: Callable[[], bool]
) -> tuple[SharedView | None, FirstFrame | None]:
    """The app's first load's lookup: the early one's result when it was for ``today`` and ``days``,
    else ``SharedView.open`` and ``lookup`` now. (None, _): nothing shared; (shared, None): none
    matched (store this load's analysis in ``shared``); (shared, frame): draw ``frame``."""
    found = early.take(today, days, cancelled) if early is not None else None
    if found is None:
        if cancelled():
            return None, None
        from ipdash.sources.store.shared_view import SharedView

        shared = SharedView.open(plan.config, plan.config_path, today, days)
        found = Found(shared, None if shared is None else shared.lookup())
    return found.shared, found.frame
