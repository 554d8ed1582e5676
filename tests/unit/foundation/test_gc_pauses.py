"""GC around bulk loads: thresholds raised while any bulk step runs, restored and the
survivors frozen when the last one ends."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from ipdash.gc_pauses import BULK_THRESHOLDS, bulk_allocation


@pytest.fixture
def default_gc() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield gc.get_threshold()
    gc.unfreeze()
    gc.set_threshold(*before)


def test_nested_steps_raise_then_restore_and_freeze(default_gc: tuple[int, int, int]) -> None:
    gc.unfreeze()
    with bulk_allocation():
        assert gc.get_threshold() == BULK_THRESHOLDS
        with bulk_allocation():
            assert gc.get_threshold() == BULK_THRESHOLDS
        assert gc.get_threshold() == BULK_THRESHOLDS, "an inner step ending keeps them raised"
        assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == default_gc
    assert gc.get_freeze_count() > 0


def test_as_a_decorator_and_through_an_exception(default_gc: tuple[int, int, int]) -> None:
    @bulk_allocation()
    def load() -> tuple[int, int, int]:
        return gc.get_threshold()

    @bulk_allocation()
    def broken() -> None:
        raise ValueError("bad file")

    assert load() == BULK_THRESHOLDS
    with pytest.raises(ValueError, match="bad file"):
        broken()
    assert gc.get_threshold() == default_gc


def test_higher_thresholds_of_the_user_are_kept(default_gc: tuple[int, int, int]) -> None:
    gc.set_threshold(1_000_000, 10, 10)
    with bulk_allocation():
        assert gc.get_threshold()[0] == 1_000_000
    assert gc.get_threshold() == (1_000_000, 10, 10)
