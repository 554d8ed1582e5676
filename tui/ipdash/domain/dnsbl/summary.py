"""Summaries that cannot lie: "listed on 2 of 12, 3 not checked (timeout ×2, REFUSED ×1)".

Only block listings count toward "listed on N"; policy and collateral listings are named separately.
Nothing is "clean" while any list went unanswered, and important lists that went unanswered are named.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from ipdash.domain.dnsbl.judge import Status
from ipdash.domain.dnsbl.results import CheckReport, TargetResult, ZoneResult

IMPORTANT = frozenset({"critical", "major"})


class Overall(StrEnum):
    LISTED = "listed"
    INCOMPLETE = "incomplete"
    CLEAN = "clean"
    NOTHING_CHECKED = "nothing checked"


@dataclass(frozen=True, slots=True)
class ListingSummary:
    queried: int
    block_listed: tuple[str, ...]
    policy_listed: tuple[str, ...]
    collateral_listed: tuple[str, ...]
    clean: int
    error: int
    unknown: int
    skipped: int
    not_checked_causes: tuple[tuple[str, int], ...]
    skipped_causes: tuple[tuple[str, int], ...]
    important_not_checked: tuple[str, ...]

    @property
    def listed(self) -> int:
        return len(self.block_listed) + len(self.policy_listed) + len(self.collateral_listed)

    @property
    def not_checked(self) -> int:
        return self.error + self.unknown

    @property
    def overall(self) -> Overall:
        if self.listed:
            return Overall.LISTED
        if self.queried == 0:
            return Overall.NOTHING_CHECKED
        if self.not_checked:
            return Overall.INCOMPLETE
        return Overall.CLEAN

    @property
    def text(self) -> str:
        if self.queried == 0:
            parts = ["nothing checked"]
        elif self.block_listed:
            parts = [f"listed on {len(self.block_listed)} of {self.queried}"]
        elif self.not_checked or self.listed:
            parts = [f"no block listing on {self.clean} of {self.queried}"]
        else:
            parts = [f"clean on {self.clean} of {self.queried}"]
        if self.policy_listed:
            parts.append(f"policy listing on {len(self.policy_listed)} ({', '.join(self.policy_listed)})")
        if self.collateral_listed:
            names = ", ".join(self.collateral_listed)
            parts.append(f"network listed on {len(self.collateral_listed)} ({names})")
        if self.not_checked:
            parts.append(f"{self.not_checked} not checked ({_causes(self.not_checked_causes)})")
        if self.important_not_checked:
            parts.append(f"important lists not checked: {', '.join(self.important_not_checked)}")
        if self.skipped:
            parts.append(f"{self.skipped} skipped ({_causes(self.skipped_causes)})")
        return ", ".join(parts)


def _causes(causes: tuple[tuple[str, int], ...]) -> str:
    return ", ".join(f"{cause} ×{count}" for cause, count in causes)


def summarise(results: Iterable[ZoneResult]) -> ListingSummary:
    """One pass over the results (a sweep summarises every target twice: for its JSON verdict and for
    the run's outcome)."""
    block: list[str] = []
    policy: list[str] = []
    collateral: list[str] = []
    counts = dict.fromkeys(Status, 0)
    not_checked: dict[str, int] = {}
    skipped: dict[str, int] = {}
    important: dict[str, None] = {}
    for r in results:
        status = r.status
        counts[status] += 1
        if status is Status.LISTED:
            severity = r.severity
            if severity == "listing":
                block.append(r.name)
            elif severity == "policy":
                policy.append(r.name)
            elif severity == "collateral":
                collateral.append(r.name)
        elif status is Status.ERROR or status is Status.UNKNOWN:
            cause = r.cause or status.value
            not_checked[cause] = not_checked.get(cause, 0) + 1
            if r.importance in IMPORTANT:
                important[r.name] = None
        elif status is Status.SKIPPED:
            cause = r.cause or "skipped"
            skipped[cause] = skipped.get(cause, 0) + 1
    return ListingSummary(
        queried=sum(counts.values()) - counts[Status.SKIPPED],
        block_listed=tuple(block),
        policy_listed=tuple(policy),
        collateral_listed=tuple(collateral),
        clean=counts[Status.CLEAN],
        error=counts[Status.ERROR],
        unknown=counts[Status.UNKNOWN],
        skipped=counts[Status.SKIPPED],
        not_checked_causes=_most_common(not_checked),
        skipped_causes=_most_common(skipped),
        important_not_checked=tuple(important),
    )


def _most_common(counts: dict[str, int]) -> tuple[tuple[str, int], ...]:
    """Counter.most_common's order: by count, ties in order of first appearance."""
    return tuple(sorted(counts.items(), key=lambda item: -item[1]))


def status_counts(results: Iterable[ZoneResult]) -> dict[str, int]:
    counts = Counter(r.status.value for r in results)
    return {status.value: counts.get(status.value, 0) for status in Status}


def report_counts(report: CheckReport) -> dict[str, int]:
    return status_counts(zone for target in report.results for zone in target.blocklists)


def target_overall(result: TargetResult) -> Overall:
    return summarise(result.blocklists).overall
