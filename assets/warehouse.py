"""The DuckDB warehouse: schemas, atomic writes, quarantine and the reconciliation audit.

No Dagster here: assets call these inside one transaction each, so a write that fails
leaves every table as it was before.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from assets.transforms.entities import Entity
from assets.transforms.problems import PROBLEM_COLUMNS, PROBLEMS

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
SCHEMAS = ("raw", "ref", "staging", "marts", "quarantine", "audit")

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
create table if not exists audit.price_months_touched (
    month date not null,
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


#: How long to wait for another process to close the warehouse before giving up.
LOCK_WAIT_SECONDS = 600.0


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
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=config)
        except duckdb.IOException as err:
            if "lock" not in str(err).lower() or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


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


def ensure_schemas(con: duckdb.DuckDBPyConnection) -> None:
    """Create the schemas and the audit tables if they are missing."""
    for schema in SCHEMAS:
        con.execute(f"create schema if not exists {schema}")
    con.execute(_AUDIT_DDL)
    # Added after the first release: warehouses built before it get the columns here.
    con.execute("alter table quarantine.rejected_rows add column if not exists partition_date date")
    con.execute("alter table audit.reconciliation add column if not exists parts_quarantined bigint")
    con.execute("alter table audit.raw_files add column if not exists file_id integer")


def now() -> datetime:
    return datetime.now(UTC)


def replace_table(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> int:
    """Replace `table` (schema.name) by `frame`; returns its row count."""
    arrow = frame.to_arrow()
    con.register("_frame", arrow)
    try:
        con.execute(f"create or replace table {table} as select * from _frame")
    finally:
        con.unregister("_frame")
    return frame.height


def create_raw_table(con: duckdb.DuckDBPyConnection, entity: Entity, table: str) -> None:
    """An empty raw table for `entity`: the rows (every column as text, the file's number
    and the row's) in `<table>_rows`, and `<table>` a view adding what is the same for every
    row of a file — its name, dataset, hash, load time and run, from audit.raw_files — and
    the raw row id. Millions of rows then do not store those values once each."""
    columns = [f'"{c}" varchar' for c in entity.columns] + ["extra_columns json", "file_id integer", "row_number bigint"]
    schema, name = table.split(".")
    # Warehouses built before this layout hold `<table>` as a table: a view cannot replace it.
    if con.execute(
        "select 1 from duckdb_tables() where database_name = current_database() and schema_name = ? and table_name = ?",
        [schema, name],
    ).fetchall():
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


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def glob_literal(path: Path) -> str:
    """`path` as a DuckDB glob pattern that matches only itself: DuckDB's file readers
    expand `*`, `?`, `[…]` and `{…}`, so a file named `funding_events_[1].csv` would read
    `funding_events_1.csv` instead. Each such character is put in a class of its own."""
    return "".join(f"[{c}]" if c in "*?[]{}" else c for c in str(path))


def append_csv_file(con: duckdb.DuckDBPyConnection, table: str, path: Path, entity: Entity, *, file_id: int) -> int:
    """Append one entity file to `<table>_rows` with DuckDB's CSV reader, which streams the
    file in parallel without holding it in memory. Every column is read as text; the row
    number is the record's place in the file (the header is row 1). Raises InputFileError
    (file, row, column, what is wrong) when the file cannot be read as CSV: nothing is
    appended."""
    from assets.transforms.errors import InputFileError
    from assets.transforms.reading import check_header, has_unclosed_quote, header_cells, locate_csv_problem

    cells = header_cells(path)
    header = [c.strip() for c in cells]
    extras = check_header(path, header, entity)
    by_name = dict(zip(header, cells))
    values = [
        f"{_quoted(by_name[c])} as {_quoted(c)}" if c in by_name else f"null::varchar as {_quoted(c)}" for c in entity.columns
    ]
    extra = (
        "to_json(struct_pack(" + ", ".join(f"{_quoted(c)} := {_quoted(by_name[c])}" for c in extras) + "))"
        if extras
        else "null::json"
    )
    columns = "{" + ", ".join(f"'{cell.replace(chr(39), chr(39) * 2)}': 'VARCHAR'" for cell in cells) + "}"
    sql = f"""
        insert into {table}_rows
        select {", ".join(values)}, {extra}, $file_id, row_number() over () + 1
        from read_csv($path, header = true, auto_detect = false, columns = {columns},
            delim = ',', quote = '"', escape = '"', strict_mode = true, null_padding = false)
    """
    if has_unclosed_quote(path):  # DuckDB reads such a field to the end of the file
        raise locate_csv_problem(path, len(header))
    literal = glob_literal(path)
    # read_csv takes a glob pattern: the escaped name must match this one file, and only it
    matched = con.execute("select file from glob(?)", [literal]).fetchall()
    if [Path(f) for (f,) in matched] != [path]:
        raise InputFileError(path, f"cannot be read exactly by its name (it matched {len(matched)} files)")
    try:
        con.execute(sql, {"file_id": file_id, "path": literal})
    except duckdb.Error as err:
        raise locate_csv_problem(path, len(header), str(err).splitlines()[0]) from None
    return con.execute(f"select count(*) from {table}_rows where file_id = ?", [file_id]).fetchall()[0][0]


def read_table(con: duckdb.DuckDBPyConnection, table: str) -> pl.DataFrame:
    """A whole table as a Polars frame (through Arrow)."""
    return con.sql(f"select * from {table}").pl()


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
    _insert(con, "quarantine.rejected_rows", rejected)

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
    per_file = (
        counted.group_by("source_file", "dataset", "file_sha256")
        .agg(
            pl.col("_status").is_not_null().sum().alias("rows_read"),
            (pl.col("_status") == "loaded").sum().alias("rows_loaded"),
            (pl.col("_status") == "duplicate").sum().alias("rows_duplicate"),
            (pl.col("_status") == "quarantined").sum().alias("rows_quarantined"),
            pl.col("_parts_quarantined").fill_null(0).sum().alias("parts_quarantined"),
        )
        .select(
            "source_file",
            pl.lit(entity).alias("entity"),
            "dataset",
            "file_sha256",
            "rows_read",
            "rows_loaded",
            "rows_duplicate",
            "rows_quarantined",
            "parts_quarantined",
            pl.lit(run_id).alias("run_id"),
            pl.lit(loaded_at).alias("loaded_at"),
        )
        .sort("source_file")
    )
    _insert(con, "audit.reconciliation", per_file)
    return LoadCounts(
        rows_read=per_row.height,
        rows_loaded=int(per_file["rows_loaded"].sum()),
        rows_duplicate=int(per_file["rows_duplicate"].sum()),
        rows_quarantined=int(per_file["rows_quarantined"].sum()),
    )


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    if frame.height == 0:
        return
    con.register("_rows", frame.to_arrow())
    try:
        columns = ", ".join(f'"{c}"' for c in frame.columns)
        con.execute(f"insert into {table} ({columns}) select {columns} from _rows")
    finally:
        con.unregister("_rows")


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


def markdown_preview(con: duckdb.DuckDBPyConnection, table: str, limit: int = 10) -> str:
    """The first rows of a table as a Markdown table (for the UI)."""
    frame = con.sql(f"select * from {table} limit {int(limit)}").pl()
    return frame_to_markdown(frame)


def frame_to_markdown(frame: pl.DataFrame) -> str:
    """A small frame as a Markdown table, numbers rounded for reading."""

    def cell(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
        return str(value).replace("|", "\\|").replace("\n", " ")

    header = "| " + " | ".join(frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.iter_rows()]
    return "\n".join([header, rule, *rows])


def mark_price_months_touched(
    con: duckdb.DuckDBPyConnection, months_sql: str, params: list, touched_by: str, run_id: str
) -> None:
    """Record months whose GPU prices changed, for the price index to rebuild them (and only
    them). `months_sql` selects one column of dates; any day of a month marks the month."""
    con.execute(
        f"insert into audit.price_months_touched select distinct cast(date_trunc('month', m) as date), ?, ?, ? "
        f"from ({months_sql}) as t(m) where m is not null",
        [touched_by, run_id, now(), *params],
    )


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


def record_raw_files(con: duckdb.DuckDBPyConnection, entity: str, files: list[dict]) -> None:
    """Replace the list of files the last raw load of `entity` read (rows may be 0); the raw
    view reads each file's name, dataset, hash, load time and run from here."""
    con.execute("delete from audit.raw_files where entity = ?", [entity])
    if files:
        _insert(con, "audit.raw_files", pl.DataFrame(files, schema_overrides={"rows": pl.Int64, "file_id": pl.Int32}))


def insert_by_name(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Append a frame's rows to `table`, matching columns by name (through Arrow)."""
    if frame.height:
        con.register("_rows_by_name", frame.to_arrow())
        try:
            con.execute(f"insert into {table} by name select * from _rows_by_name")
        finally:
            con.unregister("_rows_by_name")


def settle_repeated_quotes(
    con: duckdb.DuckDBPyConnection,
    table: str,
    entity: str,
    where: str,
    params: dict,
    run_id: str,
    at: datetime,
    files_by_precedence: list[str] | None = None,
) -> dict[str, tuple[int, int]]:
    """Quote ids staged twice in `table` among the rows `where` selects (written in
    different batches or files): the first copy stays — by file precedence
    (`files_by_precedence`, earlier wins; files not listed after, by name), then row — a
    later copy with the same content is a duplicate and is removed, one with different
    content goes to quarantine naming the copy kept. Returns {source_file: (duplicates,
    conflicts)}. Cheap when no id repeats (one grouped scan)."""
    content = "md5(concat_ws('|', gpu_model, price_type, usd_per_gpu_mid, usd_per_gpu_hour_mid, observed_date, provider, region))"
    rank = "coalesce(list_position($files, source_file), 2147483647)"
    order = f"partition by quote_id order by {rank}, source_file, row_number"
    con.execute(
        f"""
        create or replace temp table _repeated as
        with ranked as (
            select
                quote_id, source_file, row_number, raw_row_id, dataset,
                {"partition_date" if "quotes" in entity else "null::date"} as partition_date,
                row_number() over ({order}) as copy,
                first(raw_row_id) over ({order}) as first_row,
                {content} as content,
                first({content}) over ({order}) as first_content
            from {table}
            where {where}
                and quote_id in (select quote_id from {table} where {where} group by quote_id having count(*) > 1)
        )
        select * from ranked where copy > 1
        """,
        {**params, "files": files_by_precedence or []},
    )
    per_file = {
        name: (int(dups), int(conflicts))
        for name, dups, conflicts in con.execute(
            "select source_file, count(*) filter (where content = first_content), "
            "count(*) filter (where content <> first_content) from _repeated group by source_file"
        ).fetchall()
    }
    if per_file:
        con.execute(
            """
            insert into quarantine.rejected_rows
                (entity, dataset, source_file, row_number, raw_row_id, "column", reason, raw_record, run_id,
                 quarantined_at, partition_date)
            select $entity, dataset, source_file, row_number, raw_row_id, 'quote_id',
                'quote_id: ' || quote_id || ' is already used by ' || first_row || ' with different values',
                null, $run_id, $at, partition_date
            from _repeated
            where content <> first_content
            """,
            {"entity": entity, "run_id": run_id, "at": at},
        )
        con.execute(f"delete from {table} where raw_row_id in (select raw_row_id from _repeated)")
    con.execute("drop table _repeated")
    return per_file
