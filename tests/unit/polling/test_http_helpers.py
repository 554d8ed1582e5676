from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ipdash.sources.providers.base import ProviderError
from ipdash.sources.providers.http import error_message, follow_pages, server_wait

NOW = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        ({"retry-after": "7"}, "", 7.0),
        ({"retry-after": " 2.5 "}, "", 2.5),
        ({"retry-after": "Tue, 10 Jun 2025 12:01:00 GMT"}, "", 60.0),
        ({"retry-after": "Tue, 10 Jun 2025 11:00:00 GMT"}, "", 0.0),  # in the past: go now
        ({"x-ratelimit-reset": str(int(NOW.timestamp()) + 42)}, "", 42.0),  # SendGrid: epoch seconds
        ({"x-ratelimit-reset": "1392815263"}, "", 0.0),  # the docs' example, long past
        ({"ratelimit-reset": "30"}, "", 30.0),  # IETF draft: seconds until reset
        ({}, "account-requests-per-sec limit exceeded, try again after 120 seconds", 120.0),  # Mailgun
        ({}, "please retry in 3s", 3.0),
        ({"retry-after": "soon"}, "", None),
        ({"x-ratelimit-reset": "abc"}, "", None),
        ({}, "too many requests", None),
    ],
)
def test_server_wait(headers: dict[str, str], body: str, expected: float | None) -> None:
    assert server_wait(headers, body, NOW) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"errors":[{"field":null,"message":"authorization required"}]}', "authorization required"),
        ('{"errors":[{"message":"a"},{"message":"b"}]}', "a; b"),
        ('{"message":"Domain not found"}', "Domain not found"),
        ('{"ErrorCode":10,"Message":"Bad or missing Server API token."}', "Bad or missing Server API token."),
        (
            '{"error":{"code":403,"message":"PERMISSION_DENIED","status":"PERMISSION_DENIED"}}',
            "PERMISSION_DENIED",
        ),
        ("Forbidden", "Forbidden"),
        ("", "(empty body)"),
        ("line\x1b[31m one\n\n two", "line[31m one two"),  # control characters never reach a terminal
        ("x" * 5000, "x" * 200),
    ],
)
def test_error_message(body: str, expected: str) -> None:
    assert error_message(body) == expected


async def test_follow_pages_to_the_end() -> None:
    async def page(cursor: int) -> tuple[list[int], int | None]:
        return [cursor], (cursor + 1 if cursor < 4 else None)

    assert await follow_pages(0, page, max_pages=10, what="x") == [0, 1, 2, 3, 4]


async def test_a_cursor_that_comes_back_is_a_loop() -> None:
    async def page(cursor: str) -> tuple[list[str], str | None]:
        return [cursor], {"a": "b", "b": "a"}[cursor]

    with pytest.raises(ProviderError, match="pagination loop") as caught:
        await follow_pages("a", page, max_pages=10, what="GET /x")
    assert caught.value.kind == "bad_payload"


async def test_endless_distinct_pages_stop_at_the_guard() -> None:
    async def page(cursor: int) -> tuple[list[int], int | None]:
        return [cursor], cursor + 1

    with pytest.raises(ProviderError, match="more than 5 pages"):
        await follow_pages(0, page, max_pages=5, what="GET /x")
