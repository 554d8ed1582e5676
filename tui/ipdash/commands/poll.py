"""`ipdash poll`: the pollers without the TUI, for cron or systemd, writing the history store.

`--once` polls every source once and exits (0 all worked, 3 some failed or an alert was not
delivered); on a shared store it claims each source as the daemon does, so two runs never fetch one
source twice in an interval. Without it,
each source is polled on its interval until SIGINT/SIGTERM. After each poll, new
listings, SNDS verdicts, account problems and threshold breaches are alerted.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import click
import httpx

from ipdash.commands._options import config_option, format_option
from ipdash.commands._output import echo, emit_json, fail_usage, render_table
from ipdash.commands.sources_cmd import result_json, status_label
from ipdash.domain.config import Config
from ipdash.domain.models import PollResult
from ipdash.exit_codes import EXIT_INCOMPLETE, EXIT_OK
from ipdash.gil_turns import short_gil_turns
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
    HistoryReader,
    HistoryStore,
    StoreDamaged,
    StoreError,
    open_store,
    store_settings,
)
from ipdash.sources.store.base import Claim, PollCoordinator


@click.command()
@config_option()
@click.option("--once", is_flag=True, help="Poll every source once, then exit.")
@click.option(
    "--force",
    is_flag=True,
    help="With --once and a shared store: poll sources another process polled within their interval "
    "(never one it is polling now).",
)
@format_option("table", "json")
def poll(config_path: Path | None, once: bool, force: bool, output_format: str) -> None:
    """Poll the configured [[sources]] into the history store, alerting on new problems.

    Exit codes: 0 every source polled (or skipped: on a shared store, another process polled it
    within its interval or is polling it now); 3 some sources failed or alerts were not delivered (--once);
    2 config error. SIGINT/SIGTERM stop it within a few seconds: a poll in flight is saved with the
    whole records it had fetched, marked partial ("interrupted"), and the next poll fetches it all again.
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
                    path,
                    once=once,
                    force=force,
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
    config_path: Path | None,
    *,
    once: bool,
    force: bool = False,
    json_out: bool,
) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    # After each poll: what it changed, over the days before today (alerts are about now: a history
    # that ended long ago raises none). Its onsets are dated within those days.
    history = HistoryReader(store, days=config.window_days + 7)
    shared = SharedReportRefresh(config_path)
    async with httpx.AsyncClient() as client:
        dispatcher = AlertDispatcher(alerting, store, client, os.environ)
        if once:
            results, skipped = await _poll_once_until(sources, client, store, stop, force=force)
            delivered = stop.is_set() or await _after_poll(
                config, store, history, dispatcher, results, retention
            )
            if not stop.is_set():
                shared.request()
                await shared.wait()
            _print_results(results, json_out, skipped=skipped)
            return EXIT_OK if delivered and all(r.ok for r in results) else EXIT_INCOMPLETE

        async def on_result(result: PollResult) -> None:
            _print_results([result], json_out, compact=True)
            if not stop.is_set():  # stopping: saved, no alerting on what may be a partial poll
                await _after_poll(config, store, history, dispatcher, [result], retention)
                shared.request()

        fatal: list[StoreError] = []

        def on_crash(name: str, error: BaseException) -> None:
            echo(f"ipdash poll: {name}: poll failed: {type(error).__name__}: {error}", err=True)
            if isinstance(error, StoreDamaged):  # every later write would fail the same way
                fatal.append(error)
                stop.set()

        poller = Poller(sources, client, store=store, on_result=on_result, on_crash=on_crash)
        poller.restore(await asyncio.to_thread(store.source_runs))
        await poller.run(stop, grace=STOP_GRACE_SECONDS)
        await shared.stop()
        for status in poller.status.values():
            if status.polling:  # not even its partial result was saved within the grace after SIGTERM
                echo(
                    f"ipdash poll: {status.name}: interrupted at stop and not saved within the grace "
                    f"period ({STOP_GRACE_SECONDS:g} s); its earlier polls are kept",
                    err=True,
                )
        if fatal:
            raise fatal[0]
        return EXIT_OK


class SharedReportRefresh:
    """After polls, the report viewers of this store read (``commands._shared_report``) analysed and
    stored again, one analysis at a time (polls saved meanwhile make one more after it), in a child
    process: in a thread its analysis held the GIL long enough to stall the event loop (a 10k-IP
    store's: 130-460 ms)."""

    def __init__(self, config_path: Path | None) -> None:
        self.config_path = config_path
        self._task: asyncio.Future[None] | None = None
        self._child: asyncio.subprocess.Process | None = None
        self._again = self._stopping = False

    def request(self) -> None:
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = asyncio.ensure_future(self._run())

    async def wait(self) -> None:
        if self._task is not None:
            await self._task

    async def stop(self) -> None:
        """Stop an analysis in flight (the next poller's, or the viewers themselves, make it)."""
        self._stopping = True
        if self._child is not None and self._child.returncode is None:
            self._child.terminate()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        code = (
            "import sys; from ipdash.commands._shared_report import refresh_main; refresh_main(sys.argv[1])"
        )
        while True:
            self._again = False
            self._child = await asyncio.create_subprocess_exec(
                sys.executable, "-c", code, str(self.config_path or ""),
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            _out, err = await self._child.communicate()
            if self._child.returncode != 0 and not self._stopping:
                why = err.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
                echo(f"ipdash poll: the viewers' shared report was not stored: {why[0]}", err=True)
            if not self._again or self._stopping:
                return


#: After SIGINT/SIGTERM, how long polls in flight have to return what they fetched and have it saved.
STOP_GRACE_SECONDS = 3.0


def _report_busy(retry_in: float) -> None:
    echo(
        f"ipdash poll: the history store is locked by another process; retrying in {retry_in:.2f} s", err=True
    )


@dataclass(frozen=True)
class Skipped:
    """A source `poll --once` left alone: another process polls it now, or polled it within its interval."""

    source: str
    kind: str
    reason: str
    next_try: datetime


async def _poll_once_until(
    sources: list[ProviderSource],
    client: httpx.AsyncClient,
    store: HistoryStore,
    stop: asyncio.Event,
    *,
    force: bool = False,
) -> tuple[list[PollResult], list[Skipped]]:
    """Every source once, concurrently, each result saved as soon as it arrives; SIGINT/SIGTERM
    stops the wait at once (what was fetched is saved, the rest is reported as interrupted).

    With a shared store each source is claimed first, as the daemon does: a source another process
    is polling now, or polled within its interval (unless ``force``), is skipped, not fetched twice.
    Returns the polls made and the claims refused."""
    today = date.today()
    coordinator = store if isinstance(store, PollCoordinator) else None
    refused: list[Skipped] = []
    saving: list[asyncio.Future[object]] = []

    async def claimed(source: ProviderSource) -> PollResult | None:
        claim = None
        if coordinator is not None:
            interval = 0.0 if force else source.interval.total_seconds()
            claim = await asyncio.to_thread(coordinator.claim, source.name, interval, utc_now())
            if not claim.granted:
                refused.append(Skipped(source.name, source.kind, claim.reason, claim.next_try))
                return None
        try:
            result = await fetch_safely(source, client, today)
        except BaseException:
            if claim is not None:
                coordinator.release(claim)  # type: ignore[union-attr]
            raise
        # Saved (then released) in a task of its own, so SIGTERM stopping the wait keeps it.
        saving.append(asyncio.ensure_future(_save_then_release(store, coordinator, result, claim)))
        return result

    tasks = [asyncio.ensure_future(claimed(source)) for source in sources]
    stopper = asyncio.ensure_future(stop.wait())
    await asyncio.wait([*tasks, stopper], return_when=asyncio.FIRST_COMPLETED)
    while not stop.is_set() and not all(task.done() for task in tasks):
        await asyncio.wait([*tasks, stopper], return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    unfinished = [task for task in tasks if not task.done()]
    if unfinished:  # stopped: each poll in flight returns its whole records (partial) to be saved
        for source, task in zip(sources, tasks, strict=True):
            if not task.done():
                source.interrupt()
        await asyncio.wait(unfinished, timeout=STOP_GRACE_SECONDS)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.gather(*saving)
    results = []
    for source, task in zip(sources, tasks, strict=True):
        if task.cancelled():
            results.append(
                PollResult(
                    source=source.name,
                    kind=source.kind,
                    fetched_at=utc_now(),
                    failure="unavailable",
                    detail="interrupted (SIGINT/SIGTERM) and not finished within the grace period; "
                    "nothing saved for it",
                )
            )
        elif (result := task.result()) is not None:
            results.append(result)
    return results, refused


async def _save_then_release(
    store: HistoryStore, coordinator: PollCoordinator | None, result: PollResult, claim: Claim | None
) -> None:
    try:
        with short_gil_turns():
            await asyncio.to_thread(store.save_poll, result)
    finally:
        if coordinator is not None and claim is not None:
            await asyncio.to_thread(coordinator.release, claim)


async def _after_poll(
    config: Config,
    store: HistoryStore,
    history: HistoryReader,
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
    breaches = await asyncio.to_thread(_breaches, config, history)
    if breaches is not None:
        conditions.extend(breaches)
        evaluated.update((BREACH_SOURCE, SOURCES_SOURCE))
    await dispatcher.process(conditions, evaluated, utc_now())
    undelivered = list(dispatcher.errors)
    for error in undelivered:
        echo(f"ipdash poll: alert not delivered: {error}", err=True)
    dispatcher.errors.clear()
    return not undelivered


def _breaches(config: Config, history: HistoryReader) -> list[Condition] | None:
    """Every breach over the stored history (the same analysis the TUI and report make, with the stored
    blocklist/rDNS results), or None when they cannot be judged."""
    from ipdash.domain.analysis import analyse
    from ipdash.domain.thresholds import UnknownPresetError
    from ipdash.sources.dns.stored import stored_check_results
    from ipdash.sources.reference_data import threshold_presets

    dataset = history.read()
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


def _print_results(
    results: list[PollResult], json_out: bool, *, compact: bool = False, skipped: Sequence[Skipped] = ()
) -> None:
    if json_out:
        if compact:
            for result in results:
                click.echo(_one_line_json(result))
        else:
            emit_json(
                {
                    "sources": [result_json(r) for r in results],
                    "skipped": [_skipped_json(claim) for claim in skipped],
                    "ok": all(r.ok for r in results),
                }
            )
        return
    if compact:
        for r in results:
            echo(f"{r.fetched_at.isoformat(timespec='seconds')} {r.source} {status_label(r)}: {r.detail}")
        return
    render_table(
        ["source", "kind", "status", "detail"],
        [(r.source, r.kind, status_label(r), r.detail) for r in results]
        + [(s.source, s.kind, "– skipped", _skip_reason(s)) for s in skipped],
        title="ipdash poll",
    )


def _skip_reason(skipped: Skipped) -> str:
    return f"{skipped.reason}; due {skipped.next_try.isoformat(timespec='seconds')} (--force polls it now)"


def _skipped_json(skipped: Skipped) -> dict[str, object]:
    return {
        "source": skipped.source,
        "kind": skipped.kind,
        "status": "skipped",
        "reason": skipped.reason,
        "next_try": skipped.next_try.isoformat(),
    }


def _one_line_json(result: PollResult) -> str:
    return json.dumps(result_json(result), ensure_ascii=False)
