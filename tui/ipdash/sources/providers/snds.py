"""Microsoft SNDS: the daily data feed and the IP status (blocked ranges) feed, by key.

The key travels in the query string (SNDS's only credential), so it is masked in
every message and the URL never appears in one. An HTML page where CSV was expected
is what SNDS serves for a wrong or expired key.

SNDS days and times are Pacific (America/Los_Angeles, ``day_zone`` in
data/providers.json): the shared parser (``sources/snds_csv.py``, also used for hand-imported
SNDS files) makes activity start/end UTC timestamps and labels each day with the UTC day it
overlaps most (the same date); earlier days are counted back from Pacific "today", never
from a UTC date SNDS has not reached.
"""

from __future__ import annotations

import csv
import ipaddress
from datetime import date, timedelta

import httpx

from ipdash.domain.models import ProviderListing, SndsDay
from ipdash.sources.providers.base import (
    Collected,
    ProviderError,
    ProviderSource,
    default_base_url,
    off_loop,
    provider_facts,
)
from ipdash.sources.providers.day_zones import day_zone, local_today
from ipdash.sources.providers.http import HttpCaller, RetryPolicy
from ipdash.sources.snds_csv import parse_snds_lines

BLOCKED_LIST = "snds-blocked"


class SndsSource(ProviderSource):
    kind = "snds"
    provider = "microsoft"

    async def collect(self, client: httpx.AsyncClient, *, since: date, until: date) -> Collected:
        key = self.secret_from_env(self.spec.api_key_env)
        http = HttpCaller(
            client,
            base_url=self.spec.base_url or default_base_url("snds"),
            runtime=self.runtime,
            policy=RetryPolicy.from_data(timeout=self.spec.timeout),
        )
        collected = self.collecting()
        days: dict[tuple[str, date], SndsDay] = {}
        zone = day_zone(self.kind)
        latest = min(until, local_today(self.runtime.clock(), zone))
        try:
            for wanted in [None, *(latest - timedelta(days=n) for n in range(1, self.spec.history_days))]:
                params = {"key": key} if wanted is None else {"key": key, "date": wanted.strftime("%m%d%y")}
                text = _csv_or_raise(await http.get_text("/snds/data.aspx", params=params), "data.aspx")
                records, errors = await off_loop(parse_snds_lines, text.splitlines(), self.name)
                for record in records:  # already in UTC: the parser converts SNDS's Pacific times
                    days[(record.ip, record.day)] = record
                if errors:
                    collected.notes.append(f"{len(errors)} data rows unreadable (first: {errors[0].message})")
        finally:  # interrupted: the days of the files read are whole
            collected.snds = list(days.values())
        status = _csv_or_raise(
            await http.get_text("/snds/ipStatus.aspx", params={"key": key}), "ipStatus.aspx"
        )
        blocked = await off_loop(self._blocked, status, collected)
        collected.listings.extend(blocked.values())
        for ip in sorted({record.ip for record in collected.snds} - set(blocked)):
            collected.listings.append(
                ProviderListing(ip=ip, list_name=BLOCKED_LIST, listed=False, source=self.name)
            )
        return collected

    def _blocked(self, text: str, collected: Collected) -> dict[str, ProviderListing]:
        cap = int(provider_facts()["providers"]["snds"]["max_range_ips"])
        blocked: dict[str, ProviderListing] = {}
        bad_rows = 0
        for row in csv.reader(text.splitlines()):
            if not row or not "".join(row).strip():
                continue
            try:
                first = ipaddress.ip_address(row[0].strip())
                last = ipaddress.ip_address(row[1].strip())
            except (ValueError, IndexError):
                bad_rows += 1
                continue
            if first.version != last.version or int(last) < int(first):
                bad_rows += 1
                continue
            if len(row) > 2 and row[2].strip().lower() not in ("yes", "true", "1"):
                continue
            reason = row[3].strip() if len(row) > 3 else ""
            count = int(last) - int(first) + 1
            if count > cap:
                collected.notes.append(
                    f"blocked range {first}-{last} has {count} addresses; first {cap} kept"
                )
                count = cap
            for offset in range(count):
                ip = str(ipaddress.ip_address(int(first) + offset))
                blocked[ip] = ProviderListing(
                    ip=ip, list_name=BLOCKED_LIST, listed=True, reason=reason, source=self.name
                )
        if bad_rows:
            collected.notes.append(f"{bad_rows} ipStatus rows unreadable")
        return blocked


def _csv_or_raise(text: str, feed: str) -> str:
    head = text.lstrip()[:200].lower()
    if head.startswith("<") or "<html" in head:
        raise ProviderError(
            "auth", f"SNDS {feed} returned an HTML page instead of CSV: the key is probably wrong or expired"
        )
    return text
