"""Check results kept on disk with their time (``checks.json``), so a restart does not lose them.

One record per target: the latest result. Writes are atomic (temporary file, then rename). A damaged
file is reported and set aside, never fatal; records that do not parse are skipped with a count.
Keys never reach the file: zone names are stored in their masked display form.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ipdash.domain.dnsbl.results import TargetResult
from ipdash.domain.dnsbl.serialise import target_from_json, target_to_json

FORMAT_VERSION = 1
MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass
class StoredChecks:
    results: dict[str, TargetResult] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


class ResultsStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> StoredChecks:
        stored = StoredChecks()
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return stored
        except OSError as error:
            stored.problems.append(f"{self.path}: cannot read: {error}")
            return stored
        if size > MAX_FILE_BYTES:
            stored.problems.append(f"{self.path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; ignored")
            return stored
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            stored.problems.append(
                f"{self.path}: unreadable ({error}); set aside as {self._set_aside().name}"
            )
            return stored
        records = data.get("results") if isinstance(data, dict) else None
        if not isinstance(records, list):
            stored.problems.append(f"{self.path}: not a checks file; set aside as {self._set_aside().name}")
            return stored
        skipped = 0
        for record in records:
            try:
                result = target_from_json(record)
            except (KeyError, ValueError, TypeError, AttributeError):
                skipped += 1
                continue
            stored.results[result.target] = result
        if skipped:
            stored.problems.append(f"{self.path}: {skipped} damaged record(s) skipped")
        return stored

    def save(self, results: Iterable[TargetResult]) -> None:
        """Merge ``results`` into the file (the latest result per target wins)."""
        current = self.load().results
        for result in results:
            previous = current.get(result.target)
            if previous is None or previous.checked_at <= result.checked_at:
                current[result.target] = result
        self._write({"version": FORMAT_VERSION, "results": [target_to_json(r) for r in current.values()]})

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".checks-", suffix=".json", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(data, file, ensure_ascii=False, indent=1)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _set_aside(self) -> Path:
        aside = self.path.with_name(self.path.name + ".damaged")
        with contextlib.suppress(OSError):
            os.replace(self.path, aside)
        return aside
