"""A poll's rows repeat the same few texts (each IP in tens of rows, each day in thousands): each
distinct text is parsed once, a refused one is refused every time, and a record of plain values
is judged plausible without a look at each field."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from counting import CountedCalls
from ipdash.domain import models
from ipdash.domain.models import DailyStat, PollResult, canonical_ip
from ipdash.sources import record_bounds
from ipdash.sources.providers import mailgun

NOW = datetime(2026, 3, 2, tzinfo=UTC)


def test_the_same_ip_text_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = CountedCalls(monkeypatch, "ip_address", models.ipaddress)
    assert {canonical_ip("2001:DB8::0:7e57") for _ in range(100)} == {"2001:db8::7e57"}
    assert parsed.count == 1


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
    parsed = CountedCalls(monkeypatch, "parsedate_to_datetime", mailgun)
    days = {mailgun._rfc2822_day("Tue, 03 Mar 2026 23:59:58 -0800") for _ in range(100)}
    assert days == {date(2026, 3, 3)}  # the day in the text's own offset
    assert parsed.count == 1
    assert mailgun._rfc2822_day("Tue, 03 Mar 2026 25:00:00 +0000") is None
    assert mailgun._rfc2822_day("") is None and mailgun._rfc2822_day(None) is None


def test_plain_records_are_judged_without_a_look_at_each_field(monkeypatch: pytest.MonkeyPatch) -> None:
    looked = CountedCalls(monkeypatch, "fields", record_bounds)
    stat = DailyStat(date(2026, 3, 1), "192.0.2.1", "gmail.com", sent=10, delivered=9, source="sg")
    plain = tuple(replace(stat, sent=n) for n in range(100))
    huge = replace(stat, ip="192.0.2.2", complaints=2**63)
    result = record_bounds.plausible_poll(
        PollResult(source="sg", kind="sendgrid", fetched_at=NOW, stats=(*plain, huge))
    )
    assert result.stats == plain
    assert "192.0.2.2 gmail.com: complaints is 9223372036854775808, over the bound" in result.detail
    assert looked.count <= 2  # the huge one (and the record type's field names, once)
