"""Start the TUI from the command line (imported only when the TUI is wanted)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from ipdash.exit_codes import EXIT_OK, EXIT_USAGE
from ipdash.sources.config_file import ConfigError, load_config
from ipdash.sources.csv_stats import CsvReadError, read_csv_header
from ipdash.sources.loader import plan_from_inputs
from ipdash.sources.paths import bundled_themes_dir, user_themes_dir


def run_tui(*, csv_files: Sequence[Path], config_path: Path | None, demo: bool, theme: str | None) -> int:
    try:
        config, found_at = load_config(config_path)
        for path in csv_files:
            read_csv_header(path)  # fail fast, before the screen switches, on a file that cannot be read
    except (ConfigError, CsvReadError) as error:
        click.echo(f"ipdash: {error}", err=True)
        return EXIT_USAGE
    plan = plan_from_inputs(csv_files, config, demo, found_at)
    if plan.polls_providers:
        from ipdash.sources.providers.polling import configured_sources

        try:
            configured_sources(config, found_at)  # a bad [[sources]] table is a usage error, said now
        except ConfigError as error:
            click.echo(f"ipdash: {error}", err=True)
            return EXIT_USAGE
    if demo:
        origin = "demo: sample data replayed"
    elif plan.is_sample:
        origin = "sample data"
    elif csv_files:
        origin = ", ".join(p.name for p in csv_files)
    else:
        origin = f"config {found_at}"

    from ipdash.ui.app import IpdashApp

    app = IpdashApp(
        plan,
        theme_dirs=[bundled_themes_dir(), user_themes_dir()],
        theme_name=theme,
        origin=origin,
        demo=demo,
    )
    app.run()
    return app.return_code or EXIT_OK
