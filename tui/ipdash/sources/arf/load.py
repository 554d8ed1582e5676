"""ARF feedback-loop messages (one per file: .eml, .arf, .msg or any name) into ReceiverData.

Each ``abuse`` report is one complaint per (day, source IP, mailbox provider of the reporter);
other feedback types (not-spam, auth-failure, fraud, virus) are counted but are not complaints.
A duplicate message (same Message-ID) counts once. A file that is not a feedback report is reported
with its name and skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ipdash.domain.models import RowError
from ipdash.domain.receiver import ReceiverData
from ipdash.domain.receiver.levels import complaint_provider
from ipdash.sources.arf.parse import MAX_MESSAGE_BYTES, ArfError, parse_arf
from ipdash.sources.dmarc.load import FolderLoad, report_files


def load_arf(paths: Iterable[Path], into: ReceiverData) -> FolderLoad:
    load = FolderLoad()
    for path in report_files(paths, load, accept_any_name=True):
        load.files += 1
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_MESSAGE_BYTES + 1)
            complaint = parse_arf(data)
        except ArfError as error:
            load.errors.append(RowError(str(path), None, None, f"ARF report skipped: {error}"))
            continue
        except (OSError, ValueError, LookupError) as error:
            load.errors.append(RowError(str(path), None, None, f"ARF report skipped: {error}"))
            continue
        identity = complaint.message_id or f"{path.resolve()}"
        if into.seen("arf", identity):
            load.duplicates += 1
            continue
        into.mark_seen("arf", identity)
        load.reports += 1
        if complaint.feedback_type != "abuse":
            continue
        load.records += 1
        provider = complaint_provider(complaint.reporter_domain)
        into.add_complaint((complaint.day, complaint.source_ip, provider))
    return load
