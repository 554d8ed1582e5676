"""Day-by-day series of one IP, built on first use rather than for every IP.

``IpMetrics.daily`` and ``daily_by_provider`` are a :class:`LazySeries` and a
:class:`LazyProviderSeries`: tuple-like and mapping-like views that build the IP's
series the first time they are read (the detail screen, a breach's onset). All
IPs of one compute_metrics call share a :class:`SeriesSource`, which groups the
frame by IP once, on the first read, so each later read slices its IP's rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, overload

import polars as pl

if TYPE_CHECKING:
    from ipdash.domain.metrics import Totals

Series = tuple[tuple[date, "Totals"], ...]


class SeriesSource:
    """The records up to a window end, and each IP's series once someone asks for it."""

    def __init__(self, frame: pl.DataFrame, end: date) -> None:
        self._frame = frame
        self._end = end
        self._slices: dict[str, tuple[int, int]] | None = None
        self._sorted: pl.DataFrame | None = None
        self._built: dict[str, IpDays] = {}

    @property
    def frame(self) -> pl.DataFrame:
        return self._frame

    @property
    def end(self) -> date:
        return self._end

    def total_series(self, ip: str) -> LazySeries:
        return LazySeries(self, ip)

    def provider_series(self, ip: str, providers: Sequence[str]) -> LazyProviderSeries:
        return LazyProviderSeries(self, ip, providers)

    def days(self, ip: str) -> IpDays:
        built = self._built.get(ip)
        if built is None:
            built = self._built[ip] = IpDays.of(self._rows(ip), self._end)
        return built

    def _rows(self, ip: str) -> pl.DataFrame:
        if self._slices is None:
            # One sort on the IP's integer code (not its text), then each IP is a zero-copy slice.
            code = pl.col("ip").to_physical()
            ordered = self._frame.sort(code, maintain_order=True)
            bounds = ordered.group_by(code.alias("code"), maintain_order=True).agg(
                pl.col("ip").first().cast(pl.String).alias("name"), pl.len().alias("n")
            )
            offset = 0
            slices = {}
            for name, count in zip(bounds["name"].to_list(), bounds["n"].to_list(), strict=True):
                slices[name] = (offset, count)
                offset += count
            self._sorted, self._slices = ordered, slices
        assert self._sorted is not None
        offset, count = self._slices.get(ip, (0, 0))
        return self._sorted.slice(offset, count)


class IpDays:
    """One IP's counts per day: summed over mailbox providers, and per provider (raw tuples;
    a Totals is made only for a day someone reads)."""

    __slots__ = ("first", "length", "per_provider", "total")

    def __init__(
        self,
        first: date | None,
        length: int,
        total: dict[date, tuple[Any, ...]],
        per_provider: dict[str, dict[date, tuple[Any, ...]]],
    ) -> None:
        self.first, self.length, self.total, self.per_provider = first, length, total, per_provider

    @classmethod
    def of(cls, rows: pl.DataFrame, end: date) -> IpDays:
        per_provider: dict[str, dict[date, tuple[Any, ...]]] = {}
        per_day: dict[date, list[Any]] = {}
        from ipdash.domain.metrics import TOTALS_COUNTS  # metrics imports this module

        columns = [rows[name].to_list() for name in ("day", "mailbox_provider", *TOTALS_COUNTS)]
        for day, provider, sent, *others in zip(*columns, strict=True):
            per_provider.setdefault(str(provider), {})[day] = (sent or 0, *others)
            summed = per_day.get(day)
            if summed is None:
                per_day[day] = [sent or 0, *others]
                continue
            summed[0] += sent or 0
            for index, value in enumerate(others, start=1):
                if value is not None:
                    before = summed[index]
                    summed[index] = value if before is None else before + value
        if not per_day:
            return cls(None, 0, {}, {})
        first = min(per_day)
        total = {day: tuple(values) for day, values in per_day.items()}
        return cls(first, max(0, (end - first).days + 1), total, per_provider)


class LazySeries(Sequence[tuple[date, "Totals"]]):
    """One IP's day-by-day totals (over all mailbox providers, or one): the IP's days are
    gathered on first read, and a day's Totals is made when that day is read."""

    __slots__ = ("_ip", "_provider", "_source")

    def __init__(self, source: SeriesSource, ip: str, provider: str | None = None) -> None:
        self._source, self._ip, self._provider = source, ip, provider

    def _entry(self, days: IpDays, index: int) -> tuple[date, Totals]:
        from ipdash.domain.metrics import Totals

        assert days.first is not None
        day = days.first + timedelta(days=index)
        values = days.total if self._provider is None else days.per_provider.get(self._provider, {})
        found = values.get(day)
        return day, (Totals(*found) if found is not None else Totals())

    @overload
    def __getitem__(self, index: int) -> tuple[date, Totals]: ...
    @overload
    def __getitem__(self, index: slice) -> Series: ...
    def __getitem__(self, index: Any) -> Any:
        days = self._source.days(self._ip)
        if isinstance(index, slice):
            return tuple(self._entry(days, i) for i in range(*index.indices(days.length)))
        if index < 0:
            index += days.length
        if not 0 <= index < days.length:
            raise IndexError(index)
        return self._entry(days, index)

    def __len__(self) -> int:
        return self._source.days(self._ip).length

    @property
    def source(self) -> SeriesSource:
        return self._source

    @property
    def ip(self) -> str:
        return self._ip

    @property
    def provider(self) -> str | None:
        return self._provider

    def __iter__(self) -> Iterator[tuple[date, Totals]]:
        days = self._source.days(self._ip)
        return (self._entry(days, i) for i in range(days.length))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazySeries):
            other = tuple(other)
        return isinstance(other, tuple) and tuple(self) == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"LazySeries({self._ip}, {self._provider or 'all providers'}, {len(self)} days)"


class LazyProviderSeries(Mapping[str, Sequence[tuple[date, "Totals"]]]):
    """One IP's day-by-day totals per mailbox provider: a lazy series per provider, so looking
    a provider up builds nothing until its days are read."""

    __slots__ = ("_ip", "_providers", "_source")

    def __init__(self, source: SeriesSource, ip: str, providers: Sequence[str]) -> None:
        self._source, self._ip, self._providers = source, ip, tuple(providers)

    def __getitem__(self, provider: str) -> LazySeries:
        if provider not in self._providers:
            raise KeyError(provider)
        return LazySeries(self._source, self._ip, provider)

    def __iter__(self) -> Iterator[str]:
        return iter(self._providers)

    @property
    def source(self) -> SeriesSource:
        return self._source

    @property
    def ip(self) -> str:
        return self._ip

    @property
    def providers(self) -> tuple[str, ...]:
        return self._providers

    def __len__(self) -> int:
        return len(self._providers)

    def __repr__(self) -> str:
        return f"LazyProviderSeries({self._ip}, {list(self._providers)})"
