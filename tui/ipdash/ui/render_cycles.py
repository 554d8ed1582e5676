"""Textual's render caches without reference cycles (textual is pinned: re-check on an upgrade).

A live dashboard renders thousands of strips a minute. Three places in Textual 8.2 leave what they
rendered in reference cycles, which only the garbage collector frees: each full collection then
frees tens of thousands of strips, segments and texts at once, on the event loop (bench_poll: a
42–140 ms pass at the end of a 10k-IP poll cycle, ~24,000 unreachable objects, nearly all strips,
their caches and segments).

- ``LRUCache`` keeps its entries in a ring of ``[prev, next, key, value]`` lists; ``clear()`` (the
  DataTable clears its row, cell and line caches on every update) and dropping a filled cache leave
  the ring, and every value in it, to the collector. Here the ring is cut first.
- ``Strip.divide`` caches ``[self]`` in the strip when the only cut is its own length, and
  ``Strip.crop_extend`` caches ``self`` when the crop is the whole strip. Here those calls return
  what the originals return without caching it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.style import Style
from textual.cache import LRUCache
from textual.strip import Strip

_lru_clear = LRUCache.clear
_divide = Strip.divide
_crop_extend = Strip.crop_extend


def _cut_ring(cache: LRUCache[Any, Any]) -> None:
    for link in cache._cache.values():
        link.clear()


def _clear_without_cycles(self: LRUCache[Any, Any]) -> None:
    _cut_ring(self)
    _lru_clear(self)


def _divide_without_self_cycle(self: Strip, cuts: Iterable[int]) -> Sequence[Strip]:
    cuts = list(cuts)
    length = self.cell_length
    if [cut for cut in cuts if cut <= length] == [length]:
        return [self]
    return _divide(self, cuts)


def _crop_extend_without_self_cycle(self: Strip, start: int, end: int, style: Style | None) -> Strip:
    if start <= 0 and end == self.cell_length:
        return self
    return _crop_extend(self, start, end, style)


LRUCache.clear = _clear_without_cycles  # type: ignore[method-assign]
LRUCache.__del__ = _cut_ring  # type: ignore[attr-defined]
Strip.divide = _divide_without_self_cycle  # type: ignore[method-assign]
Strip.crop_extend = _crop_extend_without_self_cycle  # type: ignore[method-assign]
