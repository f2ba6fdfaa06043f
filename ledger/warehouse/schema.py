"""The warehouse's schemas, the audit and quarantine tables, and the raw tables' layout."""

from __future__ import annotations

import duckdb

from ledger.transforms.entities import Entity
from ledger.warehouse.sql_files import load_sql
from ledger.warehouse.tables import table_exists

SCHEMAS = ("raw", "ref", "staging", "marts", "quarantine", "audit", "review")

_AUDIT_DDL = """
create table if not exists quarantine.rejected_rows (
    entity varchar not null,
    dataset varchar,
    source_file varchar not null,
    row_number bigint,
    raw_row_id varchar,
    "column" varchar,
    reason varchar not null,
    raw_record json,
    run_id varchar,
    quarantined_at timestamp with time zone,
    partition_date date
);
create table if not exists audit.ingest_log (
    file_name varchar not null,
    sha256 varchar not null,
    entity varchar,
    status varchar not null,
    rows bigint,
    reason varchar,
    stored_as varchar,
    run_id varchar,
    logged_at timestamp with time zone
);
create table if not exists audit.price_days_touched (
    day date not null,
    touched_by varchar not null,
    run_id varchar,
    touched_at timestamp with time zone
);
create table if not exists audit.raw_files (
    entity varchar not null,
    file_id integer,
    source_file varchar not null,
    dataset varchar,
    file_sha256 varchar,
    rows bigint,
    run_id varchar,
    loaded_at timestamp with time zone
);
create table if not exists audit.reconciliation (
    source_file varchar not null,
    entity varchar not null,
    dataset varchar,
    file_sha256 varchar,
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_duplicate bigint not null,
    rows_quarantined bigint not null,
    run_id varchar,
    loaded_at timestamp with time zone
);
"""

#: Columns every raw table has after the entity's own (all entity columns are text).
RAW_METADATA = (
    ("extra_columns", "json"),
    ("dataset", "varchar"),
    ("source_file", "varchar"),
    ("file_sha256", "varchar"),
    ("row_number", "bigint"),
    ("raw_row_id", "varchar"),
    ("loaded_at", "timestamp with time zone"),
    ("run_id", "varchar"),
)


def ensure_schemas(con: duckdb.DuckDBPyConnection) -> None:
    """Create the schemas and the audit tables if they are missing."""
    for schema in SCHEMAS:
        con.execute(f"create schema if not exists {schema}")
    con.execute(_AUDIT_DDL)
    # Added after the first release: warehouses built before it get the columns here.
    con.execute("alter table quarantine.rejected_rows add column if not exists partition_date date")
    con.execute("alter table audit.reconciliation add column if not exists parts_quarantined bigint")
    con.execute("alter table audit.raw_files add column if not exists file_id integer")
    # Months the index had to rebuild, before it kept providers' days (price_days_touched):
    # a warehouse's first run on this version rebuilds the index whole, so none is pending.
    con.execute("drop table if exists audit.price_months_touched")
    con.execute(load_sql("macros"))


def create_raw_table(con: duckdb.DuckDBPyConnection, entity: Entity, table: str) -> None:
    """An empty raw table for `entity`: the rows (every column as text, the file's number
    and the row's) in `<table>_rows`, and `<table>` a view adding what is the same for every
    row of a file — its name, dataset, hash, load time and run, from audit.raw_files — and
    the raw row id. Millions of rows then do not store those values once each."""
    columns = [f'"{c}" varchar' for c in entity.columns] + ["extra_columns json", "file_id integer", "row_number bigint"]
    # Warehouses built before this layout hold `<table>` as a table: a view cannot replace it.
    if table_exists(con, table):
        con.execute(f"drop table {table}")
    con.execute(f"create or replace table {table}_rows ({', '.join(columns)})")
    entity_columns = ", ".join(f'r."{c}"' for c in entity.columns)
    con.execute(
        f"""
        create or replace view {table} as
        select {entity_columns}, r.extra_columns, f.dataset, f.source_file, f.file_sha256, r.row_number,
            f.source_file || ':' || r.row_number as raw_row_id, f.loaded_at, f.run_id
        from {table}_rows as r
        join audit.raw_files as f on f.entity = '{entity.name}' and f.file_id = r.file_id
        """
    )
