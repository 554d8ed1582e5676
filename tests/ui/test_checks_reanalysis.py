"""The blocklist catalog's arrival analyses the data again only when it brings results: with none
stored the analysis would be the one shown (at 10,000 IPs about a second of a worker thread holding
the interpreter's lock beside the first frames with data)."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

import ipdash.domain.analysis
from ipdash.ui.blocklists import ChecksReady
from settling import settle


@pytest.fixture
def analyses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per analysis run (of the data shown, not the alert feed's)."""
    runs: list[int] = []
    analyse = ipdash.domain.analysis.analyse

    def counted(*args: Any, **kwargs: Any) -> Any:
        runs.append(1)
        return analyse(*args, **kwargs)

    monkeypatch.setattr(ipdash.domain.analysis, "analyse", counted)
    return runs


async def test_no_stored_results_no_second_analysis(
    make_app: Callable[..., Any], analyses: list[int]
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert app.blocklists.checks is not None, "the catalog was built (its ChecksReady handled)"
        assert not app.blocklists.checks.results
        assert len(analyses) == 1, "the first load's analysis only"


async def test_stored_results_are_analysed_once_the_catalog_is_in(
    make_app: Callable[..., Any], analyses: list[int]
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        before = len(analyses)
        # a stored result (for an IP the data does not have: it changes no verdict, but is a result)
        app.blocklists.checks = SimpleNamespace(results={"192.0.2.250": object()}, interval=None, problems=[])
        app.post_message(ChecksReady(True, []))
        await settle(pilot)
        assert len(analyses) == before + 1
