"""Parse one ARF feedback-loop message (RFC 5965): who complained about mail from which IP, and when.

The report is a ``multipart/report; report-type=feedback-report`` with a human part, a
``message/feedback-report`` part (``Feedback-Type``, ``Source-IP``, ``Arrival-Date``, …) and the
original message or its headers. The source IP is ``Source-IP``; without it, the first IP
literal outside internal ranges in the original message's Received chain, newest hop first (the hop the mailbox provider
recorded when our MTA connected). Only ``Feedback-Type: abuse`` is a complaint.
"""

from __future__ import annotations

import email
import email.policy
import ipaddress
import re
from dataclasses import dataclass
from datetime import UTC, date
from email.message import Message
from email.utils import parseaddr, parsedate_to_datetime

from ipdash.domain.models import canonical_ip

#: A feedback report is a few kilobytes; Yahoo and Microsoft include the whole original message.
MAX_MESSAGE_BYTES = 5 * 1024 * 1024
_IP_LITERAL = re.compile(r"\[(?:IPv6:)?([0-9A-Fa-f:.]{2,45})\]")
#: Hops inside a sender's or a receiver's network, never the IP that connected to the mailbox provider.
#: (Not ``is_global``: the documentation ranges our fixtures and sample data use are not global.)
_INTERNAL = tuple(
    ipaddress.ip_network(net)
    for net in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "0.0.0.0/8",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
        "::/128",
    )
)


class ArfError(Exception):
    """The file is not a usable feedback report."""


@dataclass(frozen=True, slots=True)
class Complaint:
    source_ip: str
    day: date
    reporter_domain: str
    feedback_type: str
    message_id: str
    reported_domain: str = ""


def _part(message: Message, content_type: str) -> Message | None:
    return next((p for p in message.walk() if p.get_content_type() == content_type), None)


def _fields(part: Message) -> Message:
    """The machine-readable fields of the feedback-report part, as a header block."""
    payload = part.get_payload()
    if isinstance(payload, list):  # the email package parsed it as message/* with a sub-message
        inner = payload[0]
        if isinstance(inner, Message):
            return inner
    text = payload if isinstance(payload, str) else ""
    return email.message_from_string(text.lstrip() + "\n\n")


def _original(message: Message) -> Message | None:
    for content_type in ("message/rfc822", "text/rfc822-headers"):
        part = _part(message, content_type)
        if part is None:
            continue
        payload = part.get_payload()
        if isinstance(payload, list) and payload and isinstance(payload[0], Message):
            return payload[0]
        if isinstance(payload, str):
            return email.message_from_string(payload)
    return None


def received_ip(original: Message | None) -> str | None:
    """The first IP literal outside internal ranges in the Received chain, newest (topmost) header first."""
    if original is None:
        return None
    for header in original.get_all("Received", [])[:30]:
        for literal in _IP_LITERAL.findall(str(header)):
            try:
                address = ipaddress.ip_address(literal)
            except ValueError:
                continue
            if not any(address in net for net in _INTERNAL if net.version == address.version):
                return canonical_ip(literal)
    return None


def _day(*candidates: str | None) -> date | None:
    for text in candidates:
        if not text:
            continue
        try:
            when = parsedate_to_datetime(str(text).split(";")[-1].strip())
        except (TypeError, ValueError, IndexError):
            continue
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return when.astimezone(UTC).date()
    return None


def parse_arf(data: bytes) -> Complaint:
    """One complaint, or ArfError saying why the message is not a usable feedback report."""
    if len(data) > MAX_MESSAGE_BYTES:
        raise ArfError(f"larger than {MAX_MESSAGE_BYTES >> 20} MiB: not a feedback report")
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    if message.get_content_type() != "multipart/report" or message.get_param("report-type") != (
        "feedback-report"
    ):
        raise ArfError("not an ARF report (no multipart/report; report-type=feedback-report)")
    part = _part(message, "message/feedback-report")
    if part is None:
        raise ArfError("no message/feedback-report part")
    fields = _fields(part)
    feedback_type = str(fields.get("Feedback-Type", "")).strip().lower()
    if not feedback_type:
        raise ArfError("the feedback report has no Feedback-Type")
    original = _original(message)
    raw_ip = str(fields.get("Source-IP", "")).strip()
    try:
        ip = canonical_ip(raw_ip) if raw_ip else received_ip(original)
    except ValueError:
        raise ArfError(f"Source-IP {raw_ip[:60]!r} is not an IP address") from None
    if ip is None:
        raise ArfError(
            "no Source-IP, and no IP outside internal ranges in the original message's Received headers"
        )
    top_received = (original.get_all("Received", []) if original is not None else [None])[0]
    day = _day(fields.get("Arrival-Date"), top_received, message.get("Date"))
    if day is None:
        raise ArfError("no Arrival-Date, Received or Date to tell the day of the complaint")
    reporter = parseaddr(str(message.get("From", "")))[1].rpartition("@")[2].lower()
    message_id = str(message.get("Message-ID", "")).strip()[:255]
    return Complaint(
        source_ip=ip,
        day=day,
        reporter_domain=reporter[:253],
        feedback_type=feedback_type[:40],
        message_id=message_id,
        reported_domain=str(fields.get("Reported-Domain", "")).strip().lower()[:253],
    )
