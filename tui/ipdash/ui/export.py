"""Export what the dashboard shows (the IP table as filtered and sorted, and the feed) as CSV or JSON.

The files go to ``exports/`` in the platform data dir (``ipdash locate data``); the notification
names them. JSON uses the field names of ``ipdash report --format json`` (``ips[]``, breaches), so a
script reads an export and a report alike; rates are fractions.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from ipdash.commands._output import dumps_json
from ipdash.commands.report import _breach_json, _ip_json
from ipdash.domain.analysis import Analysis
from ipdash.domain.feed import FeedItem
from ipdash.domain.safe_text import safe_text

IP_FIELDS = (
    "ip",
    "pool",
    "provider",
    "kind",
    "sent",
    "delivered",
    "bounce_rate",
    "complaint_rate",
    "unsubscribe_rate",
    "score",
    "band",
    "warmup_state",
    "breaches",
)
FEED_FIELDS = ("severity", "since", "ip", "kind", "what", "value", "threshold", "preset", "reason")


def export_dir() -> Path:
    from ipdash.sources.paths import user_data_dir

    return user_data_dir() / "exports"


def _cell(value: Any) -> Any:
    """A CSV cell: text made safe (no control characters) and never read as a formula by a spreadsheet."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = safe_text(value)
        return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text
    return value


def _ip_row(document: dict[str, Any]) -> dict[str, Any]:
    warmup = document.get("warmup") or {}
    row = {field: document.get(field) for field in IP_FIELDS}
    row["warmup_state"] = warmup.get("state")
    row["breaches"] = len(document["breaches"])
    return row


def _feed_json(item: FeedItem) -> dict[str, Any]:
    return {"ip": item.ip, **_breach_json(item)}


def write_export(
    analysis: Analysis,
    ips: Sequence[str],
    feed: Sequence[FeedItem],
    fmt: str,
    *,
    now: datetime,
    range_text: str,
    filter_text: str,
    directory: Path | None = None,
) -> list[Path]:
    """Write the export (blocking: call from a worker thread); returns the files written."""
    directory = directory or export_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    ip_documents = [_ip_json(analysis.ips[ip]) for ip in ips if ip in analysis.ips]
    window = analysis.window
    if fmt == "json":
        path = directory / f"ipdash-{stamp}.json"
        document = {
            "generated_at": now.isoformat(),
            "window": {"start": window.start, "end": window.end, "days": window.days} if window else None,
            "range": range_text,
            "filter": filter_text,
            "ips": ip_documents,
            "feed": [_feed_json(item) for item in feed],
        }
        path.write_text(dumps_json(document) + "\n", encoding="utf-8")
        return [path]
    ips_path, feed_path = directory / f"ipdash-{stamp}-ips.csv", directory / f"ipdash-{stamp}-feed.csv"
    with ips_path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=IP_FIELDS)
        writer.writeheader()
        for document in ip_documents:
            writer.writerow({k: _cell(v) for k, v in _ip_row(document).items()})
    with feed_path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=FEED_FIELDS)
        writer.writeheader()
        for item in feed:
            json_item = _feed_json(item)
            json_item["value"] = item.detail if item.value is None else item.value
            writer.writerow({k: _cell(json_item.get(k)) for k in FEED_FIELDS})
    return [ips_path, feed_path]


def start_export(app: Any, fmt: str) -> None:
    """Export the dashboard as it is now, in a worker thread; a notification names the files."""
    from ipdash.domain.time_range import range_label
    from ipdash.ui.widgets.row_search import filtered_feed

    data = app.data
    if data is None:
        app.notify("Nothing to export yet: the data is still loading.", severity="warning", timeout=5)
        return
    table = app.dashboard.table
    ips, filter_text = table.visible_ips(), table.filter_text
    feed = filtered_feed(data.analysis.feed, ips, filter_text)
    now = app.clock()

    def work() -> None:
        try:
            paths = write_export(
                data.analysis,
                ips,
                feed,
                fmt,
                now=now,
                range_text=range_label(data.range_days),
                filter_text=filter_text,
            )
        except OSError as error:
            app.call_from_thread(
                app.notify, f"Export failed: {error}", title="Export", severity="error", timeout=10
            )
            return
        names = "\n".join(str(path) for path in paths)
        app.call_from_thread(
            app.notify,
            f"{len(ips)} IPs and {len(feed)} feed lines written to\n{names}",
            title="Export",
            timeout=12,
        )

    app.run_worker(work, thread=True, group="export", description=f"export {fmt}", exit_on_error=False)


def export_commands(app: Any) -> Any:
    from textual.app import SystemCommand

    where = export_dir()
    for fmt, what in (("csv", "two CSV files (IPs, feed)"), ("json", "one JSON file (report's fields)")):
        yield SystemCommand(
            f"Export table and feed as {fmt.upper()}",
            f"The IP table as filtered and sorted, and the feed: {what} in {where}",
            lambda fmt=fmt: start_export(app, fmt),
        )
