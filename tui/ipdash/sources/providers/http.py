"""HTTP plumbing shared by every provider: timeouts, retries, rate limits, pagination.

- 5xx, timeouts and connection errors are retried with exponential backoff and jitter.
- 429 waits as long as the server asks (Retry-After, X-RateLimit-Reset, RateLimit-Reset,
  or a delay stated in the body), up to a cap; a longer wait fails the poll as
  ``rate_limited`` so the next poll tries again instead of hanging the poller.
- A response that says the rate-limit window is spent (X-RateLimit-Remaining: 0)
  delays the next request until the window resets.
- ``timeout`` is a total deadline per request (connect, headers and body), not per read.
- Bodies are read with a size cap; JSON that does not parse is ``bad_payload``.
- Paths, never full URLs, go into failure messages (SNDS keys travel in the query).
- A poll asked to stop (``ProviderSource.interrupt``) drops the request in flight or the wait in
  progress and starts no new one: :class:`Interrupted`; a pagination says what it had gathered.
- A caller given an :class:`InFlightLimit` sends at most that many requests at once (each attempt
  holds a place; a retry waits for one again) and halves the limit on every 429, down to one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal, TypeVar

import httpx

from ipdash.sources.providers.base import (
    Clock,
    Interrupted,
    ProviderError,
    Runtime,
    Sleep,
    bound_exceeded,
    off_loop,
    provider_facts,
    record_bound,
    until_stopped,
)

_BODY_DELAY = re.compile(r"(?:try again|retry) (?:after|in) (\d+(?:\.\d+)?) ?s(?:ec(?:ond)?s?)?\b", re.I)
_LOG = logging.getLogger(__name__)

T = TypeVar("T")
Cursor = TypeVar("Cursor")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    timeout: float = 20.0
    max_attempts: int = 4
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    #: The longest server-requested wait honoured inside one poll.
    max_wait: float = 120.0
    max_pages: int = 500
    max_body_bytes: int = 50 * 1024 * 1024
    #: (low, high) seconds to wait after a 429 that states no delay (SparkPost: 1-5 s); None: backoff.
    unstated_429_wait: tuple[float, float] | None = None
    #: All the bodies one source may send in one poll, and the records it may yield: a provider
    #: that answers every offset with the same big page fails with a reason instead of eating memory.
    max_source_bytes: int = 128 * 1024 * 1024
    max_records: int = 500_000

    @classmethod
    def from_data(cls, **overrides: Any) -> RetryPolicy:
        facts = provider_facts()["http"]
        values: dict[str, Any] = {
            "timeout": facts["timeout_seconds"],
            "max_attempts": facts["max_attempts"],
            "backoff_base": facts["backoff_base_seconds"],
            "backoff_max": facts["backoff_max_seconds"],
            "max_wait": facts["max_wait_seconds"],
            "max_pages": facts["max_pages"],
            "max_body_bytes": facts["max_body_bytes"],
            # A source allowed more records (its max_records) may send proportionally more bytes.
            "max_source_bytes": facts["max_source_bytes"] * max(1, record_bound() // facts["max_records"]),
            "max_records": record_bound(),
        }
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)


def server_wait(headers: Mapping[str, str], body: str, now: datetime) -> float | None:
    """Seconds a 429 (or 503) response asks us to wait, or None when it does not say."""
    retry_after = headers.get("retry-after")
    if retry_after:
        text = retry_after.strip()
        try:
            return max(0.0, float(text))
        except ValueError:
            try:
                when = parsedate_to_datetime(text)
            except (TypeError, ValueError):
                when = None
            if when is not None and when.tzinfo is not None:
                return max(0.0, (when - now).total_seconds())
    for name in ("x-ratelimit-reset", "ratelimit-reset"):
        value = headers.get(name)
        if value:
            try:
                number = float(value.strip())
            except ValueError:
                continue
            # Epoch seconds (SendGrid) versus seconds-until-reset (IETF draft headers).
            return max(0.0, number - now.timestamp()) if number > 1e9 else max(0.0, number)
    match = _BODY_DELAY.search(body[:2000])
    if match:
        return float(match.group(1))
    return None


def error_message(body: str) -> str:
    """The provider's own error text from its error envelope, else the start of the body."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    message: Any = None
    if isinstance(data, dict):
        errors = data.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            message = "; ".join(str(e.get("message", "")) for e in errors if isinstance(e, dict))
        elif isinstance(data.get("error"), dict):
            message = data["error"].get("message")
        else:
            message = data.get("message") or data.get("Message") or data.get("error")
    if not message:
        message = body
    text = " ".join(str(message).split())
    text = "".join(ch for ch in text if ch.isprintable())
    return text[:200] if text else "(empty body)"


class InFlightLimit:
    """At most ``limit`` requests in flight at once, for APIs whose rate limit is not published:
    every 429 halves the limit (never below one) for the rest of the poll."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.in_flight = 0
        self._freed = asyncio.Event()

    async def acquire(self) -> None:
        while self.in_flight >= self.limit:
            self._freed.clear()
            await self._freed.wait()
        self.in_flight += 1

    def release(self) -> None:
        self.in_flight -= 1
        self._freed.set()

    def narrow(self) -> None:
        self.limit = max(1, self.limit // 2)


class HttpCaller:
    """One source's view of the shared AsyncClient, with its policy, auth and clock."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        base_url: str,
        runtime: Runtime,
        policy: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | tuple[str, str] | None = None,
        sign: Callable[[str, str, bytes, dict[str, str]], Awaitable[dict[str, str]]] | None = None,
        in_flight: InFlightLimit | None = None,
    ) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.runtime = runtime
        self.policy = policy or RetryPolicy.from_data()
        self.headers = dict(headers or {})
        self.auth = auth
        self.sign = sign
        self.in_flight = in_flight
        self.requests_sent = 0
        self.bytes_received = 0
        self._not_before: float | None = None

    @property
    def clock(self) -> Clock:
        return self.runtime.clock

    async def _sleep(self, seconds: float) -> None:
        sleeper: Sleep = self.runtime.sleep or asyncio.sleep
        await until_stopped(sleeper(seconds), f"waiting {seconds:.1f} s to retry")

    def url(self, path: str) -> str:
        """A path joined to the base URL; an absolute URL (a pagination link the provider sent)
        only when it has the base URL's exact origin, since it will receive the credential."""
        if not path.startswith(("http://", "https://")):
            return f"{self.base_url}{path}"
        if origin(path) != origin(self.base_url):
            raise ProviderError(
                "bad_payload",
                f"{httpx.URL(path).path}: link to another origin refused "
                f"(only {'://'.join(origin(self.base_url)[:2])} is followed)",
            )
        return path

    async def get_json(
        self, path: str, *, params: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None
    ) -> Any:
        return await decode_json(await self.request("GET", path, params=params, headers=headers), path)

    async def post_json(self, path: str, body: Any, *, headers: Mapping[str, str] | None = None) -> Any:
        payload = json.dumps(body).encode()
        extra = {"Content-Type": "application/json", **(headers or {})}
        return await decode_json(await self.request("POST", path, content=payload, headers=extra), path)

    async def get_text(self, path: str, *, params: Mapping[str, Any] | None = None) -> str:
        return (await self.request("GET", path, params=params)).decode("utf-8-sig", errors="replace")

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        content: bytes = b"",
        headers: Mapping[str, str] | None = None,
    ) -> bytes:
        """The body of a 2xx response, retrying what is worth retrying; else a ProviderError."""
        url = self.url(path)
        if params:
            url = str(httpx.URL(url, params={k: v for k, v in params.items() if v is not None}))
        label = f"{method} {httpx.URL(url).path}"
        last_problem = "no attempt made"
        for attempt in range(self.policy.max_attempts):
            await self._respect_window()
            try:
                status, response_headers, body = await self._attempt(method, url, content, headers, label)
            except (httpx.TimeoutException, TimeoutError):
                last_problem = f"{label}: timed out after {self.policy.timeout:g} s"
                await self._backoff(attempt)
                continue
            except httpx.TransportError as error:
                last_problem = f"{label}: cannot connect ({type(error).__name__})"
                await self._backoff(attempt)
                continue
            if 200 <= status < 300:
                self._note_window(response_headers)
                return body
            text = body.decode("utf-8", errors="replace")
            if status == 429:
                if self.in_flight is not None:
                    self.in_flight.narrow()
                wait = server_wait(response_headers, text, self.clock())
                last_problem = f"{label}: rate limited (429): {error_message(text)}"
                if wait is not None and wait > self.policy.max_wait:
                    raise ProviderError(
                        "rate_limited",
                        f"{last_problem}; the provider asks to wait {wait:.0f} s "
                        f"(more than {self.policy.max_wait:.0f} s), next poll retries",
                    )
                if attempt + 1 < self.policy.max_attempts:
                    await self._sleep(wait if wait is not None else self._unstated_429_delay(attempt))
                continue
            if status >= 500:
                last_problem = f"{label}: server error {status}: {error_message(text)}"
                await self._backoff(attempt)
                continue
            raise _client_error(status, label, text)
        kind: Literal["rate_limited", "unavailable"] = (
            "rate_limited" if "rate limited" in last_problem else "unavailable"
        )
        raise ProviderError(kind, f"{last_problem} (gave up after {self.policy.max_attempts} attempts)")

    async def _attempt(
        self, method: str, url: str, content: bytes, headers: Mapping[str, str] | None, label: str
    ) -> tuple[int, httpx.Headers, bytes]:
        if self.in_flight is not None:
            # Not a stop point of its own: a request waits here only while others are in flight,
            # and a stop interrupts those (whose failure then cancels this wait).
            await self.in_flight.acquire()
        try:
            # A total deadline for the whole exchange: httpx's timeout is per read, so a server
            # dripping a byte a second would otherwise hold the poll for ever.
            async with asyncio.timeout(self.policy.timeout):
                return await until_stopped(
                    self._send(method, url, content, headers), f"{label} was in flight"
                )
        finally:
            if self.in_flight is not None:
                self.in_flight.release()

    async def _send(
        self, method: str, url: str, content: bytes, headers: Mapping[str, str] | None
    ) -> tuple[int, httpx.Headers, bytes]:
        all_headers = {**self.headers, **(headers or {})}
        if self.sign is not None:
            all_headers = await self.sign(method, url, content, all_headers)
        request = self.client.build_request(
            method, url, content=content or None, headers=all_headers, timeout=self.policy.timeout
        )
        auth = httpx.BasicAuth(*self.auth) if isinstance(self.auth, tuple) else self.auth
        self.requests_sent += 1
        response = await self.client.send(request, stream=True, auth=auth or httpx.USE_CLIENT_DEFAULT)
        try:
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                self.bytes_received += len(chunk)
                if self.bytes_received > self.policy.max_source_bytes:
                    raise ProviderError(
                        "bad_payload",
                        f"{method} {request.url.path}: more than "
                        f"{self.policy.max_source_bytes // (1024 * 1024)} MiB from this source in one poll, "
                        f"stopped after {self.requests_sent} requests",
                    )
                if size > self.policy.max_body_bytes:
                    raise ProviderError(
                        "bad_payload",
                        f"{method} {request.url.path}: response larger than "
                        f"{self.policy.max_body_bytes // (1024 * 1024)} MiB, refused",
                    )
                chunks.append(chunk)
        finally:
            await response.aclose()
        return response.status_code, response.headers, b"".join(chunks)

    def _backoff_delay(self, attempt: int) -> float:
        ceiling = min(self.policy.backoff_max, self.policy.backoff_base * (2**attempt))
        return ceiling / 2 + self.runtime.rng.uniform(0, ceiling / 2)

    def _unstated_429_delay(self, attempt: int) -> float:
        if self.policy.unstated_429_wait is None:
            return self._backoff_delay(attempt)
        low, high = self.policy.unstated_429_wait
        return self.runtime.rng.uniform(low, high)

    async def _backoff(self, attempt: int) -> None:
        if attempt + 1 < self.policy.max_attempts:
            await self._sleep(self._backoff_delay(attempt))

    def _note_window(self, headers: httpx.Headers) -> None:
        if headers.get("x-ratelimit-remaining", "").strip() != "0":
            return
        wait = server_wait({"x-ratelimit-reset": headers.get("x-ratelimit-reset", "")}, "", self.clock())
        if wait is not None and 0 < wait <= self.policy.max_wait:
            self._not_before = self.clock().timestamp() + wait

    async def _respect_window(self) -> None:
        if self._not_before is None:
            return
        wait = self._not_before - self.clock().timestamp()
        self._not_before = None
        if wait > 0:
            _LOG.debug("rate-limit window spent; waiting %.1f s", wait)
            await self._sleep(wait)


_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port made explicit."""
    parsed = httpx.URL(url)
    return parsed.scheme, parsed.host, parsed.port or _DEFAULT_PORTS.get(parsed.scheme)


def _client_error(status: int, label: str, text: str) -> ProviderError:
    message = f"{label}: {status} {error_message(text)}"
    if status in (401, 403):
        return ProviderError("auth", f"{message} (check the API key and its permissions)", status)
    if status == 404:
        return ProviderError("unavailable", f"{message} (not found: check base_url and region)", status)
    return ProviderError("unavailable", message, status)


#: Bodies above this are decoded in a worker thread, so the event loop never stalls on them.
OFF_LOOP_BYTES = 64 * 1024


async def decode_json(body: bytes, path: str) -> Any:
    if len(body) > OFF_LOOP_BYTES:
        return await off_loop(_decode_json, body, path)
    return _decode_json(body, path)


def _decode_json(body: bytes, path: str) -> Any:
    label = httpx.URL(path).path
    if not body.strip():
        raise ProviderError("bad_payload", f"{label}: empty response body where JSON was expected")
    try:
        return json.loads(body)
    except ValueError as error:
        raise ProviderError("bad_payload", f"{label}: malformed JSON ({error})") from error
    except RecursionError as error:  # e.g. [[[[… 100,000 deep: json's decoder recurses per level
        raise ProviderError("bad_payload", f"{label}: JSON nested too deeply to read") from error


async def all_or_first_failure(works: Iterable[Awaitable[T]]) -> list[T]:
    """Every result, in order, the works running together; the first failure cancels the others
    and is raised as itself (a ProviderError or Interrupted, as the source expects), not as a group."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(_awaited(work)) for work in works]
    except BaseExceptionGroup as failed:
        first: BaseException = failed
        while isinstance(first, BaseExceptionGroup):
            first = first.exceptions[0]
        raise first from None
    return [task.result() for task in tasks]


async def _awaited(work: Awaitable[T]) -> T:
    return await work


async def follow_pages(
    first: Cursor,
    fetch_page: Callable[[Cursor], Awaitable[tuple[list[T], Cursor | None]]],
    *,
    max_pages: int,
    what: str,
    max_items: int | None = None,
) -> list[T]:
    """Fetch pages until the provider gives no next cursor; a repeated cursor is a loop, and more
    than ``max_items`` items (default: the polling source's ``max_records``) is refused. Interrupted,
    it raises :class:`Interrupted` with the items of the pages fetched so far."""
    limit = max_items if max_items is not None else record_bound()
    items: list[T] = []
    seen: set[Any] = set()
    cursor: Cursor | None = first
    pages = 0
    while cursor is not None:
        key = json.dumps(cursor, sort_keys=True, default=str)
        if key in seen:
            raise ProviderError("bad_payload", f"{what}: pagination loop (cursor {key[:60]} came back)")
        seen.add(key)
        pages += 1
        if pages > max_pages:
            raise ProviderError("bad_payload", f"{what}: more than {max_pages} pages, stopped")
        try:
            page, cursor = await fetch_page(cursor)
        except Interrupted as stop:
            raise Interrupted(f"{stop.where} (page {pages} of {what})", items) from stop
        items.extend(page)
        if len(items) > limit:
            raise ProviderError(
                "bad_payload", bound_exceeded(f"{what}: {len(items):,} records after {pages} pages", limit)
            )
    return items
