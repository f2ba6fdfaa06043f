"""GPU price rows at volume: normalize one batch, split it into what to write.

Price history is where the volume is (tens of millions of quotes), so price rows stream
through in batches of a few hundred thousand: each batch is normalized with the ordinary
rules and split into staged rows, rows for quarantine (with their raw record) and the
count of duplicates inside the batch. Duplicates across batches are resolved in SQL once
the batches are written (see `assets.prices`).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ledger.transforms.dedup import mark_duplicates
from ledger.transforms.gpu_prices import normalize_gpu_prices
from ledger.transforms.problems import PROBLEM_COLUMNS, PROBLEMS
from ledger.transforms.reference import References

#: Columns of the raw table that are not the record itself.
_NOT_RECORD = ("raw_row_id", "loaded_at", "run_id", "file_sha256", "partition_date")


@dataclass
class PriceBatch:
    staged: pl.DataFrame
    rejected: pl.DataFrame
    duplicates: int


def annotate_prices(batch: pl.DataFrame, refs: References, file_rank: dict[str, int] | None = None) -> pl.DataFrame:
    """Normalized rows with `_problems` and `_duplicate_of` (within the batch)."""
    return mark_duplicates(normalize_gpu_prices(batch, refs), ["quote_id"], file_rank)


def split_annotated(batch: pl.DataFrame, annotated: pl.DataFrame, *, keep: tuple[str, ...] = ()) -> PriceBatch:
    """Split annotated rows: staged (good, first copies), rejected (with the raw record as
    JSON, for quarantine), and how many were duplicates. `keep` names extra columns of
    `annotated` to carry into the rejected rows."""
    ok = pl.col(PROBLEMS).is_null()
    duplicate = pl.col("_duplicate_of").is_not_null()
    staged = annotated.filter(ok & ~duplicate).drop(PROBLEM_COLUMNS, PROBLEMS, "_duplicate_of")
    problems = annotated.filter(~ok).select(
        "raw_row_id", "dataset", "source_file", "row_number", *keep, PROBLEM_COLUMNS, PROBLEMS
    )
    rejected = problems
    if problems.height:
        rows = batch.join(problems.select("raw_row_id").unique(), on="raw_row_id", how="semi")
        if "raw_record" in batch.columns:  # records already encoded (Epoch rows)
            records = rows.select("raw_row_id", "raw_record")
        else:
            record_columns = [c for c in batch.columns if c not in _NOT_RECORD]
            records = rows.select("raw_row_id", pl.struct(record_columns).struct.json_encode().alias("raw_record"))
        rejected = problems.join(records, on="raw_row_id", how="left")
    else:
        rejected = problems.with_columns(pl.lit(None, pl.String).alias("raw_record"))
    return PriceBatch(staged, rejected, int(annotated.select((ok & duplicate).sum()).item()))
