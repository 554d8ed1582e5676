"""DMARC aggregate reports: the three big reporters' shapes, compression, duplicates, hostile input."""

from __future__ import annotations

import gzip
import io
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest

from ipdash.domain.receiver import ReceiverData
from ipdash.domain.receiver.levels import reporter_provider
from ipdash.sources.dmarc import opener, parse, safe_xml
from ipdash.sources.dmarc.load import load_dmarc

FIXTURES = Path(__file__).parent / "fixtures" / "dmarc"
DAY = date(2026, 11, 20)


@pytest.fixture(autouse=True, params=["whole", "streamed"])
def parse_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every case both ways: small reports are parsed whole, large ones streamed (forced here)."""
    if request.param == "streamed":
        monkeypatch.setattr(safe_xml, "WHOLE_LIMIT", 0)
    return str(request.param)


def load(*paths: Path) -> tuple[ReceiverData, object]:
    receiver = ReceiverData()
    return receiver, load_dmarc(paths, receiver)


def test_google_report_counts_per_record_with_aligned_results() -> None:
    receiver, result = load(FIXTURES / "google.xml")
    own = receiver.dmarc[(DAY, "198.51.100.10", "gmail.com", "acme-shop.example")]
    assert (own.messages, own.dmarc_pass, own.spf_pass, own.dkim_pass) == (1000, 900, 900, 900)
    unknown = receiver.dmarc[(DAY, "192.0.2.99", "gmail.com", "acme-shop.example")]
    assert (unknown.messages, unknown.dmarc_pass) == (40, 0)  # SPF passed, but for another domain
    assert result.reports == 1 and result.records == 3 and not result.errors


def test_microsoft_report_without_policy_results_is_judged_from_auth_results() -> None:
    receiver, result = load(FIXTURES / "outlook.xml")
    counts = receiver.dmarc[(DAY, "198.51.100.10", "outlook.com", "acme-shop.example")]
    # record 2 has no policy_evaluated: DKIM passed aligned (d=acme-shop.example), SPF failed
    assert (counts.messages, counts.dmarc_pass, counts.spf_pass, counts.dkim_pass) == (520, 520, 500, 520)
    assert result.records == 2


def test_dmarcbis_namespace_yahoo_report_and_a_bad_record_is_skipped_with_its_position() -> None:
    receiver, result = load(FIXTURES / "yahoo.xml")
    counts = receiver.dmarc[(DAY, "2001:db8:25::10", "yahoo.com", "acme-shop.example")]  # canonical IPv6
    assert (counts.messages, counts.dkim_pass, counts.spf_pass) == (300, 300, 0)
    assert result.records == 1
    [error] = result.errors
    assert error.file.endswith("yahoo.xml") and "record 2" in error.message and "not-an-ip" in error.message


@pytest.mark.parametrize(
    ("org", "email", "provider"),
    [
        ("google.com", "noreply-dmarc-support@google.com", "gmail.com"),
        ("Outlook.com", "dmarcreport@microsoft.com", "outlook.com"),
        ("Enterprise Outlook", "dmarcreport@microsoft.com", "outlook.com"),
        ("Yahoo", "dmarchelp@yahooinc.com", "yahoo.com"),
        ("Mail.Ru", "dmarc_support@corp.mail.ru", "Mail.Ru"),
        ("  Fastmail   Pty  ", "", "Fastmail Pty"),
        ("", "reports@dmarc.example.net", "dmarc.example.net"),
    ],
)
def test_reporters_map_to_mailbox_providers_others_keep_their_name(
    org: str, email: str, provider: str
) -> None:
    assert reporter_provider(org, email) == provider


def test_gzip_and_zip_reports_read_like_plain_ones_whatever_their_name(tmp_path: Path) -> None:
    data = (FIXTURES / "google.xml").read_bytes()
    (tmp_path / "google.com!acme-shop.example!1795132800!1795219199.xml.gz").write_bytes(gzip.compress(data))
    with zipfile.ZipFile(tmp_path / "renamed.xml", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("outlook.xml", (FIXTURES / "outlook.xml").read_bytes())
    receiver, result = load(tmp_path)
    assert result.reports == 2 and not result.errors
    assert receiver.dmarc[(DAY, "198.51.100.10", "gmail.com", "acme-shop.example")].messages == 1000
    assert receiver.dmarc[(DAY, "198.51.100.10", "outlook.com", "acme-shop.example")].messages == 520


def test_the_same_report_twice_counts_once(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "google.xml", tmp_path / "a.xml")
    (tmp_path / "b.xml.gz").write_bytes(gzip.compress((FIXTURES / "google.xml").read_bytes()))
    receiver, result = load(tmp_path)
    assert result.reports == 1 and result.duplicates == 1
    assert receiver.dmarc[(DAY, "198.51.100.10", "gmail.com", "acme-shop.example")].messages == 1000


def test_a_truncated_copy_does_not_hide_the_whole_report(tmp_path: Path) -> None:
    data = (FIXTURES / "google.xml").read_bytes()
    (tmp_path / "a_partial.xml").write_bytes(data[: len(data) // 2])
    (tmp_path / "b_whole.xml").write_bytes(data)
    receiver, result = load(tmp_path)
    assert result.reports == 1 and result.duplicates == 0
    [error] = result.errors
    assert error.file.endswith("a_partial.xml") and error.line is not None and error.column is not None
    assert "malformed XML" in error.message
    assert receiver.dmarc[(DAY, "198.51.100.10", "gmail.com", "acme-shop.example")].messages == 1000


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE feedback [<!ENTITY leak SYSTEM "file:///etc/passwd">]>
<feedback><report_metadata><org_name>&leak;</org_name></report_metadata></feedback>
"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<feedback><report_metadata><org_name>&lol3;</org_name></report_metadata></feedback>
"""


@pytest.mark.parametrize("content", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_dtds_and_entities_are_refused_before_anything_is_read(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "evil.xml").write_bytes(content)
    (tmp_path / "good.xml").write_bytes((FIXTURES / "google.xml").read_bytes())
    receiver, result = load(tmp_path)
    [error] = result.errors
    assert error.file.endswith("evil.xml") and "DTD or entities" in error.message
    assert "root:" not in str(receiver.dmarc)  # nothing from /etc/passwd
    assert result.reports == 1  # the good report still loads


def test_gzip_bomb_stops_at_the_unpacked_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(opener, "MAX_XML_BYTES", 1 << 20)
    body = b"<feedback>" + b" " * (8 << 20)  # 8 MiB of spaces: compresses ~1000x
    (tmp_path / "bomb.xml.gz").write_bytes(gzip.compress(body, compresslevel=9))
    _, result = load(tmp_path)
    [error] = result.errors
    assert "larger than 1 MiB unpacked" in error.message


def test_zip_bomb_is_refused_by_its_declared_ratio_unread(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("report.xml", b"\0" * (20 << 20))
    _, result = load(tmp_path)
    [error] = result.errors
    assert "zip bomb" in error.message


def test_zip_member_that_lies_about_its_size_is_still_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(opener, "MAX_XML_BYTES", 1000)
    reader = opener.BoundedReader(io.BytesIO(b"x" * 5000), opener.MAX_XML_BYTES, "zip member")
    with pytest.raises(opener.ReportFileError, match="unpacked"):
        while reader.read(512):
            pass


def test_huge_and_empty_files_are_skipped_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(opener, "MAX_FILE_BYTES", 100)
    (tmp_path / "huge.xml").write_bytes(b"<feedback>" + b" " * 200 + b"</feedback>")
    (tmp_path / "empty.xml").write_bytes(b"")
    _, result = load(tmp_path)
    messages = {Path(error.file).name: error.message for error in result.errors}
    assert "file is empty" in messages["empty.xml"]
    assert "file is 221 bytes, over the 100 bytes limit" in messages["huge.xml"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"<html><body>hello</body></html>", "not <feedback>"),
        (b"<feedback><record/></feedback>", "no report_metadata"),
        (b"<feedback><report_metadata><org_name>x</org_name></report_metadata></feedback>", "report_id"),
        (
            b"<feedback><report_metadata><org_name>x</org_name><report_id>1</report_id>"
            b"<date_range><begin>soon</begin></date_range></report_metadata></feedback>",
            "Unix time",
        ),
        (b"PK\x03\x04garbage", "zip"),
        (b"\x1f\x8bgarbage", "skipped"),
        ("<feedback>\u00e9</feedback>".encode("utf-16"), "skipped"),
    ],
    ids=["html", "no-metadata", "no-id", "bad-date", "bad-zip", "bad-gzip", "utf16"],
)
def test_files_that_are_not_usable_reports_are_reported_and_skipped(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    (tmp_path / "bad.xml").write_bytes(content)
    receiver, result = load(tmp_path)
    [error] = result.errors
    assert reason in error.message and error.file.endswith("bad.xml")
    assert not receiver.dmarc


def test_other_files_in_the_folder_are_ignored_and_counted(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "google.xml", tmp_path / "google.xml")
    (tmp_path / "notes.txt").write_text("not a report")
    (tmp_path / ".hidden.xml").write_text("<x/>")
    (tmp_path / "sub").mkdir()
    shutil.copy(FIXTURES / "yahoo.xml", tmp_path / "sub" / "yahoo.xml")
    _, result = load(tmp_path, tmp_path / "missing")
    assert (result.reports, result.ignored, result.missing) == (2, 1, [str(tmp_path / "missing")])


def test_bad_counts_are_record_errors(tmp_path: Path) -> None:
    text = (FIXTURES / "google.xml").read_text().replace("<count>100</count>", "<count>-5</count>")
    (tmp_path / "r.xml").write_text(text)
    receiver, result = load(tmp_path)
    [error] = result.errors
    assert "record 2 skipped: count '-5'" in error.message
    assert receiver.dmarc[(DAY, "198.51.100.10", "gmail.com", "acme-shop.example")].messages == 900


def test_alignment_modes() -> None:
    assert parse.aligned("mail.acme-shop.example", "acme-shop.example", "r")
    assert not parse.aligned("mail.acme-shop.example", "acme-shop.example", "s")
    assert not parse.aligned("crm-vendor.example", "acme-shop.example", "r")
    assert not parse.aligned("", "acme-shop.example", "r")


def test_relaxed_alignment_uses_the_public_suffix_list() -> None:
    # the last two labels would call these aligned: they are different registrants under co.uk
    assert not parse.aligned("bounce.other-shop.co.uk", "acme-shop.co.uk", "r")
    assert parse.aligned("bounce.acme-shop.co.uk", "news.acme-shop.co.uk", "r")
    # a private suffix (github.io) separates registrants too
    assert not parse.aligned("alice.github.io", "bob.github.io", "r")
    # a public suffix is its own Organizational Domain: aligned only with itself
    assert not parse.aligned("co.uk", "acme-shop.co.uk", "r")


def test_declaration_after_a_long_prolog_is_still_refused_when_streamed(tmp_path: Path) -> None:
    comment = b"<!--" + b"x" * (3 * safe_xml.CHUNK) + b"-->"
    (tmp_path / "r.xml").write_bytes(b'<?xml version="1.0"?>' + comment + XXE.split(b"?>", 1)[1])
    _, result = load(tmp_path)
    [error] = result.errors
    assert "DTD or entities" in error.message


def test_cdata_and_comments_are_not_declarations(tmp_path: Path) -> None:
    text = (FIXTURES / "google.xml").read_text()
    text = text.replace("<feedback>", "<!-- exported --><feedback>").replace(
        "<org_name>google.com</org_name>", "<org_name><![CDATA[google.com]]></org_name>"
    )
    (tmp_path / "r.xml").write_text(text)
    receiver, result = load(tmp_path)
    assert not result.errors and (DAY, "198.51.100.10", "gmail.com", "acme-shop.example") in receiver.dmarc


def test_many_records_stream_with_one_in_memory(tmp_path: Path) -> None:
    record = (
        "<record><row><source_ip>192.0.2.{n}</source_ip><count>1</count><policy_evaluated>"
        "<disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>"
        "<identifiers><header_from>acme-shop.example</header_from></identifiers></record>"
    )
    head = (FIXTURES / "google.xml").read_text().split("<record>")[0]
    body = "".join(record.format(n=i % 250) for i in range(20_000))
    (tmp_path / "big.xml").write_text(head + body + "</feedback>")
    receiver, result = load(tmp_path)
    assert result.records == 20_000
    assert sum(c.messages for c in receiver.dmarc.values()) == 20_000
    assert len(receiver.dmarc) == 250
