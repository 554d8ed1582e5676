"""The three log formats from the fixtures (modelled on the documented formats), and hostile input."""

from __future__ import annotations

import gzip
import io
import json
import time
from datetime import UTC, date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import zstandard

from ipdash.domain.models import DailyStat
from ipdash.sources.mta.lines import MAX_LINE_BYTES
from ipdash.sources.mta.reader import MtaFileError, MtaLoadResult, read_mta_log
from ipdash.sources.mta.spec import MtaLogSpec

FIXTURES = Path(__file__).parent / "fixtures"
KUMO_NAMES = {"ip-11": "198.51.100.11"}


def by_key(result: MtaLoadResult) -> dict[tuple[date, str, str], DailyStat]:
    return {(s.day, s.ip, s.mailbox_provider): s for s in result.stats}


def kumo_line(**fields: object) -> str:
    record = {
        "type": "Delivery",
        "recipient": "a@gmail.com",
        "timestamp": 1795132800,
        "response": {"code": 250, "enhanced_code": {"class": 2, "subject": 0, "detail": 0}, "content": "OK"},
        "source_address": {"address": "198.51.100.10:53210"},
        "egress_source": "ip-10",
    }
    record.update(fields)
    return json.dumps(record)


def test_kumomta_records() -> None:
    result = read_mta_log(FIXTURES / "kumomta.jsonl", "kumomta", ip_names=KUMO_NAMES)
    assert (result.rows, result.passed_over, result.error_count) == (9, 1, 0)
    stats = by_key(result)
    gmail = stats[(date(2026, 11, 20), "198.51.100.10", "gmail.com")]
    assert (gmail.sent, gmail.delivered, gmail.bounced, gmail.blocked, gmail.complaints) == (3, 2, 1, 0, 0)
    outlook = stats[(date(2026, 11, 20), "198.51.100.10", "outlook.com")]
    assert (outlook.bounced, outlook.blocked) == (1, 1)  # S3150
    assert stats[(date(2026, 11, 20), "198.51.100.10", "yahoo.com")].complaints == 1  # the Feedback record
    assert stats[(date(2026, 11, 20), "198.51.100.11", "yahoo.com")].bounced == 1  # egress_source mapped
    assert (date(2026, 11, 21), "2001:db8::10", "other") in stats  # "[2001:db8::10]:40000"
    rules = {(r.mailbox_provider, r.outcome, r.rule_id) for r in result.replies if r.outcome != "delivered"}
    assert ("gmail.com", "deferred", "gmail-4.7.28") in rules
    assert ("outlook.com", "bounced", "outlook-s3150") in rules


def test_powermta_accounting() -> None:
    result = read_mta_log(FIXTURES / "powermta.csv", "powermta", ip_names={"vmta-21": "198.51.100.21"})
    assert (result.rows, result.passed_over, result.error_count) == (6, 2, 0)  # header and the r record
    stats = by_key(result)
    day = date(2026, 11, 19)
    assert stats[(day, "198.51.100.20", "yahoo.com")].delivered == 1  # aol.com → yahoo.com
    assert stats[(day, "198.51.100.20", "outlook.com")].blocked == 1  # 5.7.511
    assert stats[(day, "198.51.100.20", "other")].blocked == 1  # Spamhaus named in the reply
    assert stats[(day, "198.51.100.21", "gmail.com")].blocked == 0  # bad-mailbox, via the vmta name
    assert all(s.complaints is None for s in result.stats)  # no f records: unknown, not 0
    rules = {r.rule_id for r in result.replies}
    assert {"yahoo-tss04", "outlook-5.7.511", "listing-spamhaus", "powermta-bad-mailbox"} <= rules


def test_postfix_with_per_ip_transports_and_the_expired_join() -> None:
    names = {"postfix-ip30": "198.51.100.30", "postfix-ip31": "198.51.100.31"}
    result = read_mta_log(FIXTURES / "postfix.log", "postfix", ip_names=names, zone=UTC)
    assert result.error_count == 0, result.errors
    stats = by_key(result)
    gmail = stats[(date(2026, 11, 19), "198.51.100.30", "gmail.com")]
    assert (gmail.delivered, gmail.bounced, gmail.blocked) == (1, 1, 1)  # 5.7.26 DMARC
    assert stats[(date(2026, 11, 20), "198.51.100.30", "icloud.com")].delivered == 1  # RFC 3339 stamp
    expired = stats[(date(2026, 11, 24), "198.51.100.31", "outlook.com")]
    assert (expired.bounced, expired.blocked) == (1, 1)  # joined by queue id with its 4.7.650 deferral
    deferred = {(r.mailbox_provider, r.rule_id) for r in result.replies if r.outcome == "deferred"}
    assert deferred == {("outlook.com", "outlook-4.7.650"), ("yahoo.com", "generic-temporary")}


POSTFIX_LATE = (
    "Nov 19 23:30:00 mta1 postfix-ip30/smtp[2301]: 4F3A21C0D2: to=<a@gmail.com>, relay=x[142.251.2.27]:25, "
    "dsn=2.0.0, status=sent (250 2.0.0 OK)\n"
)


def test_postfix_classic_stamps_are_read_in_the_configured_zone(tmp_path: Path) -> None:
    path = tmp_path / "maillog"
    path.write_text(POSTFIX_LATE)
    names = {"postfix-ip30": "198.51.100.30"}
    utc = by_key(read_mta_log(path, "postfix", ip_names=names, zone=UTC))
    assert list(utc) == [(date(2026, 11, 19), "198.51.100.30", "gmail.com")]
    # 23:30 in Los Angeles (UTC-8 in November) is 07:30 UTC the next day
    pacific = by_key(read_mta_log(path, "postfix", ip_names=names, zone=ZoneInfo("America/Los_Angeles")))
    assert list(pacific) == [(date(2026, 11, 20), "198.51.100.30", "gmail.com")]


def test_postfix_classic_stamps_default_to_the_local_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "maillog"
    path.write_text(POSTFIX_LATE)
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        local = by_key(read_mta_log(path, "postfix", ip_names={"postfix-ip30": "198.51.100.30"}))
    finally:
        monkeypatch.undo()
        time.tzset()
    assert list(local) == [(date(2026, 11, 20), "198.51.100.30", "gmail.com")]  # 04:30 UTC


def test_postfix_timezone_in_the_source_is_checked() -> None:
    with pytest.raises(ValueError, match="not an IANA time zone"):
        MtaLogSpec(path=Path("x"), format="postfix", timezone="Mars/Olympus")
    spec = MtaLogSpec(path=Path("x"), format="postfix", timezone="Europe/Berlin")
    assert spec.zone == ZoneInfo("Europe/Berlin")


def test_postfix_unmapped_syslog_name_is_reported_with_the_fix(tmp_path: Path) -> None:
    result = read_mta_log(FIXTURES / "postfix.log", "postfix")
    assert result.error_count == 5
    assert "syslog_name 'postfix-ip30' has no IP" in result.errors[0].message
    assert "--mta-ip postfix-ip30=IP" in result.errors[0].message
    assert (result.errors[0].file, result.errors[0].line) == (str(FIXTURES / "postfix.log"), 2)


def test_zstd_segments_in_a_folder(tmp_path: Path) -> None:
    lines = (FIXTURES / "kumomta.jsonl").read_bytes()
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "20261120-000000").write_bytes(zstandard.ZstdCompressor().compress(lines))
    (folder / "20261121-000000.gz").write_bytes(
        gzip.compress(kumo_line(timestamp=1795219200).encode() + b"\n")
    )
    (folder / ".hidden").write_text("ignored")
    result = read_mta_log(folder, "kumomta", ip_names=KUMO_NAMES)
    assert (result.files, result.rows, result.error_count) == (2, 10, 0)


def test_broken_zstd_keeps_what_came_before(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    writer = zstandard.ZstdCompressor().stream_writer(buffer, closefd=False)
    for index in range(2000):  # KumoMTA flushes as it writes: many blocks in one frame
        writer.write((kumo_line(timestamp=1795132800 + index) + "\n").encode())
        if index % 100 == 99:
            writer.flush(zstandard.FLUSH_BLOCK)
    writer.close()
    compressed = buffer.getvalue()
    path = tmp_path / "segment"
    path.write_bytes(compressed[: len(compressed) // 2] + b"\x00garbage" * 50)
    result = read_mta_log(path, "kumomta")
    assert 0 < result.rows < 2000
    assert result.error_count >= 1
    assert "broken off" in result.errors[-1].message and result.errors[-1].line is not None


def test_truncated_zstd_frame(tmp_path: Path) -> None:
    compressed = zstandard.ZstdCompressor().compress((kumo_line() + "\n").encode() * 10)
    path = tmp_path / "segment"
    path.write_bytes(compressed[:-4])
    result = read_mta_log(path, "kumomta")
    assert result.error_count <= 2  # the cut line, perhaps the broken stream; never an exception


def test_partial_last_line_unknown_types_and_garbage(tmp_path: Path) -> None:
    path = tmp_path / "kumo.jsonl"
    path.write_bytes(
        (kumo_line() + "\n").encode()
        + (kumo_line(type="Teleport") + "\n").encode()
        + b"\xff\xfe not utf-8\n"
        + b"bin\x00ary\n"
        + b"[1, 2]\n"
        + b'{"type": "Delivery"}\n'
        + (kumo_line(timestamp="yesterday") + "\n").encode()
        + ("[" * 100_000 + "\n").encode()
        + (kumo_line(source_address=None, egress_source="unmapped") + "\n").encode()
        + kumo_line()[:40].encode()
    )
    result = read_mta_log(path, "kumomta")
    assert result.rows == 1
    messages = {error.line: error.message for error in result.errors}
    assert "unknown record type 'Teleport'" in messages[2]
    assert "not UTF-8" in messages[3]
    assert "NUL" in messages[4]
    assert "not an object" in messages[5]
    assert "recipient" in messages[6] or "timestamp" in messages[6]
    assert "timestamp" in messages[7]
    assert "nested" in messages[8] or "JSON" in messages[8]
    assert "egress_source 'unmapped' has no IP" in messages[9]
    assert messages[10].startswith("incomplete last line")


def test_huge_line_is_skipped_without_holding_it(tmp_path: Path) -> None:
    path = tmp_path / "kumo.jsonl"
    with open(path, "wb") as handle:
        handle.write((kumo_line() + "\n").encode())
        handle.write(b'{"type": "Delivery", "x": "' + b"a" * (MAX_LINE_BYTES * 3) + b'"}\n')
        handle.write((kumo_line() + "\n").encode())
    result = read_mta_log(path, "kumomta")
    assert result.rows == 2
    assert result.errors[0].line == 2 and "longer than" in result.errors[0].message


def test_errors_are_counted_past_the_kept_ones(tmp_path: Path) -> None:
    path = tmp_path / "kumo.jsonl"
    path.write_text("not json\n" * 500)
    result = read_mta_log(path, "kumomta")
    assert (result.error_count, len(result.errors)) == (500, 100)


def test_files_that_are_not_logs(tmp_path: Path) -> None:
    with pytest.raises(MtaFileError, match="not found"):
        read_mta_log(tmp_path / "missing.log", "kumomta")
    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(MtaFileError, match="binary"):
        read_mta_log(binary, "kumomta")
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "a.png").write_bytes(binary.read_bytes())
    (folder / "b.jsonl").write_text(kumo_line() + "\n")
    (folder / "c.jsonl").write_text("")
    result = read_mta_log(folder, "kumomta")
    assert result.rows == 1 and result.error_count == 1 and result.errors[0].line is None


def test_powermta_without_header_and_short_rows(tmp_path: Path) -> None:
    path = tmp_path / "acct.csv"
    path.write_text("d,2026-11-19 08:00:01+0000,a@gmail.com\n")
    result = read_mta_log(path, "powermta")
    assert "header" in result.errors[0].message
    path.write_text(
        "type,timeLogged,rcpt,dlvSourceIp\nd,2026-11-19 08:00:01+0000\nx,1,2,3\nd,1795132800,a@gmail.com,198.51.100.1\n"
    )
    result = read_mta_log(path, "powermta")
    assert result.rows == 1  # the epoch time stamp
    assert "no sending IP" in result.errors[0].message
    assert "unknown record type" in result.errors[1].message


def test_powermta_feedback_records_by_vmta_and_a_second_header(tmp_path: Path) -> None:
    path = tmp_path / "acct.csv"
    path.write_text(
        "type,timeLogged,rcpt,dlvSourceIp,vmta\n"
        "d,2026-11-19 08:00:01+0000,a@gmail.com,198.51.100.20,vmta-20\n"
        # the f records' own fields, as a second header line: no dlvSourceIp at all
        "type,timeLogged,format,reportingMTA,rcpt,vmta\n"
        "f,2026-11-19 09:00:00+0000,arf,dns;feedback.yahoo.com,b@yahoo.com,vmta-21\n"
        "f,2026-11-19 09:05:00+0000,arf,dns;feedback.yahoo.com,c@yahoo.com,\n"
    )
    result = read_mta_log(path, "powermta", ip_names={"vmta-21": "198.51.100.21"})
    stats = by_key(result)
    assert stats[(date(2026, 11, 19), "198.51.100.21", "yahoo.com")].complaints == 1
    assert stats[(date(2026, 11, 19), "198.51.100.20", "gmail.com")].delivered == 1
    [error] = result.errors  # the f record with neither an IP nor a vmta name
    assert error.line == 5 and "no sending IP" in error.message


def test_distinct_replies_are_bounded(tmp_path: Path) -> None:
    path = tmp_path / "kumo.jsonl"
    lines = [
        kumo_line(
            type="Bounce",
            response={"code": 550, "content": f"reason number {'x' * (i % 7)} {chr(65 + i % 26)}{i}"},
        )
        for i in range(500)
    ]
    path.write_text("\n".join(lines) + "\n")
    result = read_mta_log(path, "kumomta")
    assert result.rows == 500
    assert len(result.replies) <= 52
    assert sum(r.count for r in result.replies) == 500
