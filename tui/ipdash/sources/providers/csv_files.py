"""CSV files as a polled source: the lead's streaming reader, re-run on the interval,
off the event loop. A file that cannot be read is ``unavailable`` (missing) or
``bad_payload`` (unreadable content); bad rows are counted, the rest loads."""

from __future__ import annotations

import asyncio
from datetime import date

import httpx

from ipdash.sources.csv_stats import CsvReadError, read_csv_file
from ipdash.sources.providers.base import Collected, ProviderError, ProviderSource


class CsvFileSource(ProviderSource):
    kind = "csv"
    provider = "csv"

    async def collect(self, client: httpx.AsyncClient, *, since: date, until: date) -> Collected:
        path = self.spec.path.expanduser()
        if not path.is_file():
            raise ProviderError("unavailable", f"{path}: file not found")
        try:
            loaded = await asyncio.to_thread(
                read_csv_file,
                path,
                columns=self.spec.columns or None,
                delimiter=self.spec.delimiter,
                date_format=self.spec.date_format,
                source=self.name,
            )
        except CsvReadError as error:
            raise ProviderError("bad_payload", str(error)) from error
        collected = Collected(stats=list(loaded.stats.values()), snds=list(loaded.snds.values()))
        if loaded.error_count:
            first = loaded.errors[0] if loaded.errors else None
            collected.notes.append(
                f"{loaded.error_count} rows skipped" + (f" (first: {first})" if first else "")
            )
        return collected
