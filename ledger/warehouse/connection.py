"""Opening the warehouse file, the one-writer lock beside it, and transactions.

DuckDB lets one process open a file for writing and no other process open it meanwhile.
Two mechanisms make that safe for every way the ledger runs, each for what the other
cannot do: `write_lock` makes our writers wait their turn (DuckDB refuses a second writer
at once instead of queueing it), and `connect` waits with backoff while another process
has the file open (a reader meeting a writer, or a program outside the ledger).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from ledger.warehouse.sql_files import load_sql

#: How long to wait for another process to close the warehouse before giving up.
LOCK_WAIT_SECONDS = 600.0

#: Rows per row group in the tables a writer appends to (DuckDB's default is 122,880).
#: DuckDB writes each full row group to the file while the transaction runs (an optimistic
#: write), and leaves what is left for the commit's checkpoint, which runs on one core while
#: the run waits. One new day of 100,000 quotes (raw and staged, into the 10M-row benchmark
#: warehouse) fills no default row group: its commit took 0.41 s. At 32,768 rows the rows
#: are written while Polars normalizes, and the commit took 0.01 s. The 10M-row file grew
#: from 829 to 952 MB; the full run took as long (84.0 s against 82.3 s, within the spread
#: of runs). DuckDB does not store the size in the file: each writer attaches with it.
ROW_GROUP_ROWS = 32_768

#: The name the warehouse file is attached as (`current_database()` in SQL).
DATABASE_NAME = "warehouse"


def connect(path: str | Path, *, read_only: bool = False, wait_seconds: float = LOCK_WAIT_SECONDS) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file; read-only connections never take the write lock.

    DuckDB lets one process open a file for writing, and no other process open it at all
    meanwhile, so a connection that finds the file in use waits (with backoff) until the
    other process closes it, up to `wait_seconds`.
    """
    if read_only and not Path(path).exists():
        raise FileNotFoundError(f"no warehouse at {path}: run `make run` first")
    if not read_only:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    delay = 0.05
    config = (
        {"memory_limit": os.environ["COMPUTE_LEDGER_DUCKDB_MEMORY"]} if os.environ.get("COMPUTE_LEDGER_DUCKDB_MEMORY") else {}
    )
    # an in-memory database that attaches the file, as the one it uses: DuckDB takes a
    # row group size only as an ATTACH option. The name it is attached as is fixed, not the
    # file's: a file named memory.duckdb or temp.duckdb would clash with DuckDB's own.
    quoted_path = str(path).replace("'", "''")
    options = "READ_ONLY" if read_only else f"ROW_GROUP_SIZE {ROW_GROUP_ROWS}"
    while True:
        con = duckdb.connect(config=config)
        try:
            con.execute(f"attach '{quoted_path}' as {DATABASE_NAME} ({options})")
            con.execute(f"use {DATABASE_NAME}")
            if read_only:
                # the macros as this version defines them: a file last written by an
                # earlier version may lack a newer one (a writer adds them to the file)
                con.execute(load_sql("macros").replace("create or replace macro", "create or replace temp macro"))
            return con
        except duckdb.IOException as err:
            con.close()
            if "lock" not in str(err).lower() or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
        except BaseException:
            con.close()
            raise


def cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Another connection to the warehouse `con` has open (to read while `con` writes),
    using the warehouse as `con` does."""
    other = con.cursor()
    other.execute(f"use {DATABASE_NAME}")
    return other


@contextmanager
def write_lock(
    path: str | Path, wait_seconds: float = LOCK_WAIT_SECONDS, on_wait: Callable[[], None] | None = None
) -> Iterator[None]:
    """An exclusive OS file lock beside the warehouse, held while one process writes.

    It serializes writers from every execution path (the CLI, runs launched by the UI,
    tests), and the OS releases it when a process dies, even by SIGKILL, so a crashed run
    never blocks the next one. `on_wait` is called once if the lock is taken already.
    """
    lock_path = Path(f"{path}.write-lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    with lock_path.open("a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if on_wait is not None:
                    on_wait()
                    on_wait = None
                if time.monotonic() > deadline:
                    raise TimeoutError(f"another process has been writing {path} for {wait_seconds:.0f} s") from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN … COMMIT, or ROLLBACK on any error: all or nothing."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")
