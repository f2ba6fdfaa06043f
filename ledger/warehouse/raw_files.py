"""Raw loads: one entity file appended as text with DuckDB's CSV reader, and the list of
files each load read."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from ledger.transforms.entities import Entity
from ledger.warehouse.tables import insert_by_name


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def glob_literal(path: Path) -> str:
    """`path` as a DuckDB glob pattern that matches only itself: DuckDB's file readers
    expand `*`, `?`, `[…]` and `{…}`, so a file named `funding_events_[1].csv` would read
    `funding_events_1.csv` instead. Each such character is put in a class of its own."""
    return "".join(f"[{c}]" if c in "*?[]{}" else c for c in str(path))


def append_csv_file(con: duckdb.DuckDBPyConnection, table: str, path: Path, entity: Entity, *, file_id: int) -> tuple[int, str]:
    """Append one entity file to `<table>_rows` with DuckDB's CSV reader, which streams the
    file in parallel without holding it in memory; (rows appended, the file's sha256).
    Every column is read as text; the row number is the record's place in the file (the
    header is row 1). Raises InputFileError (file, row, column, what is wrong) when the file
    cannot be read as CSV: nothing is appended.

    The file's hash and its quote count (an unclosed quote, which DuckDB would read to the
    end of the file) come from one more pass over it, run beside DuckDB's read rather than
    before it: at 10M rows (1.5 GiB) that pass takes 3 s."""
    from concurrent.futures import ThreadPoolExecutor

    from ledger.transforms.errors import InputFileError
    from ledger.transforms.reading import check_header, header_cells, locate_csv_problem, read_through

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
    literal = glob_literal(path)
    # read_csv takes a glob pattern: the escaped name must match this one file, and only it
    matched = con.execute("select file from glob(?)", [literal]).fetchall()
    if [Path(f) for (f,) in matched] != [path]:
        raise InputFileError(path, f"cannot be read exactly by its name (it matched {len(matched)} files)")
    with ThreadPoolExecutor(1) as pool:
        pass_over = pool.submit(read_through, path)
        try:
            con.execute(sql, {"file_id": file_id, "path": literal})
            failure = None
        except duckdb.Error as err:
            failure = str(err).splitlines()[0]
        sha, unclosed = pass_over.result()
    if unclosed and not failure:  # read without complaint, to the end of the file: undone
        con.execute(f"delete from {table}_rows where file_id = ?", [file_id])
    if unclosed or failure:
        # (a failed statement aborted the transaction: the caller's rollback undoes it)
        raise locate_csv_problem(path, len(header), None if unclosed else failure)
    return con.execute(f"select count(*) from {table}_rows where file_id = ?", [file_id]).fetchall()[0][0], sha


def record_raw_files(con: duckdb.DuckDBPyConnection, entity: str, files: list[dict]) -> None:
    """Replace the list of files the last raw load of `entity` read (rows may be 0); the raw
    view reads each file's name, dataset, hash, load time and run from here."""
    con.execute("delete from audit.raw_files where entity = ?", [entity])
    if files:
        insert_by_name(con, "audit.raw_files", pl.DataFrame(files, schema_overrides={"rows": pl.Int64, "file_id": pl.Int32}))
