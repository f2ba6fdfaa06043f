"""Dagster's run history in SQLite, without a disk flush per commit, for command-line runs.

`refresh_all` writes about 570 events (109 expectations, each planned and evaluated, and
every step's start, output and success), and Dagster's SQLite storage commits each in its
own connection: with SQLite's default `synchronous=FULL` that is about 6,200 fdatasync
calls per `make run`, 2.0 s of waiting on the disk here (`strace -f -w -c -e
trace=fdatasync`; `synchronous=NORMAL` still made 4,978, as every closing connection
checkpoints the WAL). With `synchronous=OFF`: 119 calls, 0.05 s.

What it costs: a process that crashes or is killed loses nothing (SQLite still writes
every commit before it returns); an OS crash or power cut during a run can lose the run
history's last commits or damage `.dagster_home/`, which then has to be deleted (the
warehouse is a DuckDB file, not affected). Only `compute-ledger run` sets it, for the
connections of its own process; the UI's webserver, daemon and run workers keep SQLite's
default. SQLAlchemy's public `connect` event applies it to each new SQLite connection.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

_INSTALLED = False


def _no_flush(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()


def relax_sqlite_sync() -> None:
    """Every SQLite connection this process opens from now on skips the disk flush (once)."""
    global _INSTALLED
    if not _INSTALLED:
        event.listen(Engine, "connect", _no_flush)
        _INSTALLED = True
