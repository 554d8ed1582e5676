"""A day a source has not reported yet is no data for its IPs, not zero volume (issue 12)."""

from __future__ import annotations

from datetime import date, timedelta

from ipdash.domain.analysis import analysis_window
from ipdash.domain.coverage import LAG_DAYS, complete_day, latest_days_by_source
from ipdash.domain.metrics import Window, compute_metrics
from ipdash.domain.models import DailyStat, Dataset

JAN = [date(2026, 1, d) for d in range(1, 32)]  # JAN[0] is Jan 1
SES_IP, SG_IP = "192.0.2.1", "198.51.100.1"


def days_of(source: str, ip: str, last: date, sent: int = 1000) -> list[DailyStat]:
    return [
        DailyStat(day=last - timedelta(days=n), ip=ip, mailbox_provider="all", sent=sent, source=source)
        for n in range(14)
    ]


def two_files(ses_last: date, sendgrid_last: date) -> Dataset:
    stats = days_of("ses.csv", SES_IP, ses_last) + days_of("sendgrid.csv", SG_IP, sendgrid_last)
    return Dataset(stats={(s.day, s.ip, s.mailbox_provider): s for s in stats})


def test_each_source_s_latest_day() -> None:
    dataset = two_files(JAN[20], JAN[19])
    assert latest_days_by_source(dataset) == {"ses.csv": JAN[20], "sendgrid.csv": JAN[19]}
    assert latest_days_by_source(Dataset()) == {}
    assert complete_day(Dataset()) is None


def test_appending_a_day_to_one_file_does_not_shift_the_window_for_the_others() -> None:
    before = two_files(JAN[19], JAN[19])
    after = two_files(JAN[20], JAN[19])  # ses.csv got Jan 21's rows first
    assert analysis_window(after, 7) == analysis_window(before, 7) == Window.ending(JAN[19], 7)
    metrics = compute_metrics(after, analysis_window(after, 7))  # type: ignore[arg-type]
    ahead, behind = metrics[SES_IP], metrics[SG_IP]
    # SendGrid's IP: a full 7 days, never a day of zero volume for the day its file lacks.
    assert behind.totals.sent == 7000
    assert behind.idle_days == 0
    assert [totals.sent for _day, totals in behind.daily][-7:] == [1000] * 7
    # SES's IP: measured over the same complete days (its newest day waits for the others).
    assert ahead.totals.sent == 7000


def test_once_every_source_has_the_day_the_window_moves() -> None:
    assert analysis_window(two_files(JAN[20], JAN[20]), 7) == Window.ending(JAN[20], 7)


def test_a_source_far_behind_does_not_freeze_the_window() -> None:
    far_behind = JAN[20] - timedelta(days=LAG_DAYS + 1)
    dataset = two_files(JAN[20], far_behind)
    assert complete_day(dataset) == JAN[20]
    assert analysis_window(dataset, 7) == Window.ending(JAN[20], 7)


def test_one_lagging_day_is_waited_for_but_not_two() -> None:
    assert complete_day(two_files(JAN[20], JAN[19])) == JAN[19]
    assert complete_day(two_files(JAN[20], JAN[18])) == JAN[20]
    assert complete_day(two_files(JAN[20], JAN[20])) == JAN[20]


def test_an_explicit_end_wins() -> None:
    assert analysis_window(two_files(JAN[20], JAN[19]), 7, end=JAN[20]) == Window.ending(JAN[20], 7)
