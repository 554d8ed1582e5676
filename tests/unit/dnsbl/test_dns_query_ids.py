"""QueryIds: every message ID comes from the OS's CSPRNG, 2,048 IDs per urandom call, each 16 bits."""

from __future__ import annotations

import sys

import pytest

from ipdash.sources.dns import udp


def test_ids_are_the_urandom_bytes_two_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    pools = iter([bytes(range(256)) * 16, b"\xff" * 4096])

    def urandom(size: int) -> bytes:
        calls.append(size)
        return next(pools)

    monkeypatch.setattr(udp.os, "urandom", urandom)
    ids = udp.QueryIds()
    first = [ids.next() for _ in range(2048)]
    assert calls == [4096]
    expected = [int.from_bytes(bytes((n, n + 1)), sys.byteorder) for n in range(0, 256, 2)]
    assert first[:128] == expected
    assert ids.next() == 0xFFFF and calls == [4096, 4096]


def test_ids_span_sixteen_bits() -> None:
    ids = udp.QueryIds()
    seen = {ids.next() for _ in range(20_000)}
    assert all(0 <= value <= 0xFFFF for value in seen)
    assert len(seen) > 10_000  # unpredictable, not a counter or a short cycle
