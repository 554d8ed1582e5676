"""Headless subcommands of the `ipdash` CLI, one module each, loaded lazily by ipdash.cli."""
