"""What Textual renders is freed by reference counting, not left in cycles for the collector's full
passes (ipdash.ui.render_cycles): the caches give the same answers as before."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator

import pytest
from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.strip import Strip

import ipdash.ui  # noqa: F401  (applies ipdash.ui.render_cycles)

MARK = "render-cycles-test "


@pytest.fixture
def left_for_the_collector() -> Iterator[Callable[[], list[Strip]]]:
    """The strips of this test (marked) that only a collection would free: other threads of the
    test process may leave garbage of their own meanwhile, so only ours is counted."""
    was_enabled = gc.isenabled()
    gc.disable()
    gc.collect()

    def ours() -> list[Strip]:
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            gc.collect()
            found = [thing for thing in gc.garbage if isinstance(thing, Strip) and MARK in thing.text]
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
        return found

    try:
        yield ours
    finally:
        if was_enabled:
            gc.enable()


def _strip() -> Strip:
    return Strip([Segment(MARK, Style(bold=True)), Segment("hello world")], len(MARK) + 11)


def _filled_cache() -> LRUCache[int, Strip]:
    cache: LRUCache[int, Strip] = LRUCache(8)
    for key in range(12):  # past maxsize: eviction too
        cache[key] = _strip()
    cache.get(5)  # moves a link to the head of the ring
    return cache


def _cleared_cache() -> None:
    _filled_cache().clear()


def _dropped_cache() -> None:
    _filled_cache()


def _one_entry_dropped() -> None:
    cache: LRUCache[str, Strip] = LRUCache(4)
    cache["only"] = _strip()  # the first link refers to itself


def _divided_at_its_length() -> None:
    strip = _strip()
    length = strip.cell_length
    assert list(strip.divide([length])) == [strip]
    assert strip.divide([length, length + 9])[0] is strip


def _whole_crop_extend() -> None:
    strip = _strip()
    assert strip.crop_extend(0, strip.cell_length, None) is strip
    assert strip.crop_extend(-2, strip.cell_length, None) is strip


@pytest.mark.parametrize(
    "work",
    [_cleared_cache, _dropped_cache, _one_entry_dropped, _divided_at_its_length, _whole_crop_extend],
)
def test_rendered_strips_leave_nothing_for_the_collector(
    left_for_the_collector: Callable[[], list[Strip]], work: Callable[[], None]
) -> None:
    for _ in range(20):
        work()
    assert left_for_the_collector() == []


def test_the_caches_answer_as_textual_s_own() -> None:
    strip, width = Strip([Segment("hello ", Style(bold=True)), Segment("world")], 11), 11
    assert [part.text for part in strip.divide([5, width])] == ["hello", " world"]
    assert [part.text for part in strip.divide([4])] == ["hell"]
    assert strip.crop_extend(2, width, None).text == "llo world"
    assert strip.crop_extend(0, width + 3, None).text == "hello world   "
    assert strip.crop_extend(2, width + 3, None) is strip.crop_extend(2, width + 3, None)  # still cached
    cache = _filled_cache()
    assert len(cache) == 8 and cache.get(11) is not None and cache.get(3) is None
    cache.clear()
    assert len(cache) == 0 and cache.get(11) is None
    cache[1] = strip
    assert cache[1] is strip and len(cache) == 1
