"""`ipdash sources test`: try each configured source once and say what works and why not."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from ipdash.commands._options import config_option, format_option
from ipdash.commands._output import emit_json, fail_usage, render_table
from ipdash.domain.models import PollResult
from ipdash.exit_codes import EXIT_FINDING, EXIT_OK
from ipdash.sources.config_file import ConfigError, load_config
from ipdash.sources.providers.polling import configured_sources, poll_all_once


@click.group()
def sources() -> None:
    """Provider sources configured in [[sources]]."""


@sources.command("test")
@config_option()
@format_option("table", "json")
def test_sources(config_path: Path | None, output_format: str) -> None:
    """Poll every source once (nothing is stored) and report each outcome.

    Exit codes: 0 every source works; 1 at least one failed; 2 config error.
    """
    try:
        config, path = load_config(config_path, required=True)
        chosen = configured_sources(config, path)
    except ConfigError as error:
        fail_usage(str(error))
        return
    if not chosen:
        fail_usage(f"{path}: no enabled [[sources]] to test")
        return
    results = asyncio.run(poll_all_once(config, sources=chosen))
    if output_format == "json":
        emit_json({"sources": [result_json(r) for r in results], "ok": all(r.ok for r in results)})
    else:
        render_table(
            ["source", "kind", "status", "detail"],
            [(r.source, r.kind, status_label(r), r.detail) for r in results],
            title="ipdash sources test",
        )
    sys.exit(EXIT_OK if all(r.ok for r in results) else EXIT_FINDING)


def status_label(result: PollResult) -> str:
    return "✓ ok" if result.ok else f"✗ {result.failure}"


def result_json(result: PollResult) -> dict[str, object]:
    return {
        "source": result.source,
        "kind": result.kind,
        "status": "ok" if result.ok else "failed",
        "failure": result.failure,
        "partial": result.partial,  # stopped before it finished: these are the records it had
        "reason": result.detail,
        "fetched_at": result.fetched_at.isoformat(),
        "ips": len(result.facts),
        "stat_days": len(result.stats),
        "snds_days": len(result.snds),
        "listings": len(result.listings),
        "account_days": len(result.account_days),
    }
