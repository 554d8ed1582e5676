"""The shared first frame looked up from the start of the process (``sources.store.early_view``):
the TUI's first load draws what the CLI's early lookup found, without opening the store again nor
analysing; a lookup made for another day or range is not used (the app looks up itself); a damaged
payload found early is ignored as the app's own lookup ignores it; a store that fails early only
loses the sharing. SQLite and a real PostgreSQL server (whose payload is read in binary)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ipdash.sources.config_file import load_config
from ipdash.sources.loader import plan_from_inputs
from ipdash.sources.loader_early import EarlyLoad
from ipdash.sources.store import shared_view
from ipdash.sources.store.early_view import EarlyView, start_early_view

from .test_lean_report import store_config  # noqa: F401 - a fixture
from .test_shared_view import NOW, Analyses, Viewer, first_two, plant, stored_view, without_series


@pytest.fixture
def viewer(store_config: Path) -> Path:  # noqa: F811 - the imported fixture, requested
    return store_config


class Opens:
    """Counts ``SharedView.open`` calls, and in which thread they ran."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import threading

        self.threads: list[str] = []
        real = shared_view.SharedView.open.__func__  # type: ignore[attr-defined]

        def counted(cls: Any, *args: Any, **kwargs: Any) -> Any:
            self.threads.append(threading.current_thread().name)
            return real(cls, *args, **kwargs)

        monkeypatch.setattr(shared_view.SharedView, "open", classmethod(counted))


async def first_with_early(config_path: Path, early: EarlyView) -> tuple[Any, Any]:
    """The TUI given the early load the CLI starts: its first frame and the loaded history's."""
    config, found_at = load_config(config_path)
    plan = plan_from_inputs([], config, False, found_at)
    load = EarlyLoad(plan, now=NOW, view=early)
    app = Viewer(plan, clock=lambda: NOW, watch_files=False, early_load=load)
    async with app.run_test(size=(120, 40)):
        first = await asyncio.wait_for(app.shown.get(), 30)
        loaded = first
        while loaded.seq == 0:
            loaded = await asyncio.wait_for(app.shown.get(), 30)
        loads = [worker.wait() for worker in app.workers if worker.group == "load"]
        await asyncio.gather(*loads, return_exceptions=True)
    return first, loaded


def early_view(config_path: Path, day_offset: int = 0, days: int | None = 7) -> EarlyView:
    config, found_at = load_config(config_path)
    return EarlyView(config, found_at, NOW.date() + timedelta(days=day_offset), days)


async def test_the_first_frame_is_the_one_the_early_lookup_found(
    viewer: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    analyses = Analyses(monkeypatch)
    cold, _count, _loaded = await first_two(viewer, analyses)  # stores the first frame
    assert stored_view(viewer) is not None
    opens = Opens(monkeypatch)
    early = early_view(viewer)
    assert early.wait(30)  # looked up before the app is even made
    before = analyses.count
    first, loaded = await first_with_early(viewer, early)
    assert first.seq == 0 and without_series(first.analysis) == without_series(cold.analysis)
    assert opens.threads == ["ipdash-early-view"]  # the app opened nothing itself
    assert loaded.seq >= 1 and analyses.count > before  # then the history, analysed as before
    assert without_series(loaded.analysis) == without_series(cold.analysis)


@pytest.mark.parametrize(("day_offset", "days"), [(-1, 7), (0, 30), (0, None)])
async def test_an_early_lookup_for_another_day_or_range_is_not_used(
    viewer: Path, monkeypatch: pytest.MonkeyPatch, day_offset: int, days: int | None
) -> None:
    analyses = Analyses(monkeypatch)
    cold, _count, _loaded = await first_two(viewer, analyses)
    opens = Opens(monkeypatch)
    first, _loaded = await first_with_early(viewer, early_view(viewer, day_offset, days))
    # The app looked up for its own day and range, and drew the stored frame all the same.
    assert opens.threads[-1] != "ipdash-early-view" and len(opens.threads) == 2
    assert first.seq == 0 and without_series(first.analysis) == without_series(cold.analysis)


async def test_a_damaged_payload_found_early_is_ignored(
    viewer: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    analyses = Analyses(monkeypatch)
    cold, _count, _loaded = await first_two(viewer, analyses)
    plant(viewer, b'{"codec": "ipdash-snapshot/1", "key": "view:x", "body": {"frame": 1}}')
    before = analyses.count
    first, _loaded = await first_with_early(viewer, early_view(viewer))
    assert first.seq >= 1 and analyses.count > before  # analysed, not drawn from the damaged one
    assert without_series(first.analysis) == without_series(cold.analysis)
    assert stored_view(viewer) is not None  # and a good one stored over it


async def test_a_store_that_fails_early_only_loses_the_sharing(tmp_path: Path) -> None:
    config_path = tmp_path / "ipdash.toml"
    config_path.write_text(f'[store]\npath = "{tmp_path / "missing" / "dir" / "h.sqlite3"}"\n')
    (tmp_path / "missing").write_text("a file where the store's folder would be")
    config, found_at = load_config(config_path)
    early = start_early_view(config, found_at, NOW.date())
    assert early is not None
    found = early.take(NOW.date(), config.window_days, lambda: False)
    assert found is not None and found.shared is None and found.frame is None


def test_no_early_lookup_for_a_config_with_sources_or_files(tmp_path: Path) -> None:
    config_path = tmp_path / "ipdash.toml"
    config_path.write_text(f'[store]\npath = "{tmp_path / "h.sqlite3"}"\n\n[[sources]]\nkind = "csv"\n'
                           f'name = "f"\npath = "{tmp_path / "s.csv"}"\n')  # fmt: skip
    config, found_at = load_config(config_path)
    assert start_early_view(config, found_at, NOW.date()) is None


def test_postgres_reads_the_payload_in_binary(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """As text a bytea comes hex-encoded: twice the bytes to send and to decode (25 MB at 10k IPs)."""
    import psycopg

    from ipdash.sources.store.postgres import PostgresStore

    seen: list[Any] = []
    real = psycopg.Connection.execute

    def spied(self: Any, query: Any, params: Any = None, **kwargs: Any) -> Any:
        if "analysis_snapshots" in str(query) and str(query).lstrip().startswith("SELECT"):
            seen.append(kwargs.get("binary"))
        return real(self, query, params, **kwargs)

    with PostgresStore(pg_url) as store:
        payload = bytes(range(256)) * 1000
        store.write_snapshot("view:k", store.data_version(), payload)
        monkeypatch.setattr(psycopg.Connection, "execute", spied)
        assert store.read_snapshot("view:k") == (store.data_version(), payload)
    assert seen == [True]
