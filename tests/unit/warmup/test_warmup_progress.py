"""assess_warmup: each state and each rule, on small hand-made sending histories."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta

import pytest

from ipdash.domain.warmup.plans import build_plan
from ipdash.domain.warmup.progress import assess_warmup
from ipdash.domain.warmup.results import DayVolume, NextAction, WarmupState, parse_severity

MONDAY = date(2024, 5, 6)
# sendgrid capped at 1,000: day 1 = 50, day 2 = 100, day 3 = 500, day 4 = 1,000
PLAN = build_plan("sendgrid", 1_000, start=MONDAY)


def days(*sent: int, first: date = MONDAY, delivered: list[int | None] | None = None) -> list[DayVolume]:
    delivered = delivered or [None] * len(sent)
    return [
        DayVolume(first + timedelta(days=i), count, got)
        for i, (count, got) in enumerate(zip(sent, delivered, strict=True))
    ]


def assess(history: list[DayVolume], today: date | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
    today = today or (history[-1].day if history else MONDAY)
    kwargs.setdefault("severity_by_day", {})
    return assess_warmup("192.0.2.10", PLAN, history, today=today, **kwargs)  # type: ignore[arg-type]


def test_on_track_advances_to_the_next_day_with_the_sparkpost_rule() -> None:
    progress = assess(days(50, 100))
    assert progress.state is WarmupState.ON_TRACK
    assert progress.day == 3
    step = progress.next_step
    assert (step.action, step.day, step.daily_limit) == (NextAction.ADVANCE, 3, 500)
    assert "90%" in step.rule and "sparkpost" in step.source.lower()
    assert "day 2 done" in progress.reason


@pytest.mark.parametrize(("delivered", "advanced"), [(90, True), (89, False), (100, True), (0, False)])
def test_advance_needs_ninety_percent_of_the_days_target_delivered(delivered: int, advanced: bool) -> None:
    progress = assess(days(50, 100, delivered=[50, delivered]))
    assert progress.day == (3 if advanced else 2)
    assert progress.state is (WarmupState.ON_TRACK if advanced else WarmupState.UNDER_SENDING)


def test_delivered_not_sent_is_what_counts() -> None:
    progress = assess(days(50, 100, delivered=[50, 70]))
    assert progress.state is WarmupState.UNDER_SENDING
    assert progress.next_step.action is NextAction.HOLD
    assert progress.next_step.daily_limit == 100
    assert "delivered 70 of 100 (70% < 90%)" in progress.reason


def test_without_delivered_counts_sent_stands_in_and_says_so() -> None:
    progress = assess(days(50, 60))
    assert progress.state is WarmupState.UNDER_SENDING
    assert "delivered not reported" in progress.reason


def test_over_cap_still_advances_one_day_and_warns() -> None:
    progress = assess(days(50, 150))
    assert progress.state is WarmupState.OVER_CAP
    assert progress.day == 3
    assert "50 over day 2's cap of 100" in progress.reason
    assert "stay under the cap" in progress.next_step.reason


def test_over_cap_with_poor_delivery_holds() -> None:
    progress = assess(days(50, 300, delivered=[50, 80]))
    assert progress.state is WarmupState.OVER_CAP
    assert progress.next_step.action is NextAction.HOLD
    assert progress.day == 2


def test_a_warn_holds_the_day_with_the_braze_rule() -> None:
    history = days(50, 100)
    progress = assess(history, severity_by_day={history[1].day: "warn"})
    assert progress.state is WarmupState.HELD
    assert progress.day == 2
    assert progress.next_step.action is NextAction.HOLD
    assert "braze" in progress.next_step.source.lower()


def test_a_critical_breach_steps_back_to_the_last_good_day() -> None:
    history = days(50, 100, 500)
    progress = assess(history, severity_by_day={history[2].day: "critical"})
    assert progress.state is WarmupState.STEPPED_BACK
    assert progress.day == 2
    step = progress.next_step
    assert (step.action, step.day, step.daily_limit) == (NextAction.STEP_BACK, 2, 100)
    assert "salesforce" in step.source.lower()
    assert "last day delivered cleanly" in progress.reason


def test_a_critical_breach_on_day_one_stays_on_day_one() -> None:
    history = days(50)
    progress = assess(history, severity_by_day={history[0].day: "critical"})
    assert progress.state is WarmupState.STEPPED_BACK
    assert progress.day == 1


def test_a_held_day_is_not_a_good_day_to_step_back_to() -> None:
    history = days(50, 100, 100, 500)
    severities = {history[1].day: "warn", history[3].day: "critical"}
    progress = assess(history, severity_by_day=severities)
    assert progress.day == 2  # day 2 was delivered cleanly on its second try


def test_reaching_the_last_day_completes_the_warm_up() -> None:
    progress = assess(days(50, 100, 500, 1_000, 1_000))
    assert progress.state is WarmupState.COMPLETE
    assert progress.next_step.action is NextAction.KEEP
    assert progress.progress_fraction == 1.0
    assert progress.eta == MONDAY + timedelta(days=3)
    assert progress.upcoming == ()
    assert "reached the target 1,000/day on 2024-05-09" in progress.reason


@pytest.mark.parametrize(("idle", "rewarm"), [(30, False), (31, True), (200, True)])
def test_idle_more_than_thirty_days_needs_a_rewarm(idle: int, rewarm: bool) -> None:
    history = days(50, 100)
    progress = assess(history, today=history[-1].day + timedelta(days=idle))
    assert (progress.state is WarmupState.NEEDS_REWARM) is rewarm
    if rewarm:
        step = progress.next_step
        assert (step.action, step.day, step.daily_limit) == (NextAction.REWARM, 1, 50)
        assert progress.day == 1
        assert progress.progress_fraction == 0.0
        assert f"nothing sent for {idle} days" in progress.reason


def test_a_completed_ip_left_idle_needs_a_rewarm_too() -> None:
    history = days(50, 100, 500, 1_000)
    progress = assess(history, today=history[-1].day + timedelta(days=45))
    assert progress.state is WarmupState.NEEDS_REWARM


def test_a_long_gap_inside_the_history_restarts_the_plan() -> None:
    history = [*days(50, 100, 500), *days(50, first=MONDAY + timedelta(days=40))]
    progress = assess(history)
    assert progress.day == 2
    assert progress.state is WarmupState.ON_TRACK


def test_the_idle_limit_is_configurable() -> None:
    history = days(50, 100)
    progress = assess(history, today=history[-1].day + timedelta(days=10), rewarm_idle_days=7)
    assert progress.state is WarmupState.NEEDS_REWARM


def test_a_spamhaus_listing_pauses_the_warm_up() -> None:
    progress = assess(days(50, 100), spamhaus_listed=True)
    assert progress.state is WarmupState.HELD
    assert progress.next_step.action is NextAction.PAUSE
    assert "Spamhaus" in progress.reason


@pytest.mark.parametrize("listed", [False, None])
def test_no_listing_or_no_blocklist_results_do_not_pause(listed: bool | None) -> None:
    assert assess(days(50, 100), spamhaus_listed=listed).next_step.action is NextAction.ADVANCE


def test_rewarm_wins_over_a_listing() -> None:
    history = days(50)
    progress = assess(history, today=history[0].day + timedelta(days=60), spamhaus_listed=True)
    assert progress.state is WarmupState.NEEDS_REWARM


def test_weekends_without_sending_do_not_put_the_ip_behind() -> None:
    friday = date(2024, 5, 10)
    history = [DayVolume(friday, 50), DayVolume(friday + timedelta(days=3), 100)]
    progress = assess(history)
    assert progress.day == 3
    assert progress.state is WarmupState.ON_TRACK


def test_days_after_today_and_before_the_start_are_ignored() -> None:
    history = [DayVolume(MONDAY - timedelta(days=1), 5_000), *days(50, 100, 500)]
    progress = assess(history, today=MONDAY + timedelta(days=1))
    assert progress.day == 3
    assert progress.last is not None and progress.last.date == MONDAY + timedelta(days=1)


def test_zero_volume_days_are_not_sending_days() -> None:
    progress = assess(days(50, 0, 100))
    assert progress.day == 3
    assert len(progress.history) == 2


def test_before_the_start_the_plan_starts_later() -> None:
    progress = assess([], today=MONDAY - timedelta(days=2))
    assert progress.state is WarmupState.ON_TRACK
    assert progress.next_step.action is NextAction.START
    assert "starts on 2024-05-06" in progress.reason
    assert progress.upcoming[0].date == MONDAY


def test_nothing_sent_since_the_start_is_under_sending() -> None:
    progress = assess([], today=MONDAY + timedelta(days=3))
    assert progress.state is WarmupState.UNDER_SENDING
    assert progress.next_step.action is NextAction.START
    assert progress.next_step.daily_limit == 50


def test_metrics_not_judged_are_said_out_loud() -> None:
    progress = assess_warmup("192.0.2.10", PLAN, days(50), today=MONDAY)
    assert progress.metrics_judged is False
    assert "metrics were not judged" in progress.next_step.reason
    assert assess(days(50)).metrics_judged is True


def test_a_custom_advance_fraction_is_used() -> None:
    progress = assess(days(50, 60), advance_fraction=0.5)
    assert progress.day == 3


@pytest.mark.parametrize(("fraction", "idle"), [(0.0, 30), (1.5, 30), (0.9, 0)])
def test_rule_levels_out_of_range_are_refused(fraction: float, idle: int) -> None:
    with pytest.raises(ValueError):
        assess(days(50), advance_fraction=fraction, rewarm_idle_days=idle)


def test_two_records_for_one_day_are_refused() -> None:
    with pytest.raises(ValueError, match="two volume records"):
        assess([DayVolume(MONDAY, 50), DayVolume(MONDAY, 60)])


@pytest.mark.parametrize(
    ("sent", "delivered", "split"), [(-1, None, {}), (5, -1, {}), (5, 5, {"gmail.com": -2})]
)
def test_negative_counts_are_refused(sent: int, delivered: int | None, split: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="negative"):
        DayVolume(MONDAY, sent, delivered, split)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("WARN", "warn"), ("warning", "warn"), ("Critical", "critical"), ("ok", "ok"), ("", "ok"), (None, None)],
)
def test_severity_words(text: str | None, expected: str | None) -> None:
    assert parse_severity(text) == expected


def test_an_unknown_severity_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown severity"):
        assess(days(50), severity_by_day={MONDAY: "purple"})


def test_per_mailbox_provider_progress_where_plan_and_data_split() -> None:
    plan = build_plan("sendgrid", 1_000, mailbox_split={"gmail.com": 0.5, "outlook.com": 0.3})
    history = [
        DayVolume(MONDAY, 50, None, {"gmail.com": 25, "outlook.com": 15, "aol.com": 10}),
        DayVolume(
            MONDAY + timedelta(days=1), 100, None, {"gmail.com": 70, "outlook.com": 10, "yahoo.com": 20}
        ),
    ]
    progress = assess_warmup("192.0.2.10", plan, history, today=history[-1].day)
    by_name = {entry.mailbox_provider: entry for entry in progress.per_mailbox_provider}
    assert by_name["gmail.com"].state is WarmupState.OVER_CAP  # 70 > 50
    assert by_name["outlook.com"].state is WarmupState.UNDER_SENDING  # 10 < 0.9 × 30
    assert by_name["other"].state is WarmupState.ON_TRACK and by_name["other"].sent == 20


def test_no_per_provider_progress_without_a_split() -> None:
    history = [DayVolume(MONDAY, 50, None, {"gmail.com": 50})]
    assert assess(history).per_mailbox_provider == ()


def test_json_carries_status_reason_and_canonical_ip() -> None:
    progress = assess_warmup("::ffff:192.0.2.10", PLAN, days(50, 100), today=MONDAY + timedelta(days=1))
    data = json.loads(json.dumps(progress.to_json()))
    assert data["ip"] == "192.0.2.10"
    assert data["status"] == "on-track" and data["reason"]
    assert data["next_step"]["action"] == "advance" and data["next_step"]["reason"]
    assert data["today"] == {"date": "2024-05-07", "daily_limit": 100, "sent": 100}
    assert data["last_sending_day"]["status"] == "on-track"
    assert data["basis"] == "estimate"
    assert 0 <= data["progress_fraction"] <= 1
    assert data["day"] == 3 and data["total_days"] == 4


def test_json_today_without_data_shows_the_cap_to_send_at() -> None:
    progress = assess(days(50), today=MONDAY + timedelta(days=1))
    assert progress.to_json()["today"] == {"date": "2024-05-07", "daily_limit": 100, "sent": None}


def test_delivered_above_sent_counts_only_what_was_sent() -> None:
    progress = assess(days(50, 60, delivered=[50, 500]))
    assert progress.state is WarmupState.UNDER_SENDING
    assert progress.day == 2


def test_ten_years_of_daily_history_is_assessed_quickly() -> None:
    history = [DayVolume(MONDAY + timedelta(days=i), 1_000) for i in range(3_650)]
    started = time.perf_counter()
    progress = assess(history)
    assert time.perf_counter() - started < 1.0
    assert progress.state is WarmupState.COMPLETE
    assert len(progress.history) == 3_650
