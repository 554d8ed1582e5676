"""`ipdash store migrate --to postgresql://…`: copy a SQLite history into a shared PostgreSQL store.

Every record keeps its fetch time, so re-running is safe (upserts keep the newest fetch) and data
the pollers already wrote to PostgreSQL is never overwritten by older SQLite rows. Open alerts and
the TUI's alert acknowledgements are copied where PostgreSQL does not hold them yet.
"""

from __future__ import annotations

from pathlib import Path

import click

from ipdash.commands._options import config_option, format_option
from ipdash.commands._output import emit_json, fail_usage, render_table
from ipdash.exit_codes import EXIT_OK
from ipdash.sources.config_file import ConfigError, load_config
from ipdash.sources.store import SqliteStore, StoreError, StoreSettings, open_postgres, store_settings
from ipdash.sources.store.rows import TABLES


@click.group()
def store() -> None:
    """The history store: copy a SQLite history into a shared PostgreSQL store."""


@store.command()
@click.option("--to", "target", required=True, help="postgresql://user@host:port/db (no password in it).")
@click.option("--password-env", default=None, help="Environment variable holding the PostgreSQL password.")
@click.option(
    "--from",
    "source_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="SQLite file (default: the config's [store] path, else the data dir's history.sqlite3).",
)
@config_option()
@format_option("table", "json")
def migrate(
    target: str,
    password_env: str | None,
    source_path: Path | None,
    config_path: Path | None,
    output_format: str,
) -> None:
    """Copy every stored record, source outcome, open alert and alert acknowledgement from SQLite
    to PostgreSQL.

    Exit codes: 0 copied (the counts match); 2 a store cannot be opened or the arguments are wrong.
    """
    from ipdash.sources.store import default_store_path

    try:
        if source_path is None:
            config, found_at = load_config(config_path)
            settings = store_settings(config.store, found_at)
            source_path = settings.path or default_store_path()
        target_settings = StoreSettings(url=target, password_env=password_env)
    except (ConfigError, StoreError) as error:
        fail_usage(str(error))
        return
    except ValueError as error:  # pydantic's ValidationError: a bad URL or variable name
        fail_usage(f"--to: {_first_message(error)}")
        return
    if not source_path.exists():
        fail_usage(f"{source_path}: no SQLite history store there")
        return
    try:
        with SqliteStore(source_path) as sqlite, open_postgres(target_settings) as postgres:
            copied = []
            for table in TABLES:
                total = sum(postgres.import_records(table, batch) for batch in sqlite.stamped_records(table))
                copied.append((table.name, total, sqlite.count(table.name)))
            runs = sqlite.source_runs()
            for run in runs:
                postgres.import_run(run)
            alerts = sqlite.open_alerts()
            known = postgres.open_alerts()
            for key, record in alerts.items():
                if key not in known:
                    postgres.open_alert(record)
            acks = sqlite.acknowledged_alerts()
            acked = postgres.acknowledged_alerts()  # kept as they are: acknowledged there already
            for key, at in acks.items():
                if key not in acked:
                    postgres.acknowledge_alert(key, at)
    except StoreError as error:
        fail_usage(str(error))
        return
    if output_format == "json":
        emit_json(
            {
                "from": str(source_path),
                "to": target,
                "tables": [{"table": name, "copied": done, "in_sqlite": had} for name, done, had in copied],
                "source_runs": len(runs),
                "alerts": len(alerts),
                "acknowledgements": len(acks),
            }
        )
    else:
        render_table(
            ["table", "copied", "in SQLite"],
            [(name, str(done), str(had)) for name, done, had in copied]
            + [
                ("source_runs", str(len(runs)), str(len(runs))),
                ("alerts", str(len(alerts)), str(len(alerts))),
                ("acknowledgements", str(len(acks)), str(len(acks))),
            ],
            title=f"{source_path} → {target}",
            right_align=["copied", "in SQLite"],
        )
    raise SystemExit(EXIT_OK)


def _first_message(error: ValueError) -> str:
    errors = getattr(error, "errors", None)
    if callable(errors):
        first = errors()[0]
        return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    return str(error)
