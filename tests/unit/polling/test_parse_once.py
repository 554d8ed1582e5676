"""A poll's rows repeat the same few texts (each IP in tens of rows, each day in thousands): each
distinct text is parsed once, a refused one is refused every time, and a record of plain values
is judged plausible without a look at each field."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from ipdash.domain import models
from ipdash.domain.models import DailyStat, PollResult, canonical_ip
from ipdash.sources import record_bounds
from ipdash.sources.providers import mailgun

NOW = datetime(2026, 3, 2, tzinfo=UTC)


def counting(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    calls = [0]
    real = getattr(module, name)

    def counted(*args: Any) -> Any:
        calls[0] += 1
        return real(*args)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_the_same_ip_text_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = counting(monkeypatch, models.ipaddress, "ip_address")
    assert {canonical_ip("2001:DB8::0:7e57") for _ in range(100)} == {"2001:db8::7e57"}
    assert parsed[0] == 1


def test_a_refused_ip_text_is_refused_every_time() -> None:
    for _ in range(3):
        with pytest.raises(ValueError):
            canonical_ip("192.0.2.256")
        with pytest.raises(ValueError, match="zone id"):
            canonical_ip("fe80::1%eth 0")
    with pytest.raises(AttributeError):  # not a text: as before the memo
        canonical_ip(None)  # type: ignore[arg-type]
    assert canonical_ip(" 192.0.2.1\t") == canonical_ip("192.0.2.1") == "192.0.2.1"


def test_the_same_mailgun_time_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = counting(monkeypatch, mailgun, "parsedate_to_datetime")
    days = {mailgun._rfc2822_day("Tue, 03 Mar 2026 23:59:58 -0800") for _ in range(100)}
    assert days == {date(2026, 3, 3)}  # the day in the text's own offset
    assert parsed[0] == 1
    assert mailgun._rfc2822_day("Tue, 03 Mar 2026 25:00:00 +0000") is None
    assert mailgun._rfc2822_day("") is None and mailgun._rfc2822_day(None) is None


def test_plain_records_are_judged_without_a_look_at_each_field(monkeypatch: pytest.MonkeyPatch) -> None:
    looked = counting(monkeypatch, record_bounds, "fields")
    stat = DailyStat(date(2026, 3, 1), "192.0.2.1", "gmail.com", sent=10, delivered=9, source="sg")
    plain = tuple(replace(stat, sent=n) for n in range(100))
    huge = replace(stat, ip="192.0.2.2", complaints=2**63)
    result = record_bounds.plausible_poll(
        PollResult(source="sg", kind="sendgrid", fetched_at=NOW, stats=(*plain, huge))
    )
    assert result.stats == plain
    assert "192.0.2.2 gmail.com: complaints is 9223372036854775808, over the bound" in result.detail
    assert looked[0] <= 2  # the huge one (and the record type's field names, once)
