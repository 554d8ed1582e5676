"""Start the TUI from the command line (imported only when the TUI is wanted)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ipdash.exit_codes import EXIT_OK, EXIT_USAGE
from ipdash.sources.paths import bundled_themes_dir, default_config_path, user_cache_dir, user_themes_dir

if TYPE_CHECKING:
    from ipdash.sources.loader import LoadPlan
    from ipdash.sources.loader_early import EarlyLoad
    from ipdash.ui.app import PlanFactory


def run_tui(*, csv_files: Sequence[Path], config_path: Path | None, demo: bool, theme: str | None) -> int:
    if not csv_files and config_path is None and not default_config_path().exists():
        # No config file, no files: the sample data with the defaults, where nothing can fail. The
        # plan is made after the first frame (the config models and the loader import ~0.3 s).
        return _run_app(_sample_plan, "demo: sample data replayed" if demo else "sample data", demo, theme)
    from ipdash.sources.config_file import ConfigError, load_config
    from ipdash.sources.loader import plan_from_inputs

    try:
        config, found_at = load_config(config_path)
    except ConfigError as error:
        click.echo(f"ipdash: {error}", err=True)
        return EXIT_USAGE
    plan = plan_from_inputs(csv_files, config, demo, found_at)
    unreadable = unreadable_files(csv_files)
    if csv_files and len(unreadable) == len(csv_files) and not _other_inputs(plan):
        # Nothing at all could be shown: say why, before the screen switches.
        for reason in unreadable:
            click.echo(f"ipdash: {reason}", err=True)
        return EXIT_USAGE
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
    from ipdash.sources.loader_early import start_early_load

    # The first load starts now, before Textual is imported (the engine reads while the TUI imports).
    return _run_app(plan, origin, demo, theme, early_load=start_early_load(plan))


def _sample_plan() -> LoadPlan:
    from ipdash.sources.loader import sample_plan

    return sample_plan()


def _run_app(
    plan: LoadPlan | PlanFactory,
    origin: str,
    demo: bool,
    theme: str | None,
    early_load: EarlyLoad | None = None,
) -> int:
    from ipdash.ui.app import IpdashApp

    app = IpdashApp(
        plan,
        theme_dirs=[bundled_themes_dir(), user_themes_dir()],
        theme_name=theme,
        theme_cache=user_cache_dir() / "themes.json",
        origin=origin,
        demo=demo,
        early_load=early_load,
    )
    app.run()
    return app.return_code or EXIT_OK


def unreadable_files(csv_files: Sequence[Path]) -> list[str]:
    """Why each file that cannot be read as a stats or SNDS CSV cannot (from its first line alone).

    The others load; these are shown as failed, with this reason, in the Sources panel."""
    if not csv_files:
        return []
    from ipdash.sources.csv_stats import CsvReadError, read_csv_header  # polars: only with --csv

    reasons = []
    for path in csv_files:
        try:
            read_csv_header(path)
        except CsvReadError as error:
            reasons.append(str(error))
    return reasons


def _other_inputs(plan: LoadPlan) -> bool:
    """Something besides the CSV files that the dashboard can show (IP facts, configured IPs, providers)."""
    return bool(plan.facts_files or plan.config.ips or plan.polls_providers)
