"""The SQL files in `sql/`: read, given only the parameters they use, run into tables."""

from __future__ import annotations

import duckdb

from ledger.settings import RESOURCE_DIR

SQL_DIR = RESOURCE_DIR / "sql"


def load_sql(name: str) -> str:
    """The text of `sql/<name>.sql`."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def sql_params(sql: str, params: dict[str, object]) -> dict[str, object]:
    """The named parameters a SQL text uses (DuckDB refuses unused ones)."""
    return {k: v for k, v in params.items() if f"${k}" in sql}


def build_table_from_sql(con: duckdb.DuckDBPyConnection, table: str, sql_name: str, params: dict[str, object]) -> int:
    """Replace `table` by the result of `sql/<sql_name>.sql` run with named parameters."""
    select = load_sql(sql_name).strip().rstrip(";")
    con.execute(f"create or replace table {table} as {select}", sql_params(select, params))
    return con.execute(f"select count(*) from {table}").fetchall()[0][0]
