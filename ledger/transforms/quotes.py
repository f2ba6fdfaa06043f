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
    """A batch's rows split for writing: good rows, rows for quarantine, duplicates dropped."""

    staged: pl.DataFrame
    rejected: pl.DataFrame
    duplicates: int


def rows_of_days(batch: pl.DataFrame, file_day: date | None, start: date, end: date) -> pl.DataFrame:
    """The rows of `batch` that belong to days [start, end], each with its `partition_date`:
    the raw rows a load of those days keeps.

    A dated file's rows belong to its day; an undated file's rows to the day they were
    observed. Rows whose day cannot be read at all are kept, so they are quarantined and
    counted rather than lost.
    """
    day = pl.lit(file_day, pl.Date) if file_day else parse_date(pl.col("observed_date"))
    batch = batch.with_columns(day.alias(PARTITION_DATE))
    return batch.filter(pl.col(PARTITION_DATE).is_between(start, end) | pl.col(PARTITION_DATE).is_null())


def split_quote_batch(rows: pl.DataFrame, refs: References, file_day: date | None) -> QuoteBatch:
    """Normalize the rows `rows_of_days` kept and split them: staged, quarantined (a dated
    file's row observed on another day among them), duplicates."""
    annotated = annotate_prices(rows, refs).with_columns(
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
    part = split_annotated(rows, annotated, keep=(PARTITION_DATE,))
    return QuoteBatch(staged=part.staged, rejected=part.rejected, duplicates=part.duplicates)
