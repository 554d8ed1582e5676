"""A big list of parsed items is let go a chunk at a time on the thread that built records from
it: freed in one C call, 17,500 Mailgun metric items held the GIL for the whole of it."""

from __future__ import annotations

from typing import Any

from ipdash.sources.providers import base
from ipdash.sources.providers.base import Collected, Runtime, let_go
from ipdash.sources.providers.mailgun import MetricsItem
from ipdash.sources.providers.registry import build_sources
from ipdash.sources.sources_config import validate_sources


class _Deletions(list[Any]):
    """A list that notes how many items each deletion frees."""

    def __init__(self, items: list[Any]) -> None:
        super().__init__(items)
        self.freed: list[int] = []

    def __delitem__(self, where: Any) -> None:
        before = len(self)
        super().__delitem__(where)
        self.freed.append(before - len(self))


def test_a_big_list_is_emptied_a_chunk_at_a_time() -> None:
    items = _Deletions(list(range(2 * base.LET_GO_CHUNK + 500)))
    let_go(items)
    assert items == []
    assert items.freed == [base.LET_GO_CHUNK, base.LET_GO_CHUNK, 500]


def test_mailgun_lets_its_metric_items_go_once_its_stats_are_built() -> None:
    [source] = build_sources(
        validate_sources([{"kind": "mailgun", "name": "mg", "api_key_env": "K"}]), Runtime(env={"K": "k"})
    )
    items = [
        MetricsItem.model_validate(
            {
                "dimensions": [
                    {"dimension": "ip", "value": f"192.0.2.{n}"},
                    {"dimension": "time", "value": "Tue, 03 Mar 2026 00:00:00 +0000"},
                ],
                "metrics": {"sent_count": 10 + n},
            }
        )
        for n in range(3)
    ]
    collected = Collected()
    source.unsent_rows = 0  # type: ignore[attr-defined]  # as _metrics starts
    source._add_stats(collected, items)  # type: ignore[attr-defined]
    assert [stat.sent for stat in collected.stats] == [10, 11, 12]
    assert items == []
