"""Google Postmaster Tools v2: per sending domain, per day, the user-reported spam rate,
the IP-related delivery-error rates and the domain's compliance status.

v2 has no IP or domain reputation (v1's ``ipReputations`` is retired), so what lands
is an AccountDay per (domain, day) with ``complaint_rate`` = Gmail's spam rate, the
reject rates for ``low_ip_reputation``, ``ip_in_rbls`` and ``bad_or_missing_ptr_record``
(``delivery_errors``, from a second query that may fail on its own without losing the
spam rate) and, on the latest day, the compliance requirements that need work.

The unit of SPAM_RATE is not documented ("Predefined metric for spam rate"). v1's
ratios and v2's other ``*_RATE`` metrics are fractions, so fractions are assumed; an
answer with a value above 1 cannot be fractions and is read as percent, with a note
saying so (``spam_rate_unit`` in the source config fixes the unit). A value that fits
neither (negative, above 100) is never dropped silently: it is counted in the poll's
detail.
OAuth goes through google-auth (``pip install 'ipdash[google]'``): a credentials JSON
file named by ``credentials_file_env`` (service account or authorised user), else
application default credentials. Tokens are refreshed off the event loop, the whole refresh
bounded by the source's ``timeout`` (a token endpoint that hangs or drips is a failed source).
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field

from ipdash.domain.models import AccountDay
from ipdash.sources.providers.base import (
    Collected,
    ProviderError,
    ProviderSource,
    default_base_url,
    missing_extra,
    parse_payload,
    provider_facts,
    until_stopped,
)
from ipdash.sources.providers.http import HttpCaller, RetryPolicy, follow_pages

ERROR_REASONS = ("low_ip_reputation", "ip_in_rbls", "bad_or_missing_ptr_record")
SPAM_RATE: dict[str, Any] = {"name": "spam_rate", "baseMetric": {"standardMetric": "SPAM_RATE"}}
DELIVERY_ERROR_METRICS: list[dict[str, Any]] = [
    {
        "name": f"reject_{reason}",
        "baseMetric": {"standardMetric": "DELIVERY_ERROR_RATE"},
        "filter": f'error_type = "reject" AND error_reason = "{reason}"',
    }
    for reason in ERROR_REASONS
]


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Domain(_Loose):
    name: str


class DomainPage(_Loose):
    domains: list[Domain] = Field(default_factory=list)
    nextPageToken: str | None = None


class GoogleDate(_Loose):
    year: int
    month: int
    day: int


class ComplianceStatusValue(_Loose):
    status: str = ""


class ComplianceRow(_Loose):
    requirement: str = ""
    status: ComplianceStatusValue = Field(default_factory=ComplianceStatusValue)


class ComplianceData(_Loose):
    rowData: list[ComplianceRow] = Field(default_factory=list)


class DomainCompliance(_Loose):
    complianceData: ComplianceData = Field(default_factory=ComplianceData)
    subdomainComplianceData: ComplianceData = Field(default_factory=ComplianceData)


class StatValue(_Loose):
    doubleValue: float | None = None
    floatValue: float | None = None


class DomainStat(_Loose):
    metric: str = ""
    date: GoogleDate | None = None
    value: StatValue = Field(default_factory=StatValue)


class StatsPage(_Loose):
    domainStats: list[DomainStat] = Field(default_factory=list)
    nextPageToken: str | None = None


def google_credentials(credentials_file: str | None, scopes: list[str]) -> Any:
    """google-auth credentials from a JSON file or the application default chain."""
    try:
        import google.auth
        from google.oauth2 import credentials as user_credentials
        from google.oauth2 import service_account
    except ImportError as error:
        raise missing_extra("postmaster", "google", "google-auth") from error
    if credentials_file is None:
        try:
            found, _project = google.auth.default(scopes=scopes)
        except google.auth.exceptions.DefaultCredentialsError as error:
            raise ProviderError("auth", f"no Google credentials: {error}") from error
        return found
    try:
        info = json.loads(Path(credentials_file).expanduser().read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ProviderError(
            "config", f"cannot read the Google credentials file: {type(error).__name__}"
        ) from error
    kind = info.get("type") if isinstance(info, dict) else None
    try:
        if kind == "service_account":
            return service_account.Credentials.from_service_account_info(info, scopes=scopes)
        if kind == "authorized_user":
            # Built directly (not from_authorized_user_info) so that the file's token_uri is honoured:
            # proxies and loopback tests need it; the file's absence of one means Google's endpoint.
            return user_credentials.Credentials(
                token=None,
                refresh_token=info["refresh_token"],
                token_uri=info.get("token_uri") or "https://oauth2.googleapis.com/token",
                client_id=info["client_id"],
                client_secret=info["client_secret"],
                scopes=scopes,
            )
    except (ValueError, KeyError) as error:
        raise ProviderError("config", f"Google credentials file is incomplete: {error}") from error
    raise ProviderError(
        "config", f"Google credentials file type {kind!r} is not service_account or authorized_user"
    )


#: google-auth's own retries of a token request: 3 attempts, waiting about 1 then 2 s between them
#: (google/auth/_exponential_backoff.py defaults), with 10% jitter.
_REFRESH_ATTEMPTS, _REFRESH_BACKOFF_SECONDS = 3, 3.3


def refresh_bound(request_timeout: float) -> float:
    """The longest a token refresh may take: every attempt at its deadline, plus the waits between."""
    return _REFRESH_ATTEMPTS * request_timeout + _REFRESH_BACKOFF_SECONDS


class _Response:
    def __init__(self, status: int, headers: dict[str, str], data: bytes) -> None:
        self.status, self.headers, self.data = status, headers, data


class _HttpxTransport:
    """google-auth's transport interface over a synchronous httpx client (used in a thread).

    Each request has a total deadline of ``timeout`` seconds (httpx's own timeout is per read, so a
    token endpoint dripping a byte at a time would hold it for ever) and a body size cap; past either
    it is google-auth's TransportError, which the caller turns into a failed source."""

    def __init__(self, timeout: float, max_bytes: int = 1024 * 1024) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: Any = None,
        headers: Any = None,
        timeout: Any = None,
        **_: Any,
    ) -> Any:
        from google.auth import exceptions

        try:
            with httpx.Client(timeout=self.timeout) as client:
                return self._exchange(client, url, method, body, headers)
        except httpx.TimeoutException as error:
            raise exceptions.TransportError(f"no answer from token_uri within {self.timeout:g} s") from error
        except httpx.HTTPError as error:
            raise exceptions.TransportError(
                f"cannot connect to token_uri ({type(error).__name__})"
            ) from error

    def _exchange(self, client: httpx.Client, url: str, method: str, body: Any, headers: Any) -> _Response:
        from google.auth import exceptions

        deadline = time.monotonic() + self.timeout

        def left() -> float:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise exceptions.TransportError(f"no answer from token_uri within {self.timeout:g} s")
            return remaining

        with client.stream(method, url, content=body, headers=headers, timeout=left()) as response:
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise exceptions.TransportError(
                        f"the answer from token_uri is larger than {self.max_bytes // 1024} KiB"
                    )
                chunks.append(chunk)
                left()
            return _Response(response.status_code, dict(response.headers), b"".join(chunks))


class PostmasterSource(ProviderSource):
    kind = "postmaster"
    provider = "gmail"

    async def collect(self, client: httpx.AsyncClient, *, since: date, until: date) -> Collected:
        facts = provider_facts()["providers"]["postmaster"]
        credentials_file = (
            self.secret_from_env(self.spec.credentials_file_env, "credentials_file_env")
            if self.spec.credentials_file_env
            else None
        )
        policy = RetryPolicy.from_data(timeout=self.spec.timeout)
        token = await self._token(credentials_file, list(facts["scopes"]), policy.timeout)
        http = HttpCaller(
            client,
            base_url=self.spec.base_url or default_base_url("postmaster"),
            runtime=self.runtime,
            policy=policy,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )
        domains = list(self.spec.domains) or await self._domains(http, int(facts["page_size"]))
        collected = self.collecting()
        for domain in domains:
            await self._domain(http, collected, domain, since, until, int(facts["page_size"]))
        if not domains:
            collected.notes.append("no domains visible to these credentials")
        return collected

    async def _token(self, credentials_file: str | None, scopes: list[str], request_timeout: float) -> str:
        """A fresh access token. Each request to token_uri has the source's timeout as a total
        deadline, and the whole refresh (google-auth retries a 5xx itself) :func:`refresh_bound`."""
        from_file = await asyncio.to_thread(google_credentials, credentials_file, scopes)
        from google.auth import exceptions

        refresh = asyncio.to_thread(from_file.refresh, _HttpxTransport(request_timeout))
        bound = refresh_bound(request_timeout)
        try:
            async with asyncio.timeout(bound):
                await until_stopped(refresh, "refreshing the Google access token")
        except TimeoutError as error:
            raise ProviderError(
                "unavailable", f"Google OAuth refresh failed: no access token within {bound:g} s"
            ) from error
        except exceptions.RefreshError as error:
            raise ProviderError(
                "auth", f"Google OAuth refresh refused: {error.args[0] if error.args else ''}"
            ) from error
        except exceptions.TransportError as error:
            raise ProviderError("unavailable", f"Google OAuth refresh failed: {error}") from error
        token = str(from_file.token or "")
        if not token:
            raise ProviderError("auth", "Google OAuth refresh gave no access token")
        self.add_secret(token)
        return token

    async def _domains(self, http: HttpCaller, size: int) -> list[str]:
        async def page(token: str) -> tuple[list[str], str | None]:
            data = await http.get_json("/v2/domains", params={"pageSize": size, "pageToken": token or None})
            body = parse_payload(DomainPage, data, "GET /v2/domains")
            return [d.name.removeprefix("domains/") for d in body.domains], body.nextPageToken or None

        return await follow_pages("", page, max_pages=http.policy.max_pages, what="GET /v2/domains")

    async def _domain(
        self, http: HttpCaller, collected: Collected, domain: str, since: date, until: date, size: int
    ) -> None:
        spam = await self._query(http, domain, [SPAM_RATE], since, until, size)
        try:
            errors = await self._query(http, domain, DELIVERY_ERROR_METRICS, since, until, size)
        except ProviderError as error:
            if error.kind in ("auth", "config"):
                raise
            collected.notes.append(f"{domain}: delivery-error reasons unavailable ({error.kind})")
            errors = []
        compliance = await self._compliance(http, collected, domain)
        rates, problems = to_fractions(
            {**_values(spam, collected, domain), **_values(errors, collected, domain)},
            self.spec.spam_rate_unit,
        )
        collected.notes.extend(f"{domain}: {problem}" for problem in problems)
        days = sorted({day for day, _metric in rates})
        if compliance and (not days or days[-1] != until):
            days.append(until)
        for day in days:
            reasons = tuple(
                f"{reason}={rates[(day, f'reject_{reason}')]:g}"
                for reason in ERROR_REASONS
                if (day, f"reject_{reason}") in rates
            )
            collected.account_days.append(
                AccountDay(
                    day=day,
                    scope=domain,
                    provider="gmail",
                    complaint_rate=rates.get((day, "spam_rate")),
                    delivery_errors=reasons,
                    compliance=compliance if day == days[-1] else (),
                    source=self.name,
                )
            )

    async def _query(
        self,
        http: HttpCaller,
        domain: str,
        definitions: list[dict[str, Any]],
        since: date,
        until: date,
        size: int,
    ) -> list[DomainStat]:
        path = f"/v2/domains/{quote(domain, safe='')}/domainStats:query"
        body: dict[str, Any] = {
            "metricDefinitions": definitions,
            "timeQuery": {"dateRanges": {"dateRanges": [{"start": _gdate(since), "end": _gdate(until)}]}},
            "aggregationGranularity": "DAILY",
            "pageSize": size,
        }

        async def page(token: str) -> tuple[list[DomainStat], str | None]:
            data = await http.post_json(path, {**body, "pageToken": token} if token else body)
            parsed = parse_payload(StatsPage, data, "POST domainStats:query")
            return parsed.domainStats, parsed.nextPageToken or None

        return await follow_pages("", page, max_pages=http.policy.max_pages, what="POST domainStats:query")

    async def _compliance(self, http: HttpCaller, collected: Collected, domain: str) -> tuple[str, ...]:
        """Requirements that need work (``REQUIREMENT=NEEDS_WORK``); subdomain rows are prefixed."""
        path = f"/v2/domains/{quote(domain, safe='')}/complianceStatus"
        try:
            data = await http.get_json(path)
        except ProviderError as error:
            if error.kind in ("auth", "config"):
                raise
            collected.notes.append(f"{domain}: compliance status unavailable ({error.kind})")
            return ()
        status = parse_payload(DomainCompliance, data, "GET complianceStatus")
        rows = [("", row) for row in status.complianceData.rowData]
        rows += [("subdomains:", row) for row in status.subdomainComplianceData.rowData]
        return tuple(
            f"{prefix}{row.requirement}={row.status.status}"
            for prefix, row in rows
            if row.requirement and row.status.status == "NEEDS_WORK"
        )


def _values(stats: list[DomainStat], collected: Collected, domain: str) -> dict[tuple[date, str], float]:
    values: dict[tuple[date, str], float] = {}
    undated = 0
    for stat in stats:
        value = stat.value.doubleValue if stat.value.doubleValue is not None else stat.value.floatValue
        if value is None:
            continue
        try:
            day = date(stat.date.year, stat.date.month, stat.date.day) if stat.date else None
        except ValueError:
            day = None
        if day is None:
            undated += 1
            continue
        values[(day, stat.metric)] = value
    if undated:
        collected.notes.append(f"{domain}: {undated} stat rows without a valid date skipped")
    return values


def to_fractions(
    values: dict[tuple[date, str], float], unit: str
) -> tuple[dict[tuple[date, str], float], list[str]]:
    """Rates as fractions 0..1, and what was read as percent or left out (never silently)."""
    problems: list[str] = []
    if unit == "auto":
        unit = "percent" if any(1 < v <= 100 for v in values.values()) else "fraction"
        if unit == "percent":
            problems.append("rates above 1 in the answer: read as percent")
    factor = 0.01 if unit == "percent" else 1.0
    converted = {key: value * factor for key, value in values.items()}
    bad = {key: values[key] for key, rate in converted.items() if not 0 <= rate <= 1}
    if bad:
        first = next(iter(bad.values()))
        problems.append(f"{len(bad)} rate values out of range for {unit} left out (first: {first:g})")
    return {key: rate for key, rate in converted.items() if key not in bad}, problems


def _gdate(day: date) -> dict[str, int]:
    return {"year": day.year, "month": day.month, "day": day.day}
