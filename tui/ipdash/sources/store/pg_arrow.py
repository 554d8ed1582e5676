"""Daily stats from PostgreSQL into a polars frame at C speed, through ADBC's libpq driver.

The driver asks the server for its binary COPY format and decodes it into Arrow columns in C++;
polars takes those columns as they are. No Python object per row or value is made, the server
formats no text and the client parses none (bench_store: the read of 4 M rows against the CSV COPY
it replaces). The read joins the snapshot of the psycopg transaction that asked for it
(``pg_export_snapshot``), so the daily stats and the other tables are one consistent picture.

The server is not asked to sort: ``fetched_at`` comes along, and only when two sources hold the same
(day, IP, mailbox provider) are the rows ordered here and the newest fetch kept (the table's key
includes the source, so one source never repeats a key).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit


def arrow_uri(
    url: str, password: str | None, connect_timeout: int, *, lock_timeout_ms: int | None = None
) -> str:
    """The libpq URI ADBC connects with: the store's URL, its password (from the environment, never
    in the config file) and the same connect timeout, application name and lock timeout as the pool's."""
    parts = urlsplit(url)
    if password is not None and parts.hostname is not None:
        user = parts.username or ""
        host = parts.netloc.rsplit("@", 1)[-1]
        parts = parts._replace(netloc=f"{quote(user, safe='')}:{quote(password, safe='')}@{host}")
    extra = f"connect_timeout={connect_timeout}&application_name=ipdash"
    if lock_timeout_ms is not None:
        extra += f"&options={quote(f'-c lock_timeout={int(lock_timeout_ms)}', safe='')}"
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit(parts._replace(query=query))


def read_frame(uri: str, query: str, snapshot: str | None) -> Any:
    """The rows of ``query`` (literals bound already) as a polars frame, read in ``snapshot``."""
    import adbc_driver_postgresql
    import polars as pl
    import pyarrow as pa
    from adbc_driver_manager import AdbcConnection, AdbcDatabase, AdbcStatement

    database = AdbcDatabase(driver=adbc_driver_postgresql._driver_path(), uri=uri)
    try:
        connection = AdbcConnection(database)
        try:
            if snapshot is not None:
                connection.set_autocommit(False)
                _run(connection, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                _run(connection, f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            statement = AdbcStatement(connection)
            try:
                statement.set_sql_query(query)
                stream, _rows = statement.execute_query()
                # pyarrow reads the stream with the GIL released (a viewer's event loop keeps
                # running); polars then takes the columns without copying them.
                table = pa.RecordBatchReader._import_from_c(stream.address).read_all()
            finally:
                statement.close()
            if snapshot is not None:
                connection.rollback()
        finally:
            connection.close()
    finally:
        database.close()
    return pl.from_arrow(table)


def _run(connection: Any, sql: str) -> None:
    from adbc_driver_manager import AdbcStatement

    statement = AdbcStatement(connection)
    try:
        statement.set_sql_query(sql)
        statement.execute_update()
    finally:
        statement.close()


def newest_per_key(frame: Any) -> Any:
    """One row per (day, IP, mailbox provider), the newest fetch winning; ``fetched_at`` dropped."""
    from ipdash.domain.stats_table import unique_keys

    if frame.height > 1 and frame["source"].n_unique() > 1:
        frame = unique_keys(frame.sort("fetched_at", maintain_order=True))
    return frame.drop("fetched_at")
