"""One batch of a daily quote file: which rows belong to the days being loaded, and what
becomes of each (staged, duplicate or quarantined). Pure Polars; the asset streams files
through this batch by batch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from ledger.transforms.dates import parse_date
from ledger.transforms.price_batches import annotate_prices, split_annotated
from ledger.transforms.problems import PROBLEM_COLUMNS, PROBLEMS
from ledger.transforms.reference import References

PARTITION_DATE = "partition_date"


@dataclass
class QuoteBatch:
    """A batch split for writing: raw rows kept, good rows, rows for quarantine."""

    raw: pl.DataFrame
    staged: pl.DataFrame
    rejected: pl.DataFrame
    duplicates: int


def split_quote_batch(batch: pl.DataFrame, refs: References, file_day: date | None, start: date, end: date) -> QuoteBatch:
    """Keep the rows of `batch` that belong to days [start, end] and normalize them.

    A dated file's rows belong to its day (a row observed on another day is quarantined);
    an undated file's rows belong to the day they were observed. Rows whose day cannot be
    read at all are kept, so they are quarantined and counted rather than lost.
    """
    observed = parse_date(pl.col("observed_date"))
    day = pl.lit(file_day, pl.Date) if file_day else observed
    batch = batch.with_columns(day.alias(PARTITION_DATE))
    batch = batch.filter(pl.col(PARTITION_DATE).is_between(start, end) | pl.col(PARTITION_DATE).is_null())
    annotated = annotate_prices(batch, refs).with_columns(
        (pl.lit(file_day, pl.Date) if file_day else pl.col("observed_date")).alias(PARTITION_DATE)
    )
    if file_day:
        wrong_day = pl.col("observed_date").is_not_null() & (pl.col("observed_date") != pl.lit(file_day, pl.Date))
        reason = pl.format("observed_date: observed on {}, but the file holds {}", pl.col("observed_date"), pl.lit(str(file_day)))
        annotated = annotated.with_columns(
            pl.when(wrong_day & pl.col(PROBLEMS).is_null())
            .then(pl.lit("observed_date"))
            .otherwise(pl.col(PROBLEM_COLUMNS))
            .alias(PROBLEM_COLUMNS),
            pl.when(wrong_day & pl.col(PROBLEMS).is_null()).then(reason).otherwise(pl.col(PROBLEMS)).alias(PROBLEMS),
        )
    part = split_annotated(batch, annotated, keep=(PARTITION_DATE,))
    return QuoteBatch(raw=batch, staged=part.staged, rejected=part.rejected, duplicates=part.duplicates)
