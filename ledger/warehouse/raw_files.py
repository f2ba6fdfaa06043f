"""Raw loads: one entity file appended as text (checked by DuckDB's strict CSV reader,
read by Polars'), and the list of files each load read."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

from ledger.transforms.entities import Entity
from ledger.warehouse.tables import insert_by_name


def glob_literal(path: Path) -> str:
    """`path` as a DuckDB glob pattern that matches only itself: DuckDB's file readers
    expand `*`, `?`, `[…]` and `{…}`, so a file named `funding_events_[1].csv` would read
    `funding_events_1.csv` instead. Each such character is put in a class of its own."""
    return "".join(f"[{c}]" if c in "*?[]{}" else c for c in str(path))


def exact_glob(path: Path) -> str:
    """`glob_literal(path)`, checked: DuckDB's readers take a glob pattern, and the escaped
    name must match this one file, and only it. Raises InputFileError otherwise."""
    from ledger.transforms.errors import InputFileError

    literal = glob_literal(path)
    with duckdb.connect() as con:
        matched = con.execute("select file from glob(?)", [literal]).fetchall()
    if [Path(f) for (f,) in matched] != [path]:
        raise InputFileError(path, f"cannot be read exactly by its name (it matched {len(matched)} files)")
    return literal


#: Rows per batch when a raw file streams from Polars' reader into DuckDB: bigger batches
#: pay each insert's fixed cost less often; 500,000 rows of text stay under 1 GB.
RAW_BATCH_ROWS = 500_000


def _read_options(cells: list[str]) -> str:
    """DuckDB read_csv options: every column as text, strict about the CSV format."""
    columns = "{" + ", ".join(f"'{cell.replace(chr(39), chr(39) * 2)}': 'VARCHAR'" for cell in cells) + "}"
    return (
        f"header = true, auto_detect = false, columns = {columns}, delim = ',', quote = '\"', escape = '\"', "
        "strict_mode = true, null_padding = false"
    )


def _strict_row_count(literal: str, cells: list[str]) -> tuple[int | None, str | None]:
    """DuckDB's strict CSV reader over the file, on a connection of its own: (records,
    None), or (None, its complaint) for a file it cannot read — a row of another width than
    the header among them, which Polars' reader would pad with nulls without a word."""
    reader = duckdb.connect()
    try:
        sql = f"select count(*) from read_csv($path, {_read_options(cells)})"
        return reader.execute(sql, {"path": literal}).fetchall()[0][0], None
    except duckdb.Error as err:
        return None, str(err).splitlines()[0]
    finally:
        reader.close()


def count_csv_records(path: Path) -> int:
    """The records of a CSV file as DuckDB's strict reader counts them. Raises
    InputFileError (file, row, what is wrong) for a file it cannot read: a row of another
    width than the header, say, which Polars' reader pads with nulls without a word — so a
    file read with Polars is counted here first, and the two counts compared after."""
    from ledger.transforms.reading import header_cells, locate_csv_problem

    cells = header_cells(path)
    records, failure = _strict_row_count(exact_glob(path), cells)
    if failure is not None:
        raise locate_csv_problem(path, len(cells), failure)
    return records


@contextmanager
def _insertion_order_not_kept(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Let DuckDB write a batch's rows in any order (each row carries its row number): at
    10M rows, appending the file took 15 s so, 21 s keeping the order (measured 2026-12-03)."""
    (kept,) = con.execute("select current_setting('preserve_insertion_order')").fetchone()
    con.execute("set preserve_insertion_order = false")
    try:
        yield
    finally:
        con.execute(f"set preserve_insertion_order = {'true' if kept else 'false'}")


def append_csv_file(con: duckdb.DuckDBPyConnection, table: str, path: Path, entity: Entity, *, file_id: int) -> tuple[int, str]:
    """Append one entity file to `<table>_rows`; (rows appended, the file's sha256). Every
    column is read as text (a cell left empty, quoted or not, is null); the row number is
    the record's place in the file (the header is row 1). Raises InputFileError (file, row,
    column, what is wrong) when the file cannot be read as CSV: nothing is appended.

    Three readers, each doing what it does fastest (10M rows, 1.5 GiB, measured 2026-12-03):
    DuckDB's strict reader counts the records first (3 s), so a file it cannot read fails
    before anything is written; Polars' reader then streams the rows, numbered, into the
    table in batches (15 s: DuckDB numbering its own read with `row_number() over ()` took
    26 s); and one pass beside them hashes the file and counts its quotes (an unclosed
    quote, which both readers would read to the end of the file)."""
    from concurrent.futures import ThreadPoolExecutor

    from ledger.transforms.problems import nonempty
    from ledger.transforms.reading import check_header, header_cells, locate_csv_problem, read_through, scan_entity_file

    cells = header_cells(path)
    header = [c.strip() for c in cells]
    check_header(path, header, entity)
    literal = exact_glob(path)
    appended = 0
    with ThreadPoolExecutor(1) as pool:
        pass_over = pool.submit(read_through, path)
        records, failure = _strict_row_count(literal, cells)
        if failure is None:
            scan = scan_entity_file(path, entity, path.name).select(
                *[nonempty(pl.col(c)).alias(c) for c in entity.columns],
                "extra_columns",
                pl.lit(file_id, pl.Int32).alias("file_id"),
                "row_number",
            )
            try:
                with _insertion_order_not_kept(con):
                    for batch in scan.collect_batches(chunk_size=RAW_BATCH_ROWS):
                        insert_by_name(con, f"{table}_rows", batch)
                        appended += batch.height
            except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as err:
                failure = str(err).splitlines()[0]
        sha, unclosed = pass_over.result()
    if failure is None and not unclosed and appended != records:
        failure = f"the file's rows were counted as {records:,} by one CSV reader and {appended:,} by another"
    if unclosed or failure:
        if appended:  # read without complaint, to the end of the file: undone
            con.execute(f"delete from {table}_rows where file_id = ?", [file_id])
        raise locate_csv_problem(path, len(header), None if unclosed else failure)
    return appended, sha


def record_raw_files(con: duckdb.DuckDBPyConnection, entity: str, files: list[dict]) -> None:
    """Replace the list of files the last raw load of `entity` read (rows may be 0); the raw
    view reads each file's name, dataset, hash, load time and run from here."""
    con.execute("delete from audit.raw_files where entity = ?", [entity])
    if files:
        insert_by_name(con, "audit.raw_files", pl.DataFrame(files, schema_overrides={"rows": pl.Int64, "file_id": pl.Int32}))
