"""`ipdash serve`: the dashboard in a browser, through textual-serve.

Each browser tab gets its own `ipdash` process (the same TUI, drawn by textual-serve's web
terminal), so many people can watch one shared store. It binds to localhost by default and has
no authentication of its own: put it behind a reverse proxy that authenticates (README).
"""

from __future__ import annotations

import asyncio
import shlex
import signal
import sys
from pathlib import Path
from typing import Any

import click

from ipdash.commands._listen import parse_listen
from ipdash.commands._options import config_option
from ipdash.commands._output import fail_usage


def app_command(config_path: Path | None, csv_files: tuple[Path, ...], demo: bool, theme: str | None) -> str:
    """The shell command textual-serve runs for each browser session."""
    argv = [sys.executable, "-m", "ipdash"]
    if config_path is not None:
        argv += ["--config", str(config_path.resolve())]
    for path in csv_files:
        argv += ["--csv", str(path.resolve())]
    if demo:
        argv.append("--demo")
    if theme:
        argv += ["--theme", theme]
    return shlex.join(argv)


@click.command()
@click.option("--listen", default="127.0.0.1:8000", show_default=True, help="HOST:PORT to serve on.")
@click.option(
    "--public-url",
    default=None,
    help="The URL browsers use, when behind a proxy (e.g. https://ipdash.example.com).",
)
@config_option()
@click.option("--csv", "csv_files", multiple=True, type=click.Path(path_type=Path), help="Stats CSV file(s).")
@click.option("--demo", is_flag=True, help="Replay the bundled sample data as a live feed.")
@click.option("--theme", default=None, help="Theme name.")
def serve(
    listen: str,
    public_url: str | None,
    config_path: Path | None,
    csv_files: tuple[Path, ...],
    demo: bool,
    theme: str | None,
) -> None:
    """Serve the dashboard to web browsers (one ipdash process per browser tab).

    Binds to 127.0.0.1 unless --listen says otherwise; it does no authentication, so anything
    wider than localhost belongs behind an authenticating reverse proxy.

    Exit codes: 0 stopped; 2 bad arguments, or textual-serve is not installed.
    """
    host, port = parse_listen(listen, 8000)
    if port == 0:
        fail_usage("--listen: give a port (the page must name it in its websocket URL)")
        return
    if config_path is not None and not config_path.exists():
        fail_usage(f"{config_path}: no such config file")
        return
    try:
        from textual_serve.server import Server
    except ImportError:
        fail_usage("ipdash serve needs textual-serve: pip install 'ipdash[serve]'")
        return
    shown = f"[{host}]" if ":" in host else host
    server = Server(
        app_command(config_path, csv_files, demo, theme),
        host=host,
        port=port,
        title="ipdash",
        public_url=(public_url.rstrip("/") if public_url else f"http://{shown}:{port}"),
    )
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(
            f"ipdash serve: listening on {host}, beyond this machine, with no authentication: "
            "put an authenticating proxy in front (see README)",
            err=True,
        )
    try:
        asyncio.run(_serve_until_stopped(server))
    except OSError as error:
        fail_usage(f"--listen {listen}: {error.strerror or error}")


async def _serve_until_stopped(server: Any) -> None:
    """textual-serve's app, on a site we start ourselves so that "listening" is said only once the
    socket accepts connections (its own start-up message comes before the bind)."""
    from aiohttp import web

    runner = web.AppRunner(await server._make_app(), handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, server.host, server.port).start()
        click.echo(f"ipdash serve: listening on {server.public_url}", err=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()
