"""Alerts on screen: the poll's rules over the analysis' feed and the sources, with acknowledgements."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ipdash.domain.feed import FeedItem
from ipdash.domain.models import SourceInfo, SourceState
from ipdash.sources.alert_board import newly_fired, screen_alerts
from ipdash.sources.alerts import conditions_from_breaches, conditions_from_sources

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
BOUNCE = FeedItem(
    "critical",
    date(2026, 11, 19),
    "203.0.113.20",
    "bounce · all",
    "7.34% ≥ 5.00%",
    "default",
    metric="bounce_rate",
    scope="all",
)
HELD = FeedItem(
    "warn", date(2026, 11, 18), "198.51.100.11", "warm-up ‖ held", "held on day 9", "warmup", kind="warmup"
)
STALE = SourceInfo(
    "sendgrid-main", "sendgrid", SourceState.STALE, fetched_at=NOW, detail="timeout: no answer in 30 s"
)
FRESH = SourceInfo("stats.csv", "csv", SourceState.FRESH, fetched_at=NOW)


def board(**kwargs: object) -> list:  # type: ignore[type-arg]
    options: dict[str, object] = {"acknowledged": {}, "first_seen": {}, "now": NOW}
    options.update(kwargs)
    return screen_alerts([BOUNCE, HELD], [STALE, FRESH], **options)  # type: ignore[arg-type]


def test_the_same_rules_as_poll_and_stale_sources() -> None:
    alerts = board()
    poll_keys = {
        c.key for c in conditions_from_breaches([BOUNCE, HELD]) + conditions_from_sources([STALE, FRESH])
    }
    assert {a.condition.key for a in alerts} == poll_keys
    assert [(a.rule, a.ip) for a in alerts] == [
        ("threshold", "203.0.113.20"),
        ("source", ""),
        ("warm-up", "198.51.100.11"),
    ]
    source = alerts[1]  # critical first, then newest first
    assert source.condition.severity == "warning" and "timeout" in source.value


def test_min_severity_applies_as_for_poll() -> None:
    assert [a.rule for a in board(min_severity="critical")] == ["threshold"]


def test_an_acknowledgement_holds_for_one_occurrence() -> None:
    first = board()[0]
    acked = board(acknowledged={first.key: NOW})
    assert acked[-1].key == first.key and acked[-1].acknowledged  # acknowledged ones go last
    later = FeedItem(
        **{**{f: getattr(BOUNCE, f) for f in BOUNCE.__dataclass_fields__}, "since": date(2026, 12, 2)}
    )
    again = screen_alerts([later], [], acknowledged={first.key: NOW}, first_seen={}, now=NOW)
    assert not again[0].acknowledged  # it cleared and came back: a new alert


def test_what_fires_is_what_was_not_there_before() -> None:
    alerts = board()
    assert newly_fired(alerts, []) == alerts
    assert [a.rule for a in newly_fired(alerts, [alerts[0].key, alerts[1].key])] == ["warm-up"]
    assert newly_fired(board(acknowledged={alerts[2].key: NOW}), [alerts[0].key, alerts[1].key]) == []


def test_a_failed_source_is_critical_a_fresh_one_is_no_alert() -> None:
    failed = SourceInfo("gone.csv", "csv", SourceState.FAILED, detail="No such file")
    [condition] = conditions_from_sources([failed, FRESH])
    assert condition.severity == "critical" and condition.key == "source:gone.csv" and condition.ip is None
