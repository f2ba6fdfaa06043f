"""The DuckDB warehouse: one module per concern, their public names gathered here.

No Dagster here: assets call these inside one transaction each, so a write that fails
leaves every table as it was before.

- `connection`: opening the file, the one-writer lock, transactions;
- `schema`: schemas, audit and quarantine tables, the raw tables' layout;
- `tables`: frames in and out of tables through Arrow, whether a table exists;
- `raw_files`: raw loads of entity files with DuckDB's CSV reader;
- `staged`: staged rows, quarantine and the reconciliation audit;
- `sql_files`: the SQL files in `sql/`;
- `render`: Markdown previews;
- `prices`: days touched by price loads, repeated quote ids.
"""

from ledger.warehouse.connection import LOCK_WAIT_SECONDS, connect, cursor, transaction, write_lock
from ledger.warehouse.prices import mark_price_days_touched, settle_repeated_quotes
from ledger.warehouse.raw_files import append_csv_file, count_csv_records, glob_literal, record_raw_files
from ledger.warehouse.render import frame_to_markdown, markdown_preview
from ledger.warehouse.schema import RAW_METADATA, SCHEMAS, create_raw_table, ensure_schemas
from ledger.warehouse.sql_files import SQL_DIR, build_table_from_sql, load_sql, sql_params
from ledger.warehouse.staged import (
    RECONCILIATION_COLUMNS,
    LoadCounts,
    quarantine_rows,
    raw_records,
    record_reconciliation,
    write_staged,
)
from ledger.warehouse.tables import insert_by_name, now, read_table, registered, replace_table, table_exists

__all__ = [
    "RECONCILIATION_COLUMNS",
    "LOCK_WAIT_SECONDS",
    "RAW_METADATA",
    "SCHEMAS",
    "SQL_DIR",
    "LoadCounts",
    "append_csv_file",
    "count_csv_records",
    "build_table_from_sql",
    "connect",
    "cursor",
    "create_raw_table",
    "ensure_schemas",
    "frame_to_markdown",
    "glob_literal",
    "insert_by_name",
    "load_sql",
    "mark_price_days_touched",
    "markdown_preview",
    "now",
    "quarantine_rows",
    "raw_records",
    "read_table",
    "record_raw_files",
    "record_reconciliation",
    "registered",
    "replace_table",
    "settle_repeated_quotes",
    "sql_params",
    "table_exists",
    "transaction",
    "write_lock",
    "write_staged",
]
