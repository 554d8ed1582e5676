"""ARF feedback-loop reports (RFC 5965): Source-IP, else the Received chain; only abuse is a complaint."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from ipdash.domain.receiver import ReceiverData
from ipdash.sources.arf import parse
from ipdash.sources.arf.load import load_arf
from ipdash.sources.arf.parse import ArfError, parse_arf

FIXTURES = Path(__file__).parent / "fixtures" / "arf"


def test_yahoo_report_with_source_ip() -> None:
    complaint = parse_arf((FIXTURES / "yahoo_abuse.eml").read_bytes())
    assert (complaint.source_ip, complaint.day, complaint.feedback_type) == (
        "198.51.100.12",
        date(2026, 11, 20),
        "abuse",
    )
    assert complaint.reporter_domain == "arf.mail.yahoo.com"
    assert complaint.reported_domain == "news.acme-shop.example"


def test_without_source_ip_the_received_chain_gives_the_connecting_ip() -> None:
    complaint = parse_arf((FIXTURES / "outlook_no_source_ip.eml").read_bytes())
    # the topmost hop is internal to Microsoft (10.13.182.3), the next records our MTA
    assert complaint.source_ip == "198.51.100.12"
    assert complaint.day == date(2026, 11, 19)  # the Received date, in UTC


def test_folder_counts_abuse_per_day_ip_and_provider_and_reports_the_rest(tmp_path: Path) -> None:
    for name in ("yahoo_abuse.eml", "outlook_no_source_ip.eml", "not_spam.eml", "plain_mail.eml"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    shutil.copy(FIXTURES / "yahoo_abuse.eml", tmp_path / "yahoo_abuse_again.eml")  # same Message-ID
    receiver = ReceiverData()
    result = load_arf([tmp_path], receiver)
    assert receiver.complaints == {
        (date(2026, 11, 20), "198.51.100.12", "yahoo.com"): 1,
        (date(2026, 11, 19), "198.51.100.12", "outlook.com"): 1,
    }
    assert (result.reports, result.records, result.duplicates) == (3, 2, 1)  # not-spam is no complaint
    [error] = result.errors
    assert error.file.endswith("plain_mail.eml") and "not an ARF report" in error.message


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (lambda t: t.replace("Source-IP: 198.51.100.12", "Source-IP: 999.1.1.1"), "not an IP address"),
        (lambda t: t.replace("Feedback-Type: abuse\n", ""), "no Feedback-Type"),
        (lambda t: t.replace("message/feedback-report", "text/plain"), "no message/feedback-report part"),
        (
            lambda t: t.replace("Source-IP: 198.51.100.12\n", "").replace("([198.51.100.12])", "(local)"),
            "no Source-IP",
        ),
        (
            lambda t: (
                t.replace("Arrival-Date: Fri, 20 Nov 2026 13:58:11 +0000\n", "")
                .replace("with SMTPS; Fri, 20 Nov 2026 13:58:11 +0000", "with SMTPS; yesterday")
                .replace("Date: Fri, 20 Nov 2026 14:03:00 +0000\n", "")
            ),
            "tell the day",
        ),
    ],
    ids=["bad-ip", "no-type", "no-report-part", "no-ip-anywhere", "no-date"],
)
def test_broken_reports_say_why(edit: object, reason: str) -> None:
    text = (FIXTURES / "yahoo_abuse.eml").read_text()
    with pytest.raises(ArfError, match=reason):
        parse_arf(edit(text).encode())  # type: ignore[operator]


def test_huge_and_binary_files_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse, "MAX_MESSAGE_BYTES", 1000)
    (tmp_path / "huge.eml").write_bytes((FIXTURES / "yahoo_abuse.eml").read_bytes() + b"x" * 2000)
    (tmp_path / "binary.bin").write_bytes(bytes(range(256)) * 3)
    (tmp_path / "empty.eml").write_bytes(b"")
    receiver = ReceiverData()
    result = load_arf([tmp_path], receiver)
    assert len(result.errors) == 3 and not receiver.complaints
    assert any("larger than" in error.message for error in result.errors)
