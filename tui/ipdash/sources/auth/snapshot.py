"""An offline resolver over a zone snapshot (JSON) for the sample data: answers exactly what the file holds,
NXDOMAIN for names it does not know and NOERROR-without-records for other types of names it does know.

Format: {"records": [{"name": "example.com", "type": "TXT", "values": ["v=spf1 -all"]}, …],
"policies": {"https://mta-sts.example.com/.well-known/mta-sts.txt": "version: STSv1\\n…"},
"unanswered": [{"name": …, "type": …, "rcode": "timeout"}]}.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ipdash.domain.auth.answers import POLICY, normalise
from ipdash.domain.dnsbl.lookups import LookupOutcome, Rcode
from ipdash.sources.small_files import read_small_regular_file

MAX_SNAPSHOT_BYTES = 4 * 1024 * 1024


class SnapshotError(ValueError):
    """The snapshot file is missing, too large or not the format above."""


class SnapshotResolver:
    answers_policies = True

    def __init__(self, records: dict[tuple[str, str], LookupOutcome], label: str) -> None:
        self.records = records
        self.names = {name for name, _ in records}
        self.label = label
        self.queries = 0

    @classmethod
    def from_file(cls, path: Path) -> SnapshotResolver:
        try:
            data = json.loads(read_small_regular_file(path, MAX_SNAPSHOT_BYTES))
        except ValueError as error:  # json.JSONDecodeError is one
            raise SnapshotError(f"{path}: {error}") from None
        return cls(_records(data, path), f"zone snapshot {path.name} (offline)")

    async def lookup(self, name: str, rdtype: str = "A", *, wait: float = 0.0) -> LookupOutcome:
        self.queries += 1
        key = (normalise(name) if rdtype != POLICY else name, rdtype.upper())
        found = self.records.get(key)
        if found is not None:
            return found
        if rdtype == POLICY:
            return LookupOutcome(Rcode.NXDOMAIN, detail="answers 404 Not Found")
        return LookupOutcome(Rcode.NOERROR if key[0] in self.names else Rcode.NXDOMAIN)

    async def aclose(self) -> None:
        return None


def _records(data: Any, path: Path) -> dict[tuple[str, str], LookupOutcome]:
    if not isinstance(data, dict) or not isinstance(data.get("records", []), list):
        raise SnapshotError(f"{path}: expected an object with a 'records' list")
    records: dict[tuple[str, str], LookupOutcome] = {}
    for index, entry in enumerate(data.get("records", [])):
        try:
            name, rdtype, values = entry["name"], entry["type"], entry["values"]
            if not (
                isinstance(name, str) and isinstance(rdtype, str) and all(isinstance(v, str) for v in values)
            ):
                raise TypeError
        except (KeyError, TypeError):
            raise SnapshotError(
                f"{path}: records[{index}] needs name, type and a list of string values"
            ) from None
        key = (normalise(name), rdtype.upper())
        previous = records.get(key)
        merged = (*previous.values, *values) if previous else tuple(values)
        records[key] = LookupOutcome(Rcode.NOERROR, merged, ttl=300)
    policies = data.get("policies", {})
    unanswered = data.get("unanswered", [])
    if not isinstance(policies, dict) or not isinstance(unanswered, list):
        raise SnapshotError(f"{path}: 'policies' must be an object and 'unanswered' a list")
    for url, body in policies.items():
        records[(str(url), POLICY)] = LookupOutcome(Rcode.NOERROR, (str(body),))
    for index, entry in enumerate(unanswered):
        try:
            rcode = Rcode(entry.get("rcode", "timeout"))
            records[(normalise(entry["name"]), entry["type"].upper())] = LookupOutcome(
                rcode, detail="snapshot"
            )
        except (AttributeError, KeyError, TypeError, ValueError):
            raise SnapshotError(f"{path}: unanswered[{index}] needs name, type and a known rcode") from None
    return records
