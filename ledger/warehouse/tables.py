"""Moving Polars frames in and out of DuckDB tables (through Arrow), and asking what exists."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import duckdb
import polars as pl


def now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> Iterator[str]:
    """`frame` visible to SQL on `con` as the view `name` (Arrow, no copy) inside the block."""
    con.register(name, frame.to_arrow())
    try:
        yield name
    finally:
        con.unregister(name)


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether `table` (schema.name) is a table of the open database (a view is not)."""
    schema, name = table.split(".")
    query = "select count(*) from duckdb_tables() where database_name = current_database() and schema_name = ? and table_name = ?"
    return con.execute(query, [schema, name]).fetchall()[0][0] > 0


def replace_table(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> int:
    """Replace `table` (schema.name) by `frame`; returns its row count."""
    with registered(con, "_frame", frame):
        con.execute(f"create or replace table {table} as select * from _frame")
    return frame.height


def read_table(con: duckdb.DuckDBPyConnection, table: str) -> pl.DataFrame:
    """A whole table as a Polars frame (through Arrow)."""
    return con.sql(f"select * from {table}").pl()


def insert_by_name(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Append a frame's rows to `table`, matching columns by name.

    DuckDB reads the frame from this function's local variable (a replacement scan), not
    from a registered view: appending a 10M-row file in 500,000-row batches inside one
    transaction peaked at 4.4 GB with each batch registered and unregistered, 1.8 GB so
    (measured 2026-12-03)."""
    if frame.height:
        _frame_to_insert = frame  # read by its name in the SQL below
        con.execute(f"insert into {table} by name select * from _frame_to_insert")
