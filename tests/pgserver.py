"""A real PostgreSQL server for the tests: Debian's binaries, ``initdb`` + ``pg_ctl`` in a temp dir,
listening on a free 127.0.0.1 port, started once per pytest session (so once per xdist worker).

As root (CI), initdb refuses to run, so the server runs as the unprivileged ``postgres`` user the
Debian package creates, through ``runuser``. Tests skip, saying why, only when no server binaries
can be found at all.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SERVER_USER = "postgres"


class NoServer(Exception):
    """No PostgreSQL server can be started here; the message says why."""


def find_bindir() -> Path:
    candidates: list[str] = []
    if os.environ.get("IPDASH_PG_BIN"):
        candidates.append(os.environ["IPDASH_PG_BIN"])
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(found.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(str(Path(initdb).parent))
    for folder in candidates:
        if folder and (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    raise NoServer(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's postgresql package "
        "(.ci/run does) or set IPDASH_PG_BIN"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PgServer:
    bindir: Path
    root: Path
    port: int = 0
    user: str = "ipdash"

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def _as_server_user(self, *command: str) -> list[str]:
        if os.geteuid() != 0:
            return list(command)
        if shutil.which("runuser") is None:
            raise NoServer("running as root and runuser is missing: cannot start PostgreSQL unprivileged")
        return ["runuser", "-u", SERVER_USER, "--", *command]

    def _run(self, *command: str) -> None:
        done = subprocess.run(self._as_server_user(*command), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            log = (self.root / "log").read_text() if (self.root / "log").exists() else ""
            raise NoServer(f"{' '.join(command[:2])} failed: {done.stdout}{done.stderr}{log[-2000:]}")

    def start(self) -> PgServer:
        if os.geteuid() == 0:
            import pwd

            try:
                account = pwd.getpwnam(SERVER_USER)
            except KeyError as error:
                raise NoServer(f"running as root and there is no {SERVER_USER!r} user") from error
            os.chown(self.root, account.pw_uid, account.pw_gid)
        if not (self.data / "PG_VERSION").exists():  # a kept server (bench_store --keep) starts as it is
            self._init()
        return self._start()

    def _init(self) -> None:
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            self.user,
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        )

    def _start(self) -> PgServer:
        for _attempt in range(5):  # another process may take the probed port before the server binds it
            self.port = _free_port()
            options = (
                f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
            )
            try:
                # -w: pg_ctl returns once the server accepts connections (pg_isready's check), no sleeps.
                self._run(
                    str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start"
                )  # fmt: skip
                return self
            except NoServer:
                continue
        raise NoServer(f"PostgreSQL did not start: {(self.root / 'log').read_text()[-2000:]}")

    def stop(self, *, remove: bool = True) -> None:
        subprocess.run(
            self._as_server_user(
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.data),
                "-m",
                "immediate" if remove else "fast",
                "stop",
            ),
            capture_output=True,
            check=False,
        )
        if remove:
            shutil.rmtree(self.root, ignore_errors=True)


def start_server(root: Path | None = None) -> PgServer:
    """A new server in a temp dir, or ``root``'s (made there if it holds none yet; kept on stop)."""
    bindir = find_bindir()
    if root is not None:
        root.mkdir(parents=True, exist_ok=True)
        return PgServer(bindir, root).start()
    # Not under pytest's tmp dirs: those are private to root, and the server user must reach this one.
    root = Path(tempfile.mkdtemp(prefix="ipdash-pg-", dir="/tmp" if os.geteuid() == 0 else None))
    try:
        return PgServer(bindir, root).start()
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise


# Fixtures: import them into a conftest (``from pgserver import pg_server, pg_url``).
_databases = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One server per pytest session, i.e. per xdist worker: no two workers share one."""
    try:
        server = start_server()
    except NoServer as error:
        pytest.skip(str(error))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """A fresh, empty database on the session's server for each test."""
    import psycopg

    name = f"t{os.getpid()}_{next(_databases)}"
    with psycopg.connect(pg_server.url(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return pg_server.url(name)
