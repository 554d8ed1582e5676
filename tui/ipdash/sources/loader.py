"""Turn the user's choice of inputs (CSV files, config, sample data) into one Dataset.

Each file is its own source: one that cannot be read is marked failed with its
reason while the others load.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ipdash.domain.config import Config, CsvFile
from ipdash.domain.models import Dataset, SourceInfo, SourceState
from ipdash.domain.safe_text import safe_dataset
from ipdash.gc_pauses import bulk_allocation
from ipdash.sources.config_file import ConfigError, load_config
from ipdash.sources.facts_file import read_facts_file
from ipdash.sources.mta.spec import MtaLogSpec, load_mta_logs, mta_specs, watched_files
from ipdash.sources.paths import sample_data_dir

if TYPE_CHECKING:  # csv_stats imports polars (~0.3 s): not before the TUI's first frame
    from ipdash.sources.csv_cache import ParsedCache
    from ipdash.sources.csv_stats import CsvLoadResult, ProgressCallback
    from ipdash.sources.store.history import LeanRead

#: (file label, bytes read, total bytes)
LoadProgress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class LoadPlan:
    """What to load. Built once from the command line and config; reloaded on change."""

    csv: tuple[CsvFile, ...] = ()
    facts_files: tuple[Path, ...] = ()
    config: Config = field(default_factory=Config)
    is_sample: bool = False
    #: Where the config came from: relative paths in [store] and [[sources]] resolve against it.
    config_path: Path | None = None
    csv_from_command_line: bool = False
    #: Account- and domain-level days (sources.accounts_file), e.g. the sample data's accounts.csv.
    account_files: tuple[Path, ...] = ()
    #: MTA logs (``--mta-log``, ``[[sources]] kind = "mta-log"``), read like files.
    mta_logs: tuple[MtaLogSpec, ...] = ()

    @property
    def polls_providers(self) -> bool:
        """Provider sources run beside the files (not on sample data, not with --csv)."""
        providers = any(
            entry.get("kind") != "mta-log" for entry in self.config.sources if isinstance(entry, dict)
        )
        return providers and not self.is_sample and not self.csv_from_command_line

    @property
    def reads_store(self) -> bool:
        """The history store is read: beside provider sources, or alone (a viewer's ``[store]``-only
        config: the sources and IPs come from the store). Not on sample data, not with --csv."""
        configured = bool(self.config.sources) or bool(self.config.store)
        return configured and not self.is_sample and not self.csv_from_command_line

    def watched_paths(self) -> list[Path]:
        logs = watched_files(self.mta_logs) if self.mta_logs else []  # the MTA reader: only with logs
        return [spec.path for spec in self.csv] + list(self.facts_files) + logs


def sample_plan(config: Config | None = None) -> LoadPlan:
    folder = sample_data_dir()
    return LoadPlan(
        csv=(CsvFile(path=folder / "stats.csv"), CsvFile(path=folder / "snds.csv")),
        facts_files=(folder / "ips.toml",),
        config=config or Config(),
        is_sample=True,
        account_files=(folder / "accounts.csv",),
        mta_logs=(MtaLogSpec(name="mta", path=folder / "mta", format="kumomta"),),
    )


def plan_from_inputs(
    csv_files: Sequence[Path],
    config: Config,
    demo: bool = False,
    config_path: Path | None = None,
    mta_logs: Sequence[MtaLogSpec] = (),
) -> LoadPlan:
    """--csv / --mta-log files win; then the config's files and sources; with neither (or --demo), the
    sample data. Raises ConfigError for a bad ``mta-log`` source."""
    if demo:
        return sample_plan(config)
    if csv_files or mta_logs:
        return LoadPlan(
            csv=tuple(CsvFile(path=p) for p in csv_files),
            facts_files=tuple(config.facts_files),
            config=config,
            config_path=config_path,
            csv_from_command_line=True,
            mta_logs=tuple(mta_logs),
        )
    config_files = [*config.csv, *(CsvFile(path=p) for p in config.snds_files)]
    if config_files or config.facts_files or config.ips or config.sources or config.store:
        return LoadPlan(
            csv=tuple(config_files),
            facts_files=tuple(config.facts_files),
            config=config,
            config_path=config_path,
            mta_logs=tuple(mta_specs(config.sources, config_path)),
        )
    return sample_plan(config)


@dataclass(frozen=True)
class GoodRead:
    """A file's last successful read, and when it was made."""

    result: CsvLoadResult
    read_at: datetime


#: The last good read of each file, by path: kept by a long-running caller (the TUI) across reloads.
LastReads = dict[Path, GoodRead]


def load_dataset(
    plan: LoadPlan,
    progress: LoadProgress | None = None,
    *,
    now: datetime | None = None,
    last_reads: LastReads | None = None,
    cache: ParsedCache | None = None,
) -> Dataset:
    """Load every file in the plan. Never raises for a bad file: it becomes a failed source.

    With ``last_reads``, a file that read well before and cannot be read now (deleted, truncated,
    made unreadable) keeps its data from then, as a stale source saying why and since when.
    With ``cache``, a stats CSV read cleanly before, and unchanged since, is not parsed again."""
    from ipdash.sources.csv_stats import CsvReadError, read_csv_file

    dataset = Dataset()
    fetched_at = now or datetime.now(UTC)
    # First: where a stats CSV covers the same (day, IP, mailbox provider), its complete counts win over
    # the log's (often an excerpt); the log's replies are kept either way.
    if plan.mta_logs:  # its reader's modules only when there are logs
        load_mta_logs(dataset, plan.mta_logs, fetched_at=fetched_at)
    mta_sources, dataset.sources[:] = list(dataset.sources), []
    for spec in plan.csv:
        label = spec.path.name
        file_progress: ProgressCallback | None = None
        if progress is not None:
            file_progress = lambda done, total, _label=label: progress(_label, done, total)  # noqa: E731
        options: dict[str, Any] = {
            "columns": spec.columns.explicit(),
            "delimiter": spec.delimiter,
            "date_format": spec.date_format,
        }

        def read() -> CsvLoadResult:  # called in this iteration only
            return read_csv_file(spec.path, **options, progress=file_progress)  # noqa: B023

        try:
            result = read() if cache is None else cache.read_through(spec.path, options, read)
        except CsvReadError as error:
            earlier = last_reads.get(spec.path) if last_reads is not None else None
            if earlier is None:
                dataset.sources.append(
                    SourceInfo(label, "csv", SourceState.FAILED, fetched_at, detail=str(error))
                )
                continue
            _add_read(dataset, earlier.result)
            detail = f"{error}; showing its data as read at {earlier.read_at:%Y-%m-%d %H:%M}"
            dataset.sources.append(
                SourceInfo(
                    label,
                    earlier.result.kind,
                    SourceState.STALE,
                    earlier.read_at,
                    earlier.result.rows,
                    earlier.result.error_count,
                    detail,
                )
            )
            continue
        if last_reads is not None:
            last_reads[spec.path] = GoodRead(result, fetched_at)
        _add_read(dataset, result)
        detail = ""
        if result.rows == 0:
            detail = "header only: no data rows"
        elif result.error_count >= result.rows:
            detail = f"every row skipped ({result.rows:,}): nothing from this file is shown"
        dataset.sources.append(
            SourceInfo(
                label, result.kind, SourceState.FRESH, fetched_at, result.rows, result.error_count, detail
            )
        )
    for path in plan.facts_files:
        try:
            dataset.facts.update(read_facts_file(path))
        except CsvReadError as error:
            dataset.sources.append(
                SourceInfo(path.name, "facts", SourceState.FAILED, fetched_at, detail=str(error))
            )
            continue
        dataset.sources.append(
            SourceInfo(path.name, "facts", SourceState.FRESH, fetched_at, rows=len(dataset.facts))
        )
    for path in plan.account_files:
        _load_accounts(dataset, path, fetched_at)
    dataset.sources.extend(mta_sources)
    for entry in plan.config.ips:
        dataset.facts[entry.ip] = entry.to_facts(source="config")
    return safe_dataset(dataset)


def _add_read(dataset: Dataset, result: CsvLoadResult) -> None:
    if result.frame is not None:
        dataset.add_frame(result.frame)
    dataset.snds.update(result.snds)
    dataset.errors.extend(result.errors)


def _load_accounts(dataset: Dataset, path: Path, fetched_at: datetime) -> None:
    from ipdash.sources.accounts_file import read_accounts_file

    try:
        read = read_accounts_file(path)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        dataset.sources.append(
            SourceInfo(path.name, "accounts", SourceState.FAILED, fetched_at, detail=str(error))
        )
        return
    for day in read.days:
        dataset.accounts[(day.source, day.scope, day.day)] = day
    detail = f"{len(read.errors)} rows skipped (first: {read.errors[0]})" if read.errors else ""
    dataset.sources.append(
        SourceInfo(
            path.name, "accounts", SourceState.FRESH, fetched_at, len(read.days), len(read.errors), detail
        )
    )


def failed_sources(dataset: Dataset) -> list[SourceInfo]:
    return [info for info in dataset.sources if info.state is SourceState.FAILED]


@bulk_allocation()
def load_dataset_for_cli(
    csv_files: Sequence[Path],
    config_path: Path | None,
    demo: bool = False,
    *,
    poll_sources: bool = False,
    mta_logs: Sequence[MtaLogSpec] = (),
    for_window: bool = False,
    window_days: int | None = None,
) -> tuple[Config, Dataset]:
    """For headless commands: load everything now.

    ``for_window``: the stored history is read only as far back as an analysis of ``window_days``
    (default: the configured window) reads (``domain.lookback``); else all of it.

    With ``poll_sources`` and a config that has ``[[sources]]`` (and no --csv or
    --demo), the stored history is added and every provider source is polled once;
    a failing provider becomes a stale or failed source in the dataset, not an error.
    A ``[store]``-only config (a viewer of a shared store) reads the store, once.

    Raises ConfigError or CsvReadError (the caller exits 2 with the message) when
    the config or any input file cannot be read at all.
    """
    config, dataset, _rest = _load_for_cli(
        csv_files, config_path, demo, poll_sources, mta_logs, window_days, for_window=for_window
    )
    return config, dataset


@bulk_allocation()
def load_lean_for_cli(
    csv_files: Sequence[Path],
    config_path: Path | None,
    demo: bool = False,
    *,
    poll_sources: bool = False,
    mta_logs: Sequence[MtaLogSpec] = (),
    window_days: int | None = None,
) -> tuple[Config, Dataset, LeanRead | None]:
    """As :func:`load_dataset_for_cli` for an analysis of ``window_days`` (default: the configured
    window), the stored history read lean (``sources.store.history.read_lean``): its daily stats from
    the lean start only. The LeanRead (None: nothing more to read) reads the earlier stats of the IPs
    that need them; ``commands._analysis.analyse_for_cli(lean=…)`` makes the whole lookback's
    analysis of the two."""
    return _load_for_cli(
        csv_files, config_path, demo, poll_sources, mta_logs, window_days, for_window=True, lean=True
    )


def _load_for_cli(
    csv_files: Sequence[Path],
    config_path: Path | None,
    demo: bool,
    poll_sources: bool,
    mta_logs: Sequence[MtaLogSpec],
    window_days: int | None,
    *,
    for_window: bool,
    lean: bool = False,
) -> tuple[Config, Dataset, LeanRead | None]:
    from ipdash.sources.csv_stats import CsvReadError

    config, found_at = load_config(config_path)
    plan = plan_from_inputs(csv_files, config, demo, found_at, mta_logs)
    dataset = load_dataset(plan)
    failures = failed_sources(dataset)
    if failures:
        raise CsvReadError("\n".join(info.detail for info in failures))
    rest: LeanRead | None = None
    # A viewer's [store]-only config reads the store for every command; with [[sources]], the
    # commands that poll (report) read it too, once, before polling.
    if plan.reads_store and not demo and (poll_sources or not config.sources):
        from ipdash.sources.live import StoreError, add_history, open_configured_store
        from ipdash.sources.store import HistoryReader, analysis_lookback

        try:
            store = open_configured_store(config, found_at)
        except StoreError as error:
            raise ConfigError(str(error)) from error
        try:
            days = (window_days or config.window_days) if for_window else None
            if lean and days is not None:
                dataset, rest = _lean_under(store, config, days, dataset)
            else:
                lookback = analysis_lookback(config, days, also=[dataset]) if days is not None else None
                dataset = add_history(dataset, HistoryReader(store, lookback=lookback))
        except StoreError as error:  # a damaged store: its message, exit 2
            raise ConfigError(str(error)) from error
        finally:
            if rest is None:
                store.close()
    if poll_sources and not demo and not csv_files and not mta_logs and plan.polls_providers:
        from ipdash.sources.live import poll_once_into

        results = poll_once_into(dataset, config, found_at)
        if rest is not None:
            _stale_as_over_the_lookback(
                dataset, {r.source for r in results if not r.ok}, rest.earlier_sources
            )
    return config, dataset, rest


def _lean_under(store: Any, config: Config, days: int, dataset: Dataset) -> tuple[Dataset, LeanRead | None]:
    """The stored history read lean for an analysis of ``days`` days, the files' data over it."""
    from ipdash.sources.store.history import read_lean

    history, rest = read_lean(store, config, days, also=[dataset])
    history.merge(dataset)
    return history, rest


def load_lean_from_store(store: Any, config: Config, days: int) -> tuple[Dataset, LeanRead | None]:
    """What `report` reads on a ``[store]``-only ``config`` (its [[ips]] over the stored history, read
    lean), from an open store (the poller's): the LeanRead reads from it too and must not close it."""
    return _lean_under(store, config, days, load_dataset(LoadPlan(config=config)))


def _stale_as_over_the_lookback(dataset: Dataset, failed: set[str], earlier: set[str]) -> None:
    """A failed poll of a source whose records the history holds is stale, else failed
    (``merge_poll_results``): over a lean read, a source whose records are all before the lean start
    is known too, as over the whole lookback."""
    from dataclasses import replace

    for n, info in enumerate(dataset.sources):
        if info.name in failed and info.name in earlier and info.state is SourceState.FAILED:
            dataset.sources[n] = replace(info, state=SourceState.STALE)
