"""The reports inside one mail message: DMARC aggregate report attachments, or the ARF message itself.

Reporters attach ``.xml``, ``.xml.gz`` or ``.zip`` (RFC 7489 7.2.1.1), with content types that vary
(application/gzip, application/x-gzip, application/zip, text/xml, application/octet-stream): a part
is taken when its bytes start like gzip, zip or XML, whatever it is called. What the parts hold is
then read by the report folder's loader with its own limits; a message with no report is counted.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass, field
from email.message import Message

from ipdash.sources.dmarc.opener import MAX_FILE_BYTES, size_text

MAX_PARTS = 500
MAX_REPORTS_PER_MESSAGE = 20
_GZIP, _ZIP = b"\x1f\x8b", b"PK\x03\x04"


@dataclass(slots=True)
class FoundReports:
    files: list[tuple[str, bytes]] = field(default_factory=list)  # (suffix, bytes)
    problems: list[str] = field(default_factory=list)


def report_suffix(data: bytes) -> str | None:
    """ ".gz", ".zip" or ".xml" by the first bytes; None for anything else."""
    if data.startswith(_GZIP):
        return ".gz"
    if data.startswith(_ZIP):
        return ".zip"
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"<?xml", b"<feedback")) or (head.startswith(b"<") and b"<feedback" in data[:4096]):
        return ".xml"
    return None


def dmarc_attachments(raw: bytes) -> FoundReports:
    found = FoundReports()
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    for index, part in enumerate(message.walk()):
        if index >= MAX_PARTS:
            found.problems.append(f"more than {MAX_PARTS} MIME parts: the rest not read")
            break
        if part.is_multipart() or len(found.files) >= MAX_REPORTS_PER_MESSAGE:
            continue
        payload = _payload(part)
        if not payload:
            continue
        suffix = report_suffix(payload)
        if suffix is None:
            continue
        if len(payload) > MAX_FILE_BYTES:
            found.problems.append(
                f"an attachment of {size_text(len(payload))} is over the {size_text(MAX_FILE_BYTES)} limit"
            )
            continue
        found.files.append((suffix, payload))
    return found


def is_feedback_report(raw: bytes) -> bool:
    """An ARF message (RFC 5965): multipart/report with report-type feedback-report, or a
    message/feedback-report part anywhere."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    report_type = message.get_param("report-type")
    if message.get_content_type() == "multipart/report" and str(report_type).lower() == "feedback-report":
        return True
    return any(
        part.get_content_type() == "message/feedback-report"
        for index, part in enumerate(message.walk())
        if index < MAX_PARTS
    )


def _payload(part: Message) -> bytes | None:
    try:
        payload = part.get_payload(decode=True)
    except (ValueError, LookupError, TypeError):  # broken base64 / quoted-printable: not a report
        return None
    return payload if isinstance(payload, bytes) else None
