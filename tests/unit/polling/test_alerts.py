from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ipdash.domain.feed import FeedItem, verdict_item
from ipdash.domain.models import AccountDay, PollResult, ProviderListing, SndsDay
from ipdash.domain.thresholds import Status, Verdict, breaches
from ipdash.sources.alerts import (
    AlertSettings,
    Condition,
    alert_settings,
    conditions_from_breaches,
    conditions_from_result,
    message_text,
    plan_alerts,
)
from ipdash.sources.config_file import ConfigError
from ipdash.sources.store import AlertRecord

T0 = datetime(2025, 6, 10, tzinfo=UTC)


def condition(key: str, source: str = "snds", severity: str = "critical") -> Condition:
    return Condition(key=key, source=source, severity=severity, title=key, reason="r")  # type: ignore[arg-type]


def record(key: str, source: str = "snds") -> AlertRecord:
    return AlertRecord(key, source, T0, {"title": key, "severity": "critical", "reason": "r"})


@pytest.mark.parametrize(
    ("open_keys", "current", "evaluated", "new", "cleared"),
    [
        ([], [condition("a")], {"snds"}, ["a"], []),  # new condition: alert
        (["a"], [condition("a")], {"snds"}, [], []),  # still there: no repeat
        (["a"], [], {"snds"}, [], ["a"]),  # gone after a good poll: recovery
        (["a"], [], {"sg"}, [], []),  # its source was not (successfully) polled: keep
        (["a"], [], set(), [], []),
        ([], [condition("a"), condition("a")], {"snds"}, ["a"], []),  # duplicates alert once
        ([], [condition("w", severity="warning")], {"snds"}, ["w"], []),
    ],
)
def test_plan_alerts(
    open_keys: list[str], current: list[Condition], evaluated: set[str], new: list[str], cleared: list[str]
) -> None:
    planned_new, planned_cleared = plan_alerts({k: record(k) for k in open_keys}, current, evaluated)
    assert [c.key for c in planned_new] == new
    assert [r.key for r in planned_cleared] == cleared


def test_min_severity_critical_drops_warnings_and_recovers_them() -> None:
    new, cleared = plan_alerts({"w": record("w")}, [condition("w", severity="warning")], {"snds"}, "critical")
    assert new == [] and [r.key for r in cleared] == ["w"]


def snds_day(ip: str, day: date, colour: str) -> SndsDay:
    return SndsDay(ip, day, None, None, 100, 100, 100, colour, "< 0.1%", 0.001, 2)  # type: ignore[arg-type]


def test_conditions_from_a_poll() -> None:
    result = PollResult(
        source="snds",
        kind="snds",
        fetched_at=T0,
        snds=(
            snds_day("192.0.2.1", date(2025, 6, 8), "RED"),
            snds_day("192.0.2.1", date(2025, 6, 9), "GREEN"),  # latest day wins: no condition
            snds_day("192.0.2.2", date(2025, 6, 9), "YELLOW"),
        ),
        listings=(
            ProviderListing("192.0.2.3", "snds-blocked", True, "complaints"),
            ProviderListing("192.0.2.4", "snds-blocked", False),
        ),
        account_days=(
            AccountDay(date(2025, 6, 9), "account", "ses", status="PROBATION"),
            AccountDay(date(2025, 6, 9), "other", "ses", status="HEALTHY"),
        ),
    )
    found = {c.key: c for c in conditions_from_result(result)}
    assert set(found) == {
        "snds:snds:192.0.2.2",
        "listing:snds:192.0.2.3:snds-blocked",
        "account:snds:account",
    }
    assert found["snds:snds:192.0.2.2"].severity == "warning"
    assert found["listing:snds:192.0.2.3:snds-blocked"].reason == "complaints"


def test_conditions_from_breaches() -> None:
    verdicts = [
        Verdict(
            "192.0.2.1",
            "ip",
            "complaint_rate",
            Status.CRITICAL,
            0.004,
            0.003,
            "default",
            "preset",
            9000,
            "high",
        ),
        Verdict(
            "192.0.2.1",
            "gmail.com",
            "bounce_rate",
            Status.WARN,
            0.03,
            0.02,
            "default",
            "preset",
            9000,
            "warn",
        ),
        Verdict("192.0.2.2", "ip", "bounce_rate", Status.OK, 0.001, 0.02, "default", "preset", 9000, "fine"),
    ]
    listing = FeedItem(
        "critical",
        None,
        "192.0.2.2",
        "listed · Spamhaus ZEN",
        "127.0.0.2",
        "zen",
        kind="listing",
        metric="blocklist",
        scope="zen.spamhaus.org",
        reason="SBL",
    )
    found = conditions_from_breaches([*map(verdict_item, breaches(verdicts)), listing])
    assert [(c.key, c.severity) for c in found] == [
        ("breach:192.0.2.1:ip:complaint_rate", "critical"),  # the keys alerts were sent under before
        ("breach:192.0.2.1:gmail.com:bounce_rate", "warning"),
        ("breach:192.0.2.2:listing:zen.spamhaus.org:blocklist", "critical"),
    ]
    assert found[2].reason == "SBL" and found[2].ip == "192.0.2.2"


def test_messages_say_it_in_words_and_symbols() -> None:
    assert message_text(condition("x"), recovered=False).startswith("✗ CRITICAL ipdash: x")
    assert message_text(condition("x", severity="warning"), recovered=False).startswith("! warning")
    assert message_text(record("x"), recovered=True) == "✓ ipdash recovered: x"


def test_settings() -> None:
    assert AlertSettings(command="notify-send 'ipdash alert'").argv() == ["notify-send", "ipdash alert"]
    with pytest.raises(ConfigError, match=r"alerts\.webhook_url_env"):
        alert_settings({"webhook_url_env": "https://hooks.slack.com/services/x"}, "/c.toml")
    with pytest.raises(ConfigError, match=r"alerts\.min_severity"):
        alert_settings({"min_severity": "panic"})
