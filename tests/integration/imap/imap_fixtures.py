"""Helpers for the IMAP report source tests: report mails, a source for a loopback server, one poll."""

from __future__ import annotations

import asyncio
import email.policy
import gzip
import io
import zipfile
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
from imap_server import ImapServer

from ipdash.domain.models import PollResult
from ipdash.sources.providers.base import ProviderSource, Runtime
from ipdash.sources.providers.registry import build_sources
from ipdash.sources.sources_config import validate_sources

REPORTS = Path(__file__).resolve().parents[2] / "unit" / "receiver" / "fixtures"
PASSWORD = "s3cret-Pass!"
ENV = {"DMARC_IMAP_PASSWORD": PASSWORD}


def report_mail(name: str, attachment: bytes, filename: str, content_type: str) -> bytes:
    message = EmailMessage()
    message["From"] = "noreply-dmarc-support@google.com"
    message["To"] = "dmarc@acme-shop.example"
    message["Subject"] = f"Report domain: acme-shop.example Submitter: {name}"
    message["Message-ID"] = f"<{filename}@reports.example>"
    message.set_content("This is an aggregate report from " + name)
    maintype, subtype = content_type.split("/")
    message.add_attachment(attachment, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes(policy=email.policy.SMTP)  # CRLF, as stored on a server


def google_mail() -> bytes:
    xml = (REPORTS / "dmarc" / "google.xml").read_bytes()
    return report_mail(
        "google.com", gzip.compress(xml), "google.com!acme-shop.example!1.xml.gz", "application/gzip"
    )


def outlook_mail() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("outlook.xml", (REPORTS / "dmarc" / "outlook.xml").read_bytes())
    return report_mail(
        "outlook.com", buffer.getvalue(), "enterprise.protection.outlook.com!acme.zip", "application/zip"
    )


def plain_mail() -> bytes:
    return b"From: someone@example.net\r\nSubject: hello\r\n\r\nNot a report, just a note.\r\n"


def imap_source(
    server: ImapServer, spool: Path, *, kind: str = "dmarc", env: dict[str, str] | None = None, **imap: Any
) -> ProviderSource:
    settings = {
        "host": "127.0.0.1",
        "port": server.port,
        "user": server.user,
        "password_env": "DMARC_IMAP_PASSWORD",
        **imap,
    }
    [spec] = validate_sources([{"kind": kind, "name": "rua", "paths": [str(spool)], "imap": settings}])
    [source] = build_sources([spec], Runtime(env=ENV if env is None else env))
    return source


def poll(source: ProviderSource) -> PollResult:
    async def once() -> PollResult:
        async with httpx.AsyncClient() as client:
            today = date(2026, 11, 21)
            return await source.fetch(client, since=today, until=today)

    return asyncio.run(once())
