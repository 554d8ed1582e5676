"""Splitting a day's volume between mailbox providers: whole messages, shares kept, caps respected."""

from __future__ import annotations

import math
from collections.abc import Mapping

from ipdash.domain.warmup.schedules import PlanError

#: Mailbox providers not named in a split share this bucket.
OTHER = "other"
_MAX_PROVIDERS = 200
_TOLERANCE = 1e-9


def normalise_split(split: Mapping[str, float]) -> dict[str, float]:
    """Check a mailbox-provider split and give the unassigned remainder to ``other``.

    Fractions are in [0, 1] and add up to at most 1; names are lower-cased.
    """
    if len(split) > _MAX_PROVIDERS:
        raise PlanError(f"mailbox split names {len(split)} providers; at most {_MAX_PROVIDERS}")
    result: dict[str, float] = {}
    for raw_name, fraction in split.items():
        name = normalise_provider(raw_name)
        if isinstance(fraction, bool) or not isinstance(fraction, int | float) or math.isnan(fraction):
            raise PlanError(f"mailbox split for {name}: {fraction!r} is not a number")
        if not 0 <= fraction <= 1:
            raise PlanError(f"mailbox split for {name}: {fraction} is not a fraction between 0 and 1")
        if name in result:
            raise PlanError(f"mailbox split names {name} twice")
        result[name] = float(fraction)
    total = sum(result.values())
    if total > 1 + _TOLERANCE:
        raise PlanError(f"mailbox split adds up to {total:.4g}, more than 1")
    if total < 1 - _TOLERANCE:
        result[OTHER] = result.get(OTHER, 0.0) + (1 - total)
    return result


def normalise_provider(name: str) -> str:
    cleaned = name.strip().lower()
    if not cleaned or len(cleaned) > 253 or any(ch.isspace() or ch in "=," for ch in cleaned):
        raise PlanError(f"{name!r} is not a mailbox provider name (e.g. gmail.com)")
    return cleaned


def apportion(
    total: int, weights: Mapping[str, float], caps: Mapping[str, int] | None = None
) -> dict[str, int]:
    """Split ``total`` messages by ``weights`` into whole numbers that add up to ``total``.

    A provider never gets more than its cap; what a cap holds back goes to the
    uncapped providers in proportion to their weights. When every provider with
    weight is capped the result adds up to less than ``total``.
    """
    caps = caps or {}
    shares = {name: 0 for name in weights}
    active = {name: weight for name, weight in weights.items() if weight > 0}
    remaining = total
    while active and remaining > 0:
        weight_sum = sum(active.values())
        over_cap = [
            name
            for name, weight in active.items()
            if name in caps and remaining * weight / weight_sum > caps[name]
        ]
        if not over_cap:
            break
        for name in over_cap:
            shares[name] = caps[name]
            remaining -= caps[name]
            del active[name]
    if not active or remaining <= 0:
        return shares
    weight_sum = sum(active.values())
    exact = {name: remaining * weight / weight_sum for name, weight in active.items()}
    floors = {name: math.floor(value) for name, value in exact.items()}
    leftover = remaining - sum(floors.values())
    by_remainder = sorted(active, key=lambda name: (-(exact[name] - floors[name]), name))
    for name in by_remainder[:leftover]:
        floors[name] += 1
    shares.update(floors)
    return shares
