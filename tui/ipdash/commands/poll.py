"""`ipdash poll`: the pollers without the TUI, for cron or systemd, writing the history store.

`--once` polls every source once and exits (0 all worked, 3 some failed or an alert was not
delivered); without it,
each source is polled on its interval until SIGINT/SIGTERM. After each poll, new
listings, SNDS verdicts, account problems and threshold breaches are alerted.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from datetime import date, timedelta
from pathlib import Path

import click
import httpx

from ipdash.commands._output import echo, emit_json, fail_usage, render_table
from ipdash.commands.sources_cmd import result_json, status_label
from ipdash.domain.config import Config
from ipdash.domain.models import PollResult
from ipdash.exit_codes import EXIT_INCOMPLETE, EXIT_OK
from ipdash.sources.alerts import (
    BREACH_SOURCE,
    SOURCES_SOURCE,
    AlertDispatcher,
    AlertSettings,
    Condition,
    alert_settings,
    conditions_from_breaches,
    conditions_from_result,
    conditions_from_sources,
)
from ipdash.sources.config_file import ConfigError, load_config
from ipdash.sources.providers.base import ProviderSource, utc_now
from ipdash.sources.providers.polling import Poller, configured_sources, fetch_safely
from ipdash.sources.store import (
    HistoryStore,
    SqliteStore,
    StoreDamaged,
    StoreError,
    load_history,
    open_store,
    store_settings,
)


@click.command()
@click.option(
    "--config", "config_path", type=click.Path(path_type=Path), envvar="IPDASH_CONFIG", help="TOML config."
)
@click.option("--once", is_flag=True, help="Poll every source once, then exit.")
@click.option(
    "--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True
)
def poll(config_path: Path | None, once: bool, output_format: str) -> None:
    """Poll the configured [[sources]] into the history store, alerting on new problems.

    Exit codes: 0 every source polled; 3 some sources failed or alerts were not delivered (--once);
    2 config error. SIGINT/SIGTERM stop it within a few seconds, keeping what was fetched.
    """
    try:
        config, path = load_config(config_path, required=True)
        sources = configured_sources(config, path)
        settings = store_settings(config.store, path)
        alerting = alert_settings(config.alerts, path)
    except (ConfigError, StoreError) as error:
        fail_usage(str(error))
        return
    if not sources:
        fail_usage(f"{path}: no enabled [[sources]] to poll")
        return
    try:
        store = open_store(settings)
    except StoreError as error:
        fail_usage(str(error))
        return
    if isinstance(store, SqliteStore):
        store.on_busy = _report_busy
    with store:
        try:
            code = asyncio.run(
                _main(
                    config,
                    sources,
                    store,
                    alerting,
                    settings.retention_days,
                    once=once,
                    json_out=output_format == "json",
                )
            )
        except (ConfigError, StoreError) as error:  # a damaged store: what is wrong and how to recover
            fail_usage(str(error))
            return
    sys.exit(code)


async def _main(
    config: Config,
    sources: list[ProviderSource],
    store: HistoryStore,
    alerting: AlertSettings,
    retention: int,
    *,
    once: bool,
    json_out: bool,
) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with httpx.AsyncClient() as client:
        dispatcher = AlertDispatcher(alerting, store, client, os.environ)
        if once:
            results = await _poll_once_until(sources, client, store, stop)
            delivered = stop.is_set() or await _after_poll(config, store, dispatcher, results, retention)
            _print_results(results, json_out)
            return EXIT_OK if delivered and all(r.ok for r in results) else EXIT_INCOMPLETE

        async def on_result(result: PollResult) -> None:
            _print_results([result], json_out, compact=True)
            await _after_poll(config, store, dispatcher, [result], retention)

        fatal: list[StoreError] = []

        def on_crash(name: str, error: BaseException) -> None:
            echo(f"ipdash poll: {name}: poll failed: {type(error).__name__}: {error}", err=True)
            if isinstance(error, StoreDamaged):  # every later write would fail the same way
                fatal.append(error)
                stop.set()

        poller = Poller(sources, client, store=store, on_result=on_result, on_crash=on_crash)
        poller.restore(await asyncio.to_thread(store.source_runs))
        await poller.run(stop)
        for status in poller.status.values():
            if status.polling:  # still fetching when the grace after SIGTERM ran out
                echo(
                    f"ipdash poll: {status.name}: interrupted at stop before its poll finished; "
                    "nothing of that poll was saved (its earlier polls are kept)",
                    err=True,
                )
        if fatal:
            raise fatal[0]
        return EXIT_OK


def _report_busy(retry_in: float) -> None:
    echo(
        f"ipdash poll: the history store is locked by another process; retrying in {retry_in:.2f} s", err=True
    )


async def _poll_once_until(
    sources: list[ProviderSource], client: httpx.AsyncClient, store: HistoryStore, stop: asyncio.Event
) -> list[PollResult]:
    """Every source once, concurrently, each result saved as soon as it arrives; SIGINT/SIGTERM
    stops the wait at once (what was fetched is saved, the rest is reported as interrupted)."""
    today = date.today()
    tasks = [asyncio.ensure_future(fetch_safely(source, client, today)) for source in sources]
    saving: list[asyncio.Future[object]] = []

    def save(done: asyncio.Task[PollResult]) -> None:
        if not done.cancelled():
            saving.append(asyncio.ensure_future(asyncio.to_thread(store.save_poll, done.result())))

    for task in tasks:
        task.add_done_callback(save)
    stopper = asyncio.ensure_future(stop.wait())
    await asyncio.wait([*tasks, stopper], return_when=asyncio.FIRST_COMPLETED)
    while not stop.is_set() and not all(task.done() for task in tasks):
        await asyncio.wait([*tasks, stopper], return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.gather(*saving)
    return [
        task.result()
        if not task.cancelled()
        else PollResult(
            source=source.name,
            kind=source.kind,
            fetched_at=utc_now(),
            failure="unavailable",
            detail="interrupted (SIGINT/SIGTERM) before it finished; nothing saved for it",
        )
        for source, task in zip(sources, tasks, strict=True)
    ]


async def _after_poll(
    config: Config,
    store: HistoryStore,
    dispatcher: AlertDispatcher,
    results: list[PollResult],
    retention: int,
) -> bool:
    """Prune, then alert; False when some alert could not be delivered (it is retried next poll)."""
    await asyncio.to_thread(store.prune, date.today() - timedelta(days=retention))
    if not dispatcher.enabled:
        return True
    conditions: list[Condition] = [c for r in results if r.ok for c in conditions_from_result(r)]
    evaluated = {r.source for r in results if r.ok}
    breaches = await asyncio.to_thread(_breaches, config, store)
    if breaches is not None:
        conditions.extend(breaches)
        evaluated.update((BREACH_SOURCE, SOURCES_SOURCE))
    await dispatcher.process(conditions, evaluated, utc_now())
    undelivered = list(dispatcher.errors)
    for error in undelivered:
        echo(f"ipdash poll: alert not delivered: {error}", err=True)
    dispatcher.errors.clear()
    return not undelivered


def _breaches(config: Config, store: HistoryStore) -> list[Condition] | None:
    """Every breach over the stored history (the same analysis the TUI and report make, with the stored
    blocklist/rDNS results), or None when they cannot be judged."""
    from ipdash.domain.analysis import analyse
    from ipdash.domain.thresholds import UnknownPresetError
    from ipdash.sources.dns.stored import stored_check_results
    from ipdash.sources.reference_data import threshold_presets

    dataset = load_history(store, days=config.window_days + 7)
    from ipdash.sources.mta.spec import load_mta_logs, mta_specs

    load_mta_logs(dataset, mta_specs(config.sources))  # new block reasons in MTA logs are alerts too
    checks, _problems = stored_check_results(config.blocklists, utc_now())
    try:
        return conditions_from_breaches(
            analyse(dataset, config, threshold_presets(), checks=checks, today=date.today()).all_breaches()
        ) + conditions_from_sources(dataset.sources)  # a source whose last poll failed: stale
    except UnknownPresetError as error:
        echo(f"ipdash poll: breaches not judged: {error}", err=True)
        return None


def _print_results(results: list[PollResult], json_out: bool, *, compact: bool = False) -> None:
    if json_out:
        if compact:
            for result in results:
                click.echo(_one_line_json(result))
        else:
            emit_json({"sources": [result_json(r) for r in results], "ok": all(r.ok for r in results)})
        return
    if compact:
        for r in results:
            echo(f"{r.fetched_at.isoformat(timespec='seconds')} {r.source} {status_label(r)}: {r.detail}")
        return
    render_table(
        ["source", "kind", "status", "detail"],
        [(r.source, r.kind, status_label(r), r.detail) for r in results],
        title="ipdash poll",
    )


def _one_line_json(result: PollResult) -> str:
    return json.dumps(result_json(result), ensure_ascii=False)
