"""Reading an Epoch export: every column as text, under unique names, with lineage."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ledger.transforms.epoch.common import DATASET, LINEAGE
from ledger.transforms.errors import InputFileError
from ledger.transforms.reading import collect_file, read_header


def unique_column_names(header: list[str]) -> list[str]:
    """Epoch's column names made unique and usable: stripped; a blank name becomes
    "column_<position>" (1-based); a repeated name gets "_2", "_3"… in order ("Notes",
    "Notes_2"); names our lineage columns use are suffixed the same way."""
    taken = set(LINEAGE)
    names: list[str] = []
    for position, raw_name in enumerate(header, start=1):
        name = raw_name.strip() or f"column_{position}"
        candidate, n = name, 1
        while candidate in taken:
            n += 1
            candidate = f"{name}_{n}"
        taken.add(candidate)
        names.append(candidate)
    return names


def read_epoch_file(path: Path) -> pl.DataFrame:
    """One Epoch export as text: Epoch's columns (unique names, see `unique_column_names`),
    then `source_file` (the file name), `row_number` (the header is row 1, the first record
    row 2; a record with a multi-line cell counts once), `raw_row_id` ("<file>:<row>") and
    `dataset` ("epoch"). A byte-order mark is ignored; blank cells are null.

    Raises `InputFileError` (file, row, column, what was expected) for a file that cannot be
    read at all: missing, empty, not UTF-8, a quote never closed, a row wider than the header.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "file not found (expected an Epoch AI CSV export)")
    header = read_header(path)  # raises for an empty or non-UTF-8 file
    if not any(h.strip() for h in header):
        raise InputFileError(path, "the header row is blank (expected Epoch's column names)", row=1)
    names = unique_column_names(header)
    scan = pl.scan_csv(path, infer_schema=False, encoding="utf8", row_index_name="_record")
    frame = collect_file(scan, path, len(header))
    if frame.width - 1 != len(names):
        raise InputFileError(path, f"the header has {len(names)} columns but the data has {frame.width - 1}", row=1)
    frame.columns = ["_record", *names]
    row_number = (pl.col("_record").cast(pl.Int64) + 2).alias("row_number")
    return frame.with_columns(
        pl.lit(path.name).alias("source_file"),
        row_number,
    ).select(
        *names,
        "source_file",
        "row_number",
        pl.format("{}:{}", pl.lit(path.name), pl.col("row_number")).alias("raw_row_id"),
        pl.lit(DATASET).alias("dataset"),
    )
