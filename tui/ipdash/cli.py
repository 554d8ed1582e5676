"""The `ipdash` command.

A bare `ipdash` opens the TUI. Headless subcommands live one per module in
``ipdash.commands`` and are imported only when invoked, so `ipdash --help`,
`report` and `check` never load Textual.

Exit codes (the public contract) are in ``ipdash.exit_codes``.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

import click

from ipdash.gc_pauses import bulk_allocation

#: subcommand name -> "module:attribute" of its click command, inside ipdash.commands.
SUBCOMMANDS: dict[str, str] = {
    "report": "report:report",
    "check": "check:check",
    "warmup": "warmup:warmup",
    "recommend": "recommend:recommend",
    "poll": "poll:poll",
    "sources": "sources_cmd:sources",
    "locate": "locate:locate",
    "store": "store_cmd:store",
    "metrics": "metrics_cmd:metrics",
    "serve": "serve:serve",
}

#: What `ipdash --help` lists for each subcommand, so listing them imports none (the sync is
#: held by tests/integration/test_cli_startup.py). A name missing here is imported to ask.
SHORT_HELP: dict[str, str] = {
    "report": "Per-IP summary: volume, rates, score, warm-up, breaches.",
    "check": "Blocklist and rDNS verdicts: listed / clean / error / unknown / skipped, with codes and reasons.",
    "warmup": "Warm-up plans, built-in schedules, and the progress of warming IPs.",
    "recommend": "Shared or dedicated IPs: verdict, reasons with sources, IP plan, warm-up, cost.",
    "poll": "Poll the configured [[sources]] into the history store, alerting on new problems.",
    "sources": "Provider sources configured in [[sources]].",
    "locate": "Where ipdash looks for its config and themes and keeps its history (IPDASH_CONFIG overrides the config).",
    "store": "The history store: copy a SQLite history into a shared PostgreSQL store.",
    "metrics": "Prometheus metrics: per-IP and per-pool gauges for Grafana and alerting.",
    "serve": "Serve the dashboard to web browsers (one ipdash process per browser tab).",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        available = [
            name
            for name, target in SUBCOMMANDS.items()
            if importlib.util.find_spec(f"ipdash.commands.{target.split(':')[0]}") is not None
        ]
        return sorted(available)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """As click lists them, from SHORT_HELP: `ipdash --help` imports no subcommand."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            if name in SHORT_HELP:
                rows.append((name, click.Command(name, help=SHORT_HELP[name]).get_short_help_str(limit)))
            elif (command := self.get_command(ctx, name)) is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        try:
            # The import builds a few hundred thousand objects that live as long as the process: the
            # collector's passes over them meanwhile found nothing to free (`check`: 1.5 % of its CPU).
            with bulk_allocation():
                module = importlib.import_module(f"ipdash.commands.{module_name}")
        except ModuleNotFoundError as error:
            if error.name == f"ipdash.commands.{module_name}":
                return None
            raise
        command: click.Command = getattr(module, attribute)
        return command


@click.group(
    cls=LazyGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.option(
    "--csv",
    "csv_files",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Stats or SNDS CSV file(s); re-read when they change.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    envvar="IPDASH_CONFIG",
    help="TOML config (default: the platform config dir).",
)
@click.option("--demo", is_flag=True, help="Replay the bundled sample data as a live feed.")
@click.option("--theme", "theme", default=None, help="Theme name (see `ipdash locate themes`).")
@click.version_option(package_name="ipdash")
@click.pass_context
def main_group(
    ctx: click.Context,
    csv_files: tuple[Path, ...],
    config_path: Path | None,
    demo: bool,
    theme: str | None,
) -> None:
    """ipdash: is each sending IP healthy, is the new one warming up, shared or dedicated?

    With no arguments it opens the dashboard on the bundled sample data, offline.
    """
    if ctx.invoked_subcommand is not None:
        return
    from ipdash.commands.tui import run_tui

    ctx.exit(run_tui(csv_files=csv_files, config_path=config_path, demo=demo, theme=theme))


def main() -> None:
    try:
        main_group(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)
