"""Reading input files: every column as text, the row it came from, and clear errors.

Files are scanned lazily so a large file streams through in batches. When Polars cannot
read a file, a second pass with Python's csv module finds the row and column to name in
the error, so a user never sees a bare parser traceback. A file that is compressed, a
workbook or UTF-16 is named as such before anything is parsed, and an error quotes at most
short, printable excerpts of a file (its header's first names, cut short).

Why not DuckDB's `read_csv(store_rejects = true)` alone (checked 2026-12-02, DuckDB
2.0.1, on tests/corpus): it reports a truncated file (a quote never closed) as "MISSING
COLUMNS, Found: 13" rather than saying the quote is never closed, counts the ragged row's
25 fields as 24, gives no byte for a file that is not UTF-8, and accepts a stray `"` inside
an unquoted field without a word. The checks here say what is wrong in those cases. Raw
loads (`ledger.warehouse.raw_files`) have DuckDB's strict reader count a file's records,
which refuses a row of the wrong width, before Polars' reader streams its rows in.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

import polars as pl

from ledger.transforms.entities import Entity
from ledger.transforms.errors import InputFileError, excerpt

#: Columns every raw row carries besides the entity's own.
SOURCE_FILE = "source_file"
ROW_NUMBER = "row_number"
RAW_ROW_ID = "raw_row_id"
EXTRA_COLUMNS = "extra_columns"

_FIRST_DATA_ROW = 2  # the header is row 1, as a spreadsheet shows it

#: The largest cell Python's csv module reads, in characters. Its default (131,072) made a
#: legitimate 3 MB cell look like a quote never closed; past this limit we say so instead.
MAX_FIELD_CHARS = 16 * 1024 * 1024
#: DuckDB's read_csv refuses longer rows unless given `max_line_size` (its default).
DUCKDB_MAX_LINE_BYTES = 2_000_000
#: How much of a header an error lists: a header can be anything, even another file's text.
_HEADER_NAMES_SHOWN, _HEADER_NAME_CHARS = 20, 40

#: The longest header row read: 16 MiB is some 500,000 column names of 30 characters, far
#: more than any input has; a first line longer than that is not a header.
MAX_HEADER_BYTES = 16 * 1024 * 1024
_CHUNK = 64 * 1024

#: How files that are not CSV text begin (their "magic numbers"), and what to tell the user.
#: Without this a gzip file named .csv is reported as "not UTF-8 text (byte 0x8b …)".
_DECOMPRESS = "-compressed: decompress it first ({}), then load the .csv"
_SAVE_AS_CSV = "not CSV text: save the sheet as CSV UTF-8"
_NOT_CSV_TEXT = (
    (rb"\x1f\x8b", "is gzip" + _DECOMPRESS.format("gunzip")),
    (rb"PK\x03\x04|PK\x05\x06", f"is an Excel workbook (.xlsx) or a zip file, {_SAVE_AS_CSV}, or unzip the file"),
    (rb"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", f"is an Excel 97-2003 (.xls) or other Office file, {_SAVE_AS_CSV}"),
    # "BZh" and a block size alone could begin a header: the block's magic number must follow
    (rb"BZh[1-9](\x31\x41\x59\x26\x53\x59|\x17\x72\x45\x38\x50\x90)", "is bzip2" + _DECOMPRESS.format("bunzip2")),
    (rb"\xfd7zXZ\x00", "is xz" + _DECOMPRESS.format("unxz")),
    (rb"\x28\xb5\x2f\xfd", "is zstd" + _DECOMPRESS.format("unzstd")),
    (rb"7z\xbc\xaf\x27\x1c", "is a 7-Zip archive, not CSV text: extract the CSV from it first"),
    (rb"\xff\xfe|\xfe\xff", 'is UTF-16 text (Excel\'s "Unicode Text"): save the file as CSV UTF-8'),
)


def file_sha256(path: Path) -> str:
    """Content hash of a file, read in chunks (files can be large)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_through(path: Path) -> tuple[str, bool]:
    """One pass over a file: its content hash (`file_sha256`) and whether it has an
    unclosed quote (`has_unclosed_quote`). Hashing releases the GIL, so a raw load runs this
    beside DuckDB's CSV reader (ledger/warehouse/raw_files.py); the quote feed reads each
    file once with it."""
    digest, quotes = hashlib.sha256(), 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            digest.update(chunk)
            quotes += chunk.count(b'"')
    return digest.hexdigest(), quotes % 2 == 1


def _refuse_not_csv_text(path: Path, head: bytes) -> None:
    """Raise for a file whose first bytes say it is compressed, an archive or a workbook."""
    for signature, problem in _NOT_CSV_TEXT:
        if re.match(signature, head):
            raise InputFileError(path, problem)


def _line_end(data: bytes) -> int | None:
    ends = [i for i in (data.find(b"\n"), data.find(b"\r")) if i >= 0]
    return min(ends) if ends else None


def _first_line(path: Path) -> str:
    """The header row as text, however long (a header of 10,000 columns is longer than any
    fixed window): read to the first line break, at most MAX_HEADER_BYTES. The first 64 KiB
    are checked to be UTF-8 as well, so a bad byte in an early row is named at once."""
    with path.open("rb") as handle:
        head = handle.read(_CHUNK)
        _refuse_not_csv_text(path, head[:16])
        while _line_end(head) is None and len(head) <= MAX_HEADER_BYTES:
            chunk = handle.read(1 << 20)
            if not chunk:
                break
            head += chunk
    line_end = _line_end(head)
    line_end = len(head) if line_end is None else line_end
    if line_end > MAX_HEADER_BYTES:
        raise InputFileError(
            path, f"the header row is longer than {MAX_HEADER_BYTES // (1024 * 1024)} MiB: is this a CSV file?", row=1
        )
    if not head.strip():
        raise InputFileError(path, "the file is empty (expected a header row and data rows)")
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        if err.start < len(head) - 4:  # not just a character cut at the end of what was read
            raise _not_utf8(path, head, err.start) from None
        text = head[: err.start].decode("utf-8-sig")
    # only CR and LF end a CSV row (str.splitlines would also cut at \f, \x1c or U+2028)
    return re.split(r"\r|\n", text, maxsplit=1)[0]


def _not_utf8(path: Path, data: bytes, offset: int) -> InputFileError:
    row = data[:offset].count(b"\n") + 1
    return InputFileError(
        path,
        f"not UTF-8 text (byte 0x{data[offset]:02x} at byte offset {offset}); save the file as UTF-8 CSV",
        row=row,
    )


def _csv_reader(lines, **options):
    """Python's csv reader with the field limit raised to MAX_FIELD_CHARS (the limit is the
    module's, set here before each use so it holds whoever else imports csv)."""
    csv.field_size_limit(MAX_FIELD_CHARS)
    return csv.reader(lines, **options)


def header_cells(path: Path) -> list[str]:
    """The header row's cells exactly as written (Polars names columns by them)."""
    line = _first_line(path)
    if line.count('"') % 2:  # a quoted name goes on past the line: the header is not one line
        raise InputFileError(
            path, "a column name in the header has a line break inside its quotes: write each name on one line", row=1
        )
    try:
        return next(_csv_reader(io.StringIO(line)), [])
    except csv.Error as err:
        raise InputFileError(path, f"the header row cannot be read as CSV: {err}", row=1) from None


def read_header(path: Path) -> list[str]:
    """The header row's column names, stripped."""
    return [c.strip() for c in header_cells(path)]


def _header_listing(header: list[str]) -> str:
    """The header's first names, each cut short, for an error message: enough to see what
    the file is, never a whole line of it (a header can be a secret file's first line)."""
    shown = [excerpt(name, _HEADER_NAME_CHARS) for name in header[:_HEADER_NAMES_SHOWN]]
    more = len(header) - len(shown)
    return ", ".join(shown) + (f" … and {more} more" if more > 0 else "") if shown else "(nothing)"


def check_header(path: Path, header: list[str], entity: Entity) -> list[str]:
    """Raise for a header that cannot be this entity's; return the unknown extra columns."""
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise InputFileError(path, f"column {excerpt(name)!r} appears twice in the header", row=1, column=name)
        seen.add(name)
    missing = [c for c in entity.required if c not in seen]
    if missing:
        hint = ""
        if len(header) == 1 and any(d in header[0] for d in ";\t|"):
            hint = " — the header has a single column: is the file separated by ';' or tabs instead of ','?"
        raise InputFileError(
            path,
            f"missing required column(s) {', '.join(missing)} for {entity.name}; the header has: {_header_listing(header)}{hint}",
            row=1,
            column=missing[0],
        )
    return [c for c in header if c not in entity.columns]


def locate_csv_problem(
    path: Path, width: int, reader_message: str | None = None, *, fallback: bool = True
) -> InputFileError | None:
    """Find the first row Python's csv module cannot read, or whose width is wrong (run
    only after a fast reader failed, to name the row). `reader_message` is the fast
    reader's own complaint, reported when the csv module finds nothing wrong; without
    `fallback`, None when nothing is wrong."""
    record, start_line, long_row = 0, 1, None
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as handle:
            consumed: list[str] = []

            def lines():
                for line in handle:
                    consumed.append(line)
                    yield line

            reader = _csv_reader(lines(), strict=True)
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
                if long_row is None and len(raw_text) * 4 > DUCKDB_MAX_LINE_BYTES:  # cheap test first
                    size = len(raw_text.encode("utf-8"))
                    long_row = (record, size) if size > DUCKDB_MAX_LINE_BYTES else None
                start_line = reader.line_num + 1
    except UnicodeDecodeError as err:
        with path.open("rb") as handle:
            data = handle.read()
        return _not_utf8(path, data, err.start)
    except csv.Error as err:
        return InputFileError(path, _csv_error_problem(str(err), start_line), row=record + 1)
    if (reader_message or not fallback) and long_row:
        return InputFileError(
            path,
            f"is {long_row[1]:,} bytes long, more than the {DUCKDB_MAX_LINE_BYTES:,} bytes the CSV reader takes "
            "in one row (a cell of several MB?)",
            row=long_row[0],
        )
    if reader_message:
        line = re.search(r"line (\d+)", reader_message, re.IGNORECASE)
        row = _record_of_line(path, int(line.group(1))) if line else None
        return InputFileError(path, f"cannot be read as CSV: {excerpt(reader_message, 200)}", row=row)
    return InputFileError(path, "cannot be read as CSV") if fallback else None


def csv_problem(path: Path, width: int) -> InputFileError | None:
    """What would stop a file's rows from loading — a row of another width than the header,
    a quote never closed or inside an unquoted field, bytes that are not UTF-8, a row too
    long for the CSV reader — or None. The landing folder's triage runs it, so a broken
    file is set aside at once instead of failing its domain's run and holding back the
    rows of every other file waiting."""
    return locate_csv_problem(path, width, fallback=False)


def _csv_error_problem(message: str, start_line: int) -> str:
    """What Python's csv module's complaint means, for the person who wrote the file."""
    if "field larger than field limit" in message:
        return (
            f"from line {start_line}, a field is longer than {MAX_FIELD_CHARS:,} characters: "
            "a quoted field that is never closed, or a cell too large to be data"
        )
    if "expected after" in message:  # `"a"b`: text after a closing quote
        return (
            f"cannot be read as CSV from line {start_line}: {message} (text follows a closing quote: "
            'quote the whole field and double the quotes inside, e.g. "a ""b"" c")'
        )
    return f"cannot be read as CSV from line {start_line}: {message} (a quoted field is never closed — is the file truncated?)"


def _record_of_line(path: Path, line: int) -> int:
    """The spreadsheet row of a physical line (records can span lines in quoted cells)."""
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as handle:
            reader = _csv_reader(handle)
            for record, _ in enumerate(reader, start=1):
                if reader.line_num >= line:
                    return record
    except (csv.Error, UnicodeDecodeError):
        pass
    return line


def scan_entity_file(path: Path, entity: Entity, relative_name: str) -> pl.LazyFrame:
    """A lazy scan of one entity file: the entity's columns as text (absent optional ones
    null), unknown columns as a JSON object in `extra_columns`, and the source file, row
    number and raw row id of each record."""
    cells = header_cells(path)
    header = [c.strip() for c in cells]
    extras = check_header(path, header, entity)
    # the record index gets a name no column of the file has (a header may hold any name)
    index = "_record"
    while index in cells or index in header:
        index = "_" + index
    scan = pl.scan_csv(
        path,
        infer_schema=False,
        encoding="utf8",
        row_index_name=index,
        glob=False,  # a file named gpu_prices_[1].csv is that file, not a pattern
    )
    scan = scan.rename({old: new for old, new in zip(cells, header) if old != new})
    extra = (pl.struct(extras).struct.json_encode() if extras else pl.lit(None, pl.String)).alias(EXTRA_COLUMNS)
    row_number = (pl.col(index) + _FIRST_DATA_ROW).cast(pl.Int64)
    return scan.select(
        *[(pl.col(c) if c in header else pl.lit(None, pl.String)).alias(c) for c in entity.columns],
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


#: Rows per batch when a file is streamed: each batch pays the normalization's fixed cost
#: once (Polars' own chunks of a few thousand rows made a 100,000-row day 12 batches and
#: 1.2 s of it), and 200,000 rows of text stay a few hundred MB.
BATCH_ROWS = 200_000


def iter_file_batches(scan: pl.LazyFrame, path: Path, width: int, *, unclosed_quote: bool | None = None):
    """Stream a scan in batches of `BATCH_ROWS`, with the same error translation as
    `collect_file`. `unclosed_quote`: `has_unclosed_quote(path)` when the caller knows it."""
    if has_unclosed_quote(path) if unclosed_quote is None else unclosed_quote:
        raise locate_csv_problem(path, width)
    try:
        yield from scan.collect_batches(chunk_size=BATCH_ROWS)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError):
        raise locate_csv_problem(path, width) from None


def empty_reference(entity: Entity) -> pl.DataFrame:
    """What `read_reference_file` returns for a file with a header and no rows."""
    return pl.DataFrame(
        schema={
            **{c: pl.String for c in entity.columns},
            "extra_columns": pl.String,
            "source_file": pl.String,
            "row_number": pl.Int64,
            "raw_row_id": pl.String,
        }
    )


def read_reference_file(path: Path, entity: Entity) -> pl.DataFrame:
    """A whole reference file (small) with source file and row number. The file must be a
    regular file in its folder: a symbolic link could lead to any file on the machine, and
    an error about it would quote that file's header."""
    if path.is_symlink():  # the rule for every folder we read (see epoch_source.py)
        raise InputFileError(path, "is a symbolic link: copy the reference file into the folder instead")
    if not path.exists():
        raise InputFileError(path, f"reference file is missing (expected {entity.name}.csv)")
    if not path.is_file():
        raise InputFileError(path, f"is not a regular file (expected the CSV file {entity.name}.csv)")
    header = read_header(path)
    check_header(path, header, entity)
    return collect_file(scan_entity_file(path, entity, str(path)), path, len(header))
