"""Writing a normalized entity: good rows staged, the others quarantined with their
reasons, and one reconciliation row per file read — every source row accounted for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import polars as pl

from ledger.transforms.problems import PROBLEM_COLUMNS, PROBLEMS
from ledger.warehouse.tables import insert_by_name, now, replace_table


@dataclass(frozen=True)
class LoadCounts:
    """What happened to the rows read from one entity's raw table."""

    rows_read: int
    rows_loaded: int
    rows_duplicate: int
    rows_quarantined: int


def raw_records(raw: pl.DataFrame) -> pl.DataFrame:
    """One row per source row: its id, file, dataset, file hash and the record as JSON (what
    quarantine keeps, and what reconciliation counts as read)."""
    columns = [c for c in raw.columns if c not in ("loaded_at", "run_id", "raw_row_id", "file_sha256")]
    return raw.select(
        "raw_row_id",
        "source_file",
        "dataset",
        "file_sha256",
        pl.struct(columns).struct.json_encode().alias("raw_record"),
    )


def write_staged(
    con: duckdb.DuckDBPyConnection,
    entity: str,
    table: str,
    records: pl.DataFrame,
    annotated: pl.DataFrame,
    *,
    run_id: str,
    files_read: pl.DataFrame | None = None,
) -> LoadCounts:
    """Write a normalized entity: good rows to `table`, rows with problems to
    `quarantine.rejected_rows` (replacing this entity's earlier ones) and one row per source
    file to `audit.reconciliation`. Call inside `transaction`.

    `records` has one row per source row read (see `raw_records`); `files_read` (source_file,
    dataset, file_sha256) lists every file read, so a file with no rows is counted too;
    `annotated` may hold
    several rows for one source row (an Epoch round gives an equity and a debt tranche).
    A source row counts as loaded if any of its rows was staged, else as a duplicate if
    any was a duplicate, else as quarantined; `parts_quarantined` counts the quarantine
    entries of the file, so a partly loaded row's rejected parts are visible too.
    """
    loaded_at = now()
    ok = pl.col(PROBLEMS).is_null()
    duplicate = pl.col("_duplicate_of").is_not_null()
    staged = annotated.filter(ok & ~duplicate).drop(PROBLEM_COLUMNS, PROBLEMS, "_duplicate_of")
    replace_table(con, table, staged)

    problems = annotated.filter(~ok).join(records.select("raw_row_id", "raw_record"), on="raw_row_id", how="left")
    rejected = quarantine_rows(entity, problems, run_id, loaded_at)
    con.execute("delete from quarantine.rejected_rows where entity = ?", [entity])
    insert_by_name(con, "quarantine.rejected_rows", rejected)

    status = annotated.group_by("raw_row_id").agg(
        (ok & ~duplicate).any().alias("_loaded"),
        (ok & duplicate).any().alias("_duplicate"),
        (~ok).sum().alias("_parts_quarantined"),
    )
    per_row = records.join(status, on="raw_row_id", how="left").with_columns(
        pl.when(pl.col("_loaded"))
        .then(pl.lit("loaded"))
        .when(pl.col("_duplicate"))
        .then(pl.lit("duplicate"))
        .otherwise(pl.lit("quarantined"))  # includes a row that produced nothing at all
        .alias("_status")
    )
    counted = per_row
    if files_read is not None:
        empty = files_read.join(per_row.select("source_file").unique(), on="source_file", how="anti")
        counted = pl.concat([per_row, empty.with_columns(pl.lit(None, pl.String).alias("_status"))], how="diagonal_relaxed")
    per_file = counted.group_by("source_file", "dataset", "file_sha256").agg(
        pl.col("_status").is_not_null().sum().alias("rows_read"),
        (pl.col("_status") == "loaded").sum().alias("rows_loaded"),
        (pl.col("_status") == "duplicate").sum().alias("rows_duplicate"),
        (pl.col("_status") == "quarantined").sum().alias("rows_quarantined"),
        pl.col("_parts_quarantined").fill_null(0).sum().alias("parts_quarantined"),
    )
    return record_reconciliation(con, entity, per_file, run_id, loaded_at)


#: What `audit.reconciliation` holds per file, besides the entity, run and time.
RECONCILIATION_COLUMNS = (
    "source_file",
    "dataset",
    "file_sha256",
    "rows_read",
    "rows_loaded",
    "rows_duplicate",
    "rows_quarantined",
    "parts_quarantined",
)


def record_reconciliation(
    con: duckdb.DuckDBPyConnection, entity: str, per_file: pl.DataFrame, run_id: str, at: datetime
) -> LoadCounts:
    """One `audit.reconciliation` row per file a load of `entity` read (`per_file` has the
    `RECONCILIATION_COLUMNS`; `parts_quarantined` may be missing, then 0); the totals.

    Every load writes its audit through here, however it counted (a whole entity, a price
    load with Epoch rows giving several prices, a day of the quote feed), so the audit
    always says: rows read = loaded + duplicate + quarantined, per file."""
    if "parts_quarantined" not in per_file.columns:
        per_file = per_file.with_columns(pl.col("rows_quarantined").alias("parts_quarantined"))
    rows = per_file.select(
        "source_file",
        pl.lit(entity).alias("entity"),
        "dataset",
        "file_sha256",
        *(pl.col(c).cast(pl.Int64) for c in RECONCILIATION_COLUMNS[3:]),
        pl.lit(run_id).alias("run_id"),
        pl.lit(at).alias("loaded_at"),
    ).sort("source_file")
    insert_by_name(con, "audit.reconciliation", rows)
    total = {c: int(rows[c].sum()) for c in RECONCILIATION_COLUMNS[3:7]}
    return LoadCounts(**total)


def quarantine_rows(entity: str, rejected: pl.DataFrame, run_id: str, at: datetime) -> pl.DataFrame:
    """Rows for quarantine.rejected_rows from annotated rows with problems (and their
    `raw_record`)."""
    return rejected.select(
        pl.lit(entity).alias("entity"),
        "dataset",
        "source_file",
        "row_number",
        "raw_row_id",
        pl.col(PROBLEM_COLUMNS).alias("column"),
        pl.col(PROBLEMS).alias("reason"),
        "raw_record",
        pl.lit(run_id).alias("run_id"),
        pl.lit(at).alias("quarantined_at"),
    )
