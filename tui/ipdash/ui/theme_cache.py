"""What each theme file parsed to, kept between runs so an unchanged file is not parsed again.

One JSON file in the user's cache dir: per theme file path, the file's whole text and either the
mapping it parsed to or the reason it could not be read. An entry is used only when the file's text
is exactly the text it was made from, so an edited file is always parsed afresh; a mapping is still
validated as a fresh parse would be (``theme_from_mapping``), and one that JSON cannot carry
unchanged (YAML dates, integer keys…) is not kept. A cache that cannot be read, is too big or is
not ours is ignored and rewritten; one that cannot be written is left alone: the themes load either
way, only slower.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from ipdash.sources.small_files import read_small_regular_file

CACHE_VERSION = 1
MAX_CACHE_BYTES = 1024 * 1024

Parsed = dict[str, Any] | str  # the file's fields, or why it could not be read


class ThemeCache:
    def __init__(self, path: Path, entries: dict[str, dict[str, Any]]) -> None:
        self.path = path
        self._entries = entries
        self._seen: set[str] = set()  # entries of files not read this time are dropped on write
        self._changed = False

    @classmethod
    def read(cls, path: Path) -> ThemeCache:
        try:
            data = json.loads(read_small_regular_file(path, MAX_CACHE_BYTES))
        except (ValueError, RecursionError):  # missing, unreadable, too big, not JSON
            return cls(path, {})
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
            return cls(path, {})
        files = data.get("files")
        return cls(path, files if isinstance(files, dict) else {})

    def get(self, theme_file: Path, text: str) -> Parsed | None:
        self._seen.add(str(theme_file))
        entry = self._entries.get(str(theme_file))
        if not isinstance(entry, dict) or entry.get("text") != text:
            return None
        if isinstance(entry.get("error"), str):
            return str(entry["error"])
        parsed = entry.get("fields")
        return parsed if isinstance(parsed, dict) else None

    def put(self, theme_file: Path, text: str, parsed: Parsed) -> None:
        entry: dict[str, Any] = {"text": text}
        if isinstance(parsed, str):
            entry["error"] = parsed
        else:
            try:
                same = json.loads(json.dumps(parsed)) == parsed
            except (TypeError, ValueError, RecursionError):
                same = False
            if not same:
                self._entries.pop(str(theme_file), None)
                return
            entry["fields"] = parsed
        self._entries[str(theme_file)] = entry
        self._changed = True

    def write(self) -> None:
        kept = {name: entry for name, entry in self._entries.items() if name in self._seen}
        if not self._changed and len(kept) == len(self._entries):
            return
        payload = json.dumps({"version": CACHE_VERSION, "files": kept})
        if len(payload.encode()) > MAX_CACHE_BYTES:
            return
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_text(payload, encoding="utf-8")
            os.replace(temporary, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
            return
        self._entries, self._changed = kept, False
