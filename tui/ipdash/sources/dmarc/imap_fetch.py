"""One IMAP poll, synchronous (run in a worker thread): new messages' reports saved into the spool.

The last UID read is kept per mailbox in the spool (``.ipdash-imap.json``, with the folder's
UIDVALIDITY: when that changes, UIDs restart and so does the reading), so a restart reads only what
arrived since. Saved files are named by mailbox, UIDVALIDITY and UID (the same message saved twice is
the same file), written whole then renamed. Messages are read with ``BODY.PEEK[]`` (left unseen);
``after`` then marks the ones that held a report ``\\Seen`` or moves them (MOVE, RFC 6851, else COPY,
``\\Deleted`` and EXPUNGE).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ipdash.sources.dmarc.imap_client import MAX_LITERAL_BYTES, BoundedImap, BoundedImapSsl, tls_context
from ipdash.sources.dmarc.imap_settings import ImapSettings
from ipdash.sources.dmarc.mail_reports import dmarc_attachments, is_feedback_report
from ipdash.sources.dmarc.opener import size_text

STATE_FILE = ".ipdash-imap.json"
_SIZE = re.compile(rb"UID (\d+) RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+) UID (\d+)")
_UIDVALIDITY = re.compile(rb"\d+")


class ImapFailure(Exception):
    """An expected failure, with the PollResult failure kind it maps to."""

    def __init__(self, kind: Literal["auth", "unavailable", "bad_payload", "config"], detail: str) -> None:
        super().__init__(detail)
        self.kind = kind


@dataclass(slots=True)
class ImapPoll:
    """What one poll did, for the Sources panel."""

    folder: str
    messages: int = 0
    saved: int = 0
    without_report: int = 0
    oversized: int = 0
    waiting: int = 0
    moved_or_marked: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self, spool: Path) -> str:
        parts = [f"{self.folder}: {self.messages} new message(s), {self.saved} report(s) saved to {spool}"]
        if self.without_report:
            parts.append(f"{self.without_report} without a report")
        if self.oversized:
            parts.append(f"{self.oversized} over {size_text(MAX_LITERAL_BYTES)} skipped")
        if self.moved_or_marked:
            parts.append(f"{self.moved_or_marked} {'moved' if 'moved' in self.notes else 'marked seen'}")
        if self.waiting:
            parts.append(f"{self.waiting} more wait for the next poll")
        parts.extend(note for note in self.notes if note != "moved")
        return "; ".join(parts)


def poll_mailbox(settings: ImapSettings, password: str, spool: Path, kind: str) -> ImapPoll:
    """Raises ImapFailure (or ImapLimit, OSError, ssl.SSLError, imaplib errors: the caller maps them)."""
    if spool.exists() and not spool.is_dir():
        raise ImapFailure("config", f"save_to {spool} is a file, not a folder")
    spool.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + max(300.0, 10 * settings.timeout)
    context = tls_context(str(settings.ca_file) if settings.ca_file else None)
    port = settings.effective_port
    client: BoundedImap | BoundedImapSsl
    if settings.security == "tls":
        client = BoundedImapSsl(
            settings.host, port, ssl_context=context, timeout=settings.timeout, deadline=deadline
        )
    else:
        client = BoundedImap(settings.host, port, timeout=settings.timeout, deadline=deadline)
        if "STARTTLS" not in client.capabilities:
            _shutdown(client)
            raise ImapFailure(
                "config", "the server does not offer STARTTLS: the password is never sent in clear"
            )
        try:
            client.starttls(context)
        except BaseException:
            _shutdown(client)
            raise
    try:
        poll = _session(client, settings, password, spool, kind)
    except BaseException:
        _shutdown(client)  # no LOGOUT to a server that broke the session: it may not answer
        raise
    with contextlib.suppress(Exception):
        client.logout()
    _shutdown(client)
    return poll


def _session(client: Any, settings: ImapSettings, password: str, spool: Path, kind: str) -> ImapPoll:
    try:
        client.login(settings.user, password)
    except client.abort:
        raise
    except client.error as error:
        raise ImapFailure("auth", f"login refused for {settings.user}: {_text(error)}") from None
    quoted = f'"{settings.folder}"'
    typ, data = client.select(quoted, readonly=settings.after == "keep")
    if typ != "OK":
        raise ImapFailure("config", f"folder {settings.folder!r} cannot be opened: {_text(data)}")
    uidvalidity = _uidvalidity(client)
    state = _read_state(spool)
    key = settings.mailbox_key
    remembered = state.get(key, {})
    last_uid = int(remembered.get("last_uid", 0)) if remembered.get("uidvalidity") == uidvalidity else 0
    poll = ImapPoll(settings.folder)
    uids = _search(client, settings, last_uid)
    poll.waiting = max(0, len(uids) - settings.max_messages)
    uids = uids[: settings.max_messages]
    sizes = _sizes(client, uids)
    prefix = f"imap-{hashlib.sha256(key.encode()).hexdigest()[:8]}-{uidvalidity}"
    with_reports: list[int] = []
    try:
        for uid in uids:
            poll.messages += 1
            if sizes.get(uid, 0) > MAX_LITERAL_BYTES:
                poll.oversized += 1
                last_uid = uid
                continue
            raw = _fetch(client, uid)
            saved = _save_reports(raw, spool, f"{prefix}-{uid}", kind, poll)
            if saved:
                with_reports.append(uid)
            else:
                poll.without_report += 1
            last_uid = uid
    finally:  # what was saved stays read, even when a later message breaks the poll
        if uids:
            state[key] = {"uidvalidity": uidvalidity, "last_uid": last_uid}
            _write_state(spool, state)
    if with_reports and settings.after != "keep":
        _after(client, settings, with_reports, poll)
    return poll


def _search(client: Any, settings: ImapSettings, last_uid: int) -> list[int]:
    criteria = ["UID", f"{last_uid + 1}:*"]
    if settings.search == "unseen":
        criteria.insert(0, "UNSEEN")
    typ, data = client.uid("SEARCH", *criteria)
    if typ != "OK":
        raise ImapFailure("bad_payload", f"UID SEARCH refused: {_text(data)}")
    found: set[int] = set()
    for line in data:
        if isinstance(line, bytes):
            for token in line.split():
                if not token.isdigit():
                    raise ImapFailure("bad_payload", f"UID SEARCH answered {line[:80]!r}, not UIDs")
                found.add(int(token))
    return sorted(uid for uid in found if uid > last_uid)  # "n:*" matches the last message even below n


def _sizes(client: Any, uids: list[int]) -> dict[int, int]:
    if not uids:
        return {}
    typ, data = client.uid("FETCH", _uid_set(uids), "(RFC822.SIZE)")
    if typ != "OK":
        raise ImapFailure("bad_payload", f"UID FETCH RFC822.SIZE refused: {_text(data)}")
    sizes: dict[int, int] = {}
    for line in data:
        text = line[0] if isinstance(line, tuple) else line
        if isinstance(text, bytes) and (match := _SIZE.search(text)):
            uid, size = (match[1], match[2]) if match[1] else (match[4], match[3])
            sizes[int(uid)] = int(size)
    return sizes


def _fetch(client: Any, uid: int) -> bytes:
    typ, data = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
    if typ != "OK":
        raise ImapFailure("bad_payload", f"UID FETCH {uid} refused: {_text(data)}")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return b""  # expunged meanwhile: nothing to read


def _save_reports(raw: bytes, spool: Path, stem: str, kind: str, poll: ImapPoll) -> int:
    if kind == "arf":
        if not raw or not is_feedback_report(raw):
            return 0
        _write_file(spool / f"{stem}.eml", raw)
        poll.saved += 1
        return 1
    found = dmarc_attachments(raw)
    for problem in found.problems[:1]:
        poll.notes.append(f"{stem}: {problem}")
    for index, (suffix, data) in enumerate(found.files):
        _write_file(spool / f"{stem}-{index}{'.xml.gz' if suffix == '.gz' else suffix}", data)
    poll.saved += len(found.files)
    return len(found.files)


def _after(client: Any, settings: ImapSettings, uids: list[int], poll: ImapPoll) -> None:
    uid_set = _uid_set(uids)
    if settings.after == "seen":
        typ, data = client.uid("STORE", uid_set, "+FLAGS.SILENT", r"(\Seen)")
    elif "MOVE" in client.capabilities:
        typ, data = client.uid("MOVE", uid_set, f'"{settings.move_to}"')
        poll.notes.append("moved")
    else:
        typ, data = client.uid("COPY", uid_set, f'"{settings.move_to}"')
        if typ == "OK":
            typ, data = client.uid("STORE", uid_set, "+FLAGS.SILENT", r"(\Deleted)")
        if typ == "OK":
            typ, data = client.expunge()
        poll.notes.append("moved")
    if typ != "OK":
        poll.notes.append(f"{settings.after} failed (the reports are saved): {_text(data)}")
        return
    poll.moved_or_marked = len(uids)


def _uid_set(uids: list[int]) -> str:
    return ",".join(str(uid) for uid in uids)


def _uidvalidity(client: Any) -> int:
    for value in client.untagged_responses.get("UIDVALIDITY", []):
        if isinstance(value, bytes) and (match := _UIDVALIDITY.search(value)):
            return int(match[0])
    return 0  # a server that does not say: UIDs are taken as they come


def _read_state(spool: Path) -> dict[str, dict[str, int]]:
    try:
        data = json.loads((spool / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_state(spool: Path, state: dict[str, Any]) -> None:
    _write_file(spool / STATE_FILE, json.dumps(state, indent=1, sort_keys=True).encode())


def _write_file(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.part")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _text(value: object) -> str:
    if isinstance(value, list):
        value = b" ".join(item for item in value if isinstance(item, bytes))
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, BaseException) and value.args:
        value = value.args[0]
        return _text(value)
    return str(value)[:300]


def _shutdown(client: Any) -> None:
    with contextlib.suppress(Exception):
        client.shutdown()
