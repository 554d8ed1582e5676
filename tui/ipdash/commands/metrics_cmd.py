"""`ipdash metrics serve`: Prometheus/OpenMetrics gauges on /metrics, from the history store.

The exporter reads what `report` reads (the config's files and IPs, over the history store) and
analyses it the same way, at most once per --refresh seconds however often it is scraped; on a
``[store]``-only config it takes the analysis a poller stored for the store's data now instead,
when there is one (``commands._shared_metrics``).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ipdash.commands._listen import parse_listen
from ipdash.commands._options import config_option
from ipdash.commands._output import fail_usage
from ipdash.domain.models import Dataset
from ipdash.exit_codes import EXIT_OK
from ipdash.sources.config_file import ConfigError, load_config
from ipdash.sources.store.base import SourceRun

if TYPE_CHECKING:
    from ipdash.sources.store.history import LeanRead


@click.group()
def metrics() -> None:
    """Prometheus metrics: per-IP and per-pool gauges for Grafana and alerting."""


@metrics.command()
@config_option()
@click.option("--listen", default="127.0.0.1:9464", show_default=True, help="HOST:PORT to serve /metrics on.")
@click.option("--max-ips", type=click.IntRange(1, 1_000_000), default=10_000, show_default=True,
              help="Most IPs given their own series; the healthiest beyond it are dropped (and counted).")  # fmt: skip
@click.option("--refresh", type=click.FloatRange(1, 3600), default=60.0, show_default=True,
              help="Seconds an analysis is reused across scrapes.")  # fmt: skip
def serve(config_path: Path | None, listen: str, max_ips: int, refresh: float) -> None:
    """Serve /metrics (Prometheus text format; OpenMetrics when the scraper asks for it).

    Exit codes: 0 stopped by SIGINT/SIGTERM; 2 config, store or address error.
    """
    from prometheus_client import CollectorRegistry, start_http_server

    from ipdash.commands._metrics import IpdashCollector
    from ipdash.commands._shared_metrics import exporter_lookup
    from ipdash.sources.live import StoreError, open_configured_store
    from ipdash.sources.loader import LoadPlan, plan_from_inputs
    from ipdash.sources.reference_data import threshold_presets

    host, port = parse_listen(listen, 9464)
    try:
        config, found_at = load_config(config_path)
        plan = plan_from_inputs((), config, False, found_at)
        if plan.is_sample and config.store:  # a viewer's config: just the shared store
            plan = LoadPlan(config=config, config_path=found_at)
        store = None if plan.is_sample else open_configured_store(config, found_at)
    except (ConfigError, StoreError) as error:
        fail_usage(str(error))
        return
    load = store_loader(plan, store)
    stored = exporter_lookup(store, config)  # a poller's analysis of the store's data now, if stored
    registry = CollectorRegistry()
    registry.register(
        IpdashCollector(load, config, threshold_presets(), max_ips=max_ips, refresh=refresh, stored=stored)
    )
    try:
        server, _thread = start_http_server(port, addr=host, registry=registry)
    except OSError as error:
        fail_usage(f"--listen {listen}: {error.strerror or error}")
        return
    bound_host, bound_port = str(server.server_address[0]), int(server.server_address[1])
    origin = "sample data" if plan.is_sample else f"config {found_at}"
    click.echo(f"ipdash metrics: serving http://{bound_host}:{bound_port}/metrics ({origin})", err=True)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    server.shutdown()
    if store is not None:
        store.close()
    raise SystemExit(EXIT_OK)


def store_loader(plan: Any, store: Any) -> Callable[[], tuple[Dataset, list[SourceRun], LeanRead | None]]:
    """The collector's ``load``: the plan's files over the store's history. Each refresh reads what
    changed, as far back as the analysis of the configured window reads, the daily stats lean (the
    earlier ones of the IPs that need them are read per analysis)."""
    from ipdash.sources.loader import load_dataset
    from ipdash.sources.store import HistoryReader, analysis_lookback
    from ipdash.sources.store.history import LeanPlan

    config = plan.config
    lookback = analysis_lookback(config, config.window_days)
    lean = LeanPlan(config, config.window_days)
    history = None if store is None else HistoryReader(store, lookback=lookback, lean=lean)

    def load() -> tuple[Dataset, list[SourceRun], LeanRead | None]:
        dataset = load_dataset(plan)
        if store is None or history is None:
            return dataset, [], None
        held, rest = history.read_lean()
        held.merge(dataset)
        return held, store.source_runs(), rest

    return load
