"""Reading input files: every column as text, the row it came from, and clear errors.

Files are scanned lazily so a large file streams through in batches. When Polars cannot
read a file, a second pass with Python's csv module finds the row and column to name in
the error, so a user never sees a bare parser traceback.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

import polars as pl

from assets.transforms.entities import Entity
from assets.transforms.errors import InputFileError

#: Columns every raw row carries besides the entity's own.
SOURCE_FILE = "source_file"
ROW_NUMBER = "row_number"
RAW_ROW_ID = "raw_row_id"
EXTRA_COLUMNS = "extra_columns"

_FIRST_DATA_ROW = 2  # the header is row 1, as a spreadsheet shows it


def file_sha256(path: Path) -> str:
    """Content hash of a file, read in chunks (files can be large)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _first_line(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(64 * 1024)
    if not head.strip():
        raise InputFileError(path, "the file is empty (expected a header row and data rows)")
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        if err.start < len(head) - 4:  # not just a character cut by the 64 KiB window
            raise _not_utf8(path, head, err.start) from None
        text = head[: err.start].decode("utf-8-sig")
    return text.splitlines()[0] if text.splitlines() else ""


def _not_utf8(path: Path, data: bytes, offset: int) -> InputFileError:
    row = data[:offset].count(b"\n") + 1
    return InputFileError(
        path,
        f"not UTF-8 text (byte 0x{data[offset]:02x} at byte offset {offset}); "
        "save the file as UTF-8 CSV",
        row=row,
    )


def header_cells(path: Path) -> list[str]:
    """The header row's cells exactly as written (Polars names columns by them)."""
    return next(csv.reader(io.StringIO(_first_line(path))), [])


def read_header(path: Path) -> list[str]:
    """The header row's column names, stripped."""
    return [c.strip() for c in header_cells(path)]


def check_header(path: Path, header: list[str], entity: Entity) -> list[str]:
    """Raise for a header that cannot be this entity's; return the unknown extra columns."""
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise InputFileError(path, f"column {name!r} appears twice in the header", row=1, column=name)
        seen.add(name)
    missing = [c for c in entity.required if c not in seen]
    if missing:
        hint = ""
        if len(header) == 1 and any(d in header[0] for d in ";\t|"):
            hint = " — the header has a single column: is the file separated by ';' or tabs instead of ','?"
        raise InputFileError(
            path,
            f"missing required column(s) {', '.join(missing)} for {entity.name}; "
            f"the header has: {', '.join(header) or '(nothing)'}{hint}",
            row=1,
            column=missing[0],
        )
    return [c for c in header if c not in entity.columns]


def locate_csv_problem(path: Path, width: int, reader_message: str | None = None) -> InputFileError:
    """Find the first row Python's csv module cannot read, or whose width is wrong (run
    only after a fast reader failed, to name the row)."""
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as handle:
            consumed: list[str] = []

            def lines():
                for line in handle:
                    consumed.append(line)
                    yield line

            reader = csv.reader(lines(), strict=True)
            header = next(reader, None)
            record = 1
            start_line = reader.line_num + 1
            for row in reader:
                record += 1
                raw_text = "".join(consumed)
                consumed.clear()
                if row and len(row) != width:
                    return InputFileError(
                        path,
                        f"has {len(row)} fields where the header has {width}",
                        row=record,
                    )
                # a quote inside an unquoted cell: the value appears as written (a quoted
                # cell would show its quotes doubled in the text)
                stray = next((i for i, cell in enumerate(row) if '"' in cell and cell in raw_text), None)
                if stray is not None and header is not None and stray < len(header):
                    return InputFileError(
                        path,
                        'has a double quote (") inside a field that is not quoted: quote the whole field and '
                        'double the quote, e.g. "a 19"" rack"',
                        row=record,
                        column=header[stray],
                    )
                start_line = reader.line_num + 1
    except UnicodeDecodeError as err:
        with path.open("rb") as handle:
            data = handle.read()
        return _not_utf8(path, data, err.start)
    except csv.Error as err:
        return InputFileError(
            path,
            f"cannot be read as CSV from line {start_line}: {err} "
            "(a quoted field is never closed — is the file truncated?)",
            row=record + 1,
        )
    if reader_message:
        line = re.search(r"line (\d+)", reader_message)
        row = _record_of_line(path, int(line.group(1))) if line else None
        return InputFileError(path, f"cannot be read as CSV: {reader_message}", row=row)
    return InputFileError(path, "cannot be read as CSV")


def _record_of_line(path: Path, line: int) -> int:
    """The spreadsheet row of a physical line (records can span lines in quoted cells)."""
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            record = 0
            for _ in reader:
                record += 1
                if reader.line_num >= line:
                    return record
    except (csv.Error, UnicodeDecodeError):
        pass
    return line


def scan_entity_file(path: Path, entity: Entity, relative_name: str) -> pl.LazyFrame:
    """A lazy scan of one entity file: the entity's columns as text (absent optional ones
    null), unknown columns as a JSON object in `extra_columns`, and the source file, row
    number and raw row id of each record."""
    header = read_header(path)
    extras = check_header(path, header, entity)
    scan = pl.scan_csv(
        path,
        infer_schema=False,
        encoding="utf8",
        row_index_name="_record",
    )
    scan = scan.rename({old: new for old, new in zip(header_cells(path), header) if old != new})
    extra = (
        pl.struct(extras).struct.json_encode() if extras else pl.lit(None, pl.String)
    ).alias(EXTRA_COLUMNS)
    row_number = (pl.col("_record") + _FIRST_DATA_ROW).cast(pl.Int64)
    return scan.select(
        *[
            (pl.col(c) if c in header else pl.lit(None, pl.String)).alias(c)
            for c in entity.columns
        ],
        extra,
        pl.lit(relative_name).alias(SOURCE_FILE),
        row_number.alias(ROW_NUMBER),
        pl.format("{}:{}", pl.lit(relative_name), row_number).alias(RAW_ROW_ID),
    )


def has_unclosed_quote(path: Path) -> bool:
    """True when a file has an odd number of double quotes: a quoted field never closed
    (Polars reads such a field to the end of the file without complaint). Escaped quotes
    come in pairs, so they do not change the parity."""
    count = 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            count += chunk.count(b'"')
    return count % 2 == 1


def collect_file(scan: pl.LazyFrame, path: Path, width: int) -> pl.DataFrame:
    """Collect a scan, turning Polars' parser errors into an `InputFileError` with a row."""
    if has_unclosed_quote(path):
        raise locate_csv_problem(path, width)
    try:
        return scan.collect()
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError):
        raise locate_csv_problem(path, width) from None


def iter_file_batches(scan: pl.LazyFrame, path: Path, width: int):
    """Stream a scan in batches, with the same error translation as `collect_file`."""
    if has_unclosed_quote(path):
        raise locate_csv_problem(path, width)
    try:
        yield from scan.collect_batches()
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError):
        raise locate_csv_problem(path, width) from None


def read_reference_file(path: Path, entity: Entity) -> pl.DataFrame:
    """A whole reference file (small) with source file and row number."""
    if not path.exists():
        raise InputFileError(path, f"reference file is missing (expected {entity.name}.csv)")
    header = read_header(path)
    check_header(path, header, entity)
    return collect_file(scan_entity_file(path, entity, str(path)), path, len(header))
