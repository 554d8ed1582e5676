"""`ipdash locate`: where ipdash reads and writes its files."""

from __future__ import annotations

from pathlib import Path

import click

from ipdash.commands._options import format_option
from ipdash.commands._output import emit_json, render_table
from ipdash.sources import paths


def locations() -> dict[str, Path]:
    return {
        "config": paths.default_config_path(),
        "themes": paths.user_themes_dir(),
        "bundled-themes": paths.bundled_themes_dir(),
        "sample-data": paths.sample_data_dir(),
        "data": paths.user_data_dir(),
        "history": paths.user_data_dir() / "history.sqlite3",
        "blocklist-results": paths.user_data_dir() / "checks.json",
    }


@click.command()
@click.argument("what", required=False, type=click.Choice(list(locations())))
@format_option("table", "json")
def locate(what: str | None, output_format: str) -> None:
    """Where ipdash looks for its config and themes and keeps its history (IPDASH_CONFIG overrides the config).

    With WHAT, prints just that path (for scripts: `$EDITOR "$(ipdash locate config)"`).
    """
    found = locations()
    if what is not None:
        click.echo(str(found[what]))
        return
    if output_format == "json":
        emit_json({name: {"path": str(path), "exists": path.exists()} for name, path in found.items()})
        return
    render_table(
        ["what", "path", "exists"],
        [[name, str(path), "yes" if path.exists() else "no"] for name, path in found.items()],
    )
