"""Source kinds to their implementations. Modules are imported on first use, so a kind
whose optional library (botocore, google-auth) is missing only fails when configured."""

from __future__ import annotations

import importlib

from ipdash.sources.providers.base import ProviderSource, Runtime
from ipdash.sources.sources_config import SourceSpec

#: kind -> "module:class" inside ipdash.sources.providers
SOURCE_CLASSES: dict[str, str] = {
    "sendgrid": "sendgrid:SendgridSource",
    "mailgun": "mailgun:MailgunSource",
    "sparkpost": "sparkpost:SparkpostSource",
    "snds": "snds:SndsSource",
    "ses": "ses:SesSource",
    "postmaster": "postmaster:PostmasterSource",
    "postmark": "postmark:PostmarkSource",
    "csv": "csv_files:CsvFileSource",
}


def source_class(kind: str) -> type[ProviderSource]:
    try:
        target = SOURCE_CLASSES[kind]
    except KeyError:
        raise ValueError(f"unknown source kind {kind!r}; known: {', '.join(SOURCE_CLASSES)}") from None
    module_name, class_name = target.split(":")
    module = importlib.import_module(f"ipdash.sources.providers.{module_name}")
    cls: type[ProviderSource] = getattr(module, class_name)
    return cls


def build_source(spec: SourceSpec, runtime: Runtime | None = None) -> ProviderSource:
    return source_class(spec.kind)(spec, runtime)


def build_sources(specs: list[SourceSpec], runtime: Runtime | None = None) -> list[ProviderSource]:
    """Every enabled polled source, in config order (receiver report folders are read by
    ipdash.sources.receiver with the files, not polled; their IMAP mailboxes are polled)."""
    sources = []
    for spec in specs:
        if not spec.enabled:
            continue
        if spec.kind in SOURCE_CLASSES:
            sources.append(build_source(spec, runtime))
        elif getattr(spec, "imap", None) is not None:  # a dmarc/arf source's mailbox: polled into its folder
            from ipdash.sources.dmarc.imap_source import ImapReportSource

            sources.append(ImapReportSource(spec, runtime))
    return sources
