"""The ``imap`` table of dmarc/arf sources (validated at load, no password in the file) and the report
parts found in a mail message (sniffed by their bytes, bounded)."""

from __future__ import annotations

import gzip
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from ipdash.domain.config import Config
from ipdash.sources.config_file import ConfigError
from ipdash.sources.dmarc import mail_reports
from ipdash.sources.dmarc.mail_reports import dmarc_attachments, is_feedback_report, report_suffix
from ipdash.sources.receiver import receiver_specs
from ipdash.sources.sources_config import DmarcSourceSpec, validate_sources

FIXTURES = Path(__file__).resolve().parent / "fixtures"
IMAP = {"host": "imap.example.com", "user": "dmarc@acme-shop.example", "password_env": "DMARC_IMAP_PASSWORD"}


def dmarc_entry(**imap: Any) -> dict[str, Any]:
    return {"kind": "dmarc", "name": "rua", "paths": ["reports"], "imap": {**IMAP, **imap}}


def problems(entry: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as caught:
        validate_sources([entry], Path("/etc/ipdash/config.toml"))
    return str(caught.value)


def test_a_password_in_the_file_is_refused_with_where_it_should_go() -> None:
    text = problems(dmarc_entry(password="hunter2"))
    assert "sources[0].imap" in text and "password_env" in text and "hunter2" not in text
    assert "environment variable" in problems(dmarc_entry(password_env="hunter 2"))


@pytest.mark.parametrize(
    ("imap", "expected"),
    [
        ({"after": "move"}, "needs move_to"),
        ({"security": "none"}, "security"),
        ({"folder": 'IN"BOX'}, "mailbox name"),
        ({"port": 0}, "port"),
        ({"timeout": 0}, "timeout"),
        ({"nonsense": 1}, "nonsense"),
    ],
)
def test_bad_imap_settings_name_the_key(imap: dict[str, Any], expected: str) -> None:
    assert expected in problems(dmarc_entry(**imap))


def test_paths_resolve_against_the_config_and_the_spool_is_read_with_the_paths() -> None:
    [spec] = validate_sources(
        [dmarc_entry(save_to="inbox-reports", ca_file="ca.pem")], Path("/etc/ipdash/x.toml")
    )
    assert isinstance(spec, DmarcSourceSpec) and spec.imap is not None
    assert spec.spool == Path("/etc/ipdash/inbox-reports")
    assert spec.imap.ca_file == Path("/etc/ipdash/ca.pem")
    assert spec.imap.effective_port == 993 and spec.imap.mailbox_key.endswith("@imap.example.com:993/INBOX")
    [source] = receiver_specs(
        Config(sources=[dmarc_entry(save_to="inbox-reports")]), Path("/etc/ipdash/x.toml")
    )
    assert source.paths == (Path("/etc/ipdash/reports"), Path("/etc/ipdash/inbox-reports"))
    [default] = receiver_specs(Config(sources=[dmarc_entry(security="starttls")]), Path("/etc/ipdash/x.toml"))
    assert default.paths == (Path("/etc/ipdash/reports"),)  # saved into the first path itself


def mail_with(*attachments: tuple[bytes, str, str]) -> bytes:
    message = EmailMessage()
    message["Subject"] = "Report domain: acme-shop.example"
    message.set_content("see attached")
    for data, filename, content_type in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def test_report_parts_are_told_by_their_bytes_not_their_names() -> None:
    xml = (FIXTURES / "dmarc" / "google.xml").read_bytes()
    raw = mail_with(
        (gzip.compress(xml), "report.bin", "application/octet-stream"),  # a renamed .xml.gz
        (b"<html><body>not a report</body></html>", "report.xml", "text/xml"),
        (b"\x89PNG\r\n\x1a\n....", "logo.png", "image/png"),
    )
    found = dmarc_attachments(raw)
    assert [suffix for suffix, _ in found.files] == [".gz"] and found.problems == []
    assert report_suffix(b"\xef\xbb\xbf  <?xml version='1.0'?><feedback/>") == ".xml"
    assert report_suffix(b"<feedback><report_metadata/></feedback>") == ".xml"
    assert report_suffix(b"") is None


def test_oversized_attachments_and_mime_bombs_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mail_reports, "MAX_FILE_BYTES", 100)
    found = dmarc_attachments(mail_with((b"<?xml version='1.0'?>" + b" " * 200, "big.xml", "text/xml")))
    assert found.files == [] and "over the 100 bytes limit" in found.problems[0]
    monkeypatch.setattr(mail_reports, "MAX_PARTS", 3)
    found = dmarc_attachments(mail_with(*[(b"<?xml?><feedback/>", f"{i}.xml", "text/xml") for i in range(5)]))
    # the root, the text and one attachment are the three parts read
    assert "more than 3 MIME parts" in found.problems[0] and len(found.files) == 1


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff" * 1000,
        b"no headers at all, just text",
        b"Content-Type: multipart/mixed\r\n\r\n--x",
        b"\r\n" * 50,
    ],
)
def test_junk_messages_hold_no_report(raw: bytes) -> None:
    assert dmarc_attachments(raw).files == []
    assert not is_feedback_report(raw)


def test_feedback_reports_are_recognised() -> None:
    assert is_feedback_report((FIXTURES / "arf" / "yahoo_abuse.eml").read_bytes())
    assert not is_feedback_report((FIXTURES / "arf" / "plain_mail.eml").read_bytes())
