"""A source keeps nothing of a fetch: its records belong to the result alone, so once the result
is stored and dropped they are freed (by reference counting), not walked by every full collection
until the source's next poll (72,198 records in a 10,000-IP, 7-day cycle: bench_poll)."""

from __future__ import annotations

import gc
import types
from datetime import date
from types import SimpleNamespace

import httpx
import pytest

from ipdash.domain.models import DailyStat, IpFacts
from ipdash.sources.providers.base import OFF_LOOP_RECORDS, Collected, Interrupted, ProviderSource


class _Recording(ProviderSource):
    kind = "fake"

    def __init__(self, records: int, *, interrupt: bool = False) -> None:
        super().__init__(SimpleNamespace(name="fake", interval=300, max_records=10**6))
        self.records, self.interrupt_after = records, interrupt

    async def collect(self, client: httpx.AsyncClient, *, since: date, until: date) -> Collected:
        collected = self.collecting()
        collected.facts.append(IpFacts(ip="192.0.2.1", source=self.name))
        collected.stats.extend(
            DailyStat(day=since, ip="192.0.2.1", mailbox_provider=f"mbp{n}", sent=n)
            for n in range(self.records)
        )
        if self.interrupt_after:
            raise Interrupted("the test stopped it")
        return collected


#: Not followed: through these everything alive is reachable (this test's own frame too).
_SHARED = (type, types.ModuleType, types.FunctionType, types.FrameType, types.CoroutineType, types.MethodType)


def _reachable_records(root: object) -> int:
    """DailyStat objects reachable from ``root``'s own objects (its attributes, theirs, …)."""
    seen, todo, found = {id(root)}, [root], 0
    while todo:
        for referent in gc.get_referents(todo.pop()):
            if id(referent) in seen or isinstance(referent, _SHARED):
                continue
            seen.add(id(referent))
            found += isinstance(referent, DailyStat)
            todo.append(referent)
    return found


@pytest.mark.parametrize("records", [3, OFF_LOOP_RECORDS + 1], ids=["on the loop", "off the loop"])
@pytest.mark.parametrize("interrupt", [False, True], ids=["whole", "interrupted"])
async def test_the_source_holds_no_record_after_a_fetch(records: int, interrupt: bool) -> None:
    source = _Recording(records, interrupt=interrupt)
    async with httpx.AsyncClient() as client:
        result = await source.fetch(client, since=date(2026, 1, 5), until=date(2026, 1, 5))
    assert len(result.stats) == records  # the result has them (an interrupted one too: whole records)
    assert result.partial is interrupt
    assert _reachable_records(source) == 0
