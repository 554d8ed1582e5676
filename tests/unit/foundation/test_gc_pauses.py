"""GC around bulk loads: the collector off while any bulk step runs, back on and the survivors
frozen when the last one ends (a collector the user turned off stays off)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from ipdash.gc_pauses import bulk_allocation


@pytest.fixture
def collector() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    gc.unfreeze()
    yield
    gc.unfreeze()
    if was:
        gc.enable()
    else:
        gc.disable()


def test_nested_steps_turn_it_off_then_back_on_and_freeze(collector: None) -> None:
    with bulk_allocation():
        assert not gc.isenabled()
        with bulk_allocation():
            assert not gc.isenabled()
        assert not gc.isenabled(), "an inner step ending keeps it off"
        assert gc.get_freeze_count() == 0
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0


def test_as_a_decorator_and_through_an_exception(collector: None) -> None:
    @bulk_allocation()
    def load() -> bool:
        return gc.isenabled()

    @bulk_allocation()
    def broken() -> None:
        raise ValueError("bad file")

    assert load() is False
    with pytest.raises(ValueError, match="bad file"):
        broken()
    assert gc.isenabled()


def test_steps_in_two_threads_keep_it_off_until_both_end(collector: None) -> None:
    inside, release = threading.Event(), threading.Event()

    def worker() -> None:
        with bulk_allocation():
            inside.set()
            release.wait(timeout=30)

    thread = threading.Thread(target=worker)
    thread.start()
    inside.wait(timeout=30)
    with bulk_allocation():
        pass
    assert not gc.isenabled(), "the worker's step still runs"
    release.set()
    thread.join(timeout=30)
    assert gc.isenabled()


def test_a_collector_the_user_turned_off_stays_off(collector: None) -> None:
    gc.disable()
    with bulk_allocation():
        pass
    assert not gc.isenabled()


def test_a_subcommand_is_imported_with_the_collector_off(
    collector: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a subcommand's import builds lives as long as the process: no collector pass over it
    meanwhile, and it is frozen afterwards."""
    import click

    from ipdash import cli

    seen: list[bool] = []
    real = cli.importlib.import_module

    def import_module(name: str) -> object:
        seen.append(gc.isenabled())
        return real(name)

    monkeypatch.setattr(cli.importlib, "import_module", import_module)
    command = cli.main_group.get_command(click.Context(cli.main_group), "locate")
    assert command is not None
    assert seen == [False]
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0
