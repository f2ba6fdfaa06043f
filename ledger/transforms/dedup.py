"""Duplicates among rows that passed their checks.

The rule: rows with the same id and the same content are one fact read twice (the same
file loaded twice, or a row pasted twice): the first is kept and the rest are counted as
duplicates. Rows with the same id and different content disagree, and the later one is
quarantined, naming the row that was kept: we do not pick one silently. "First" is by the
files' precedence (`file_rank`: the curated file, then the other input files oldest
first, then landed files in the order they were accepted — see `discovery.by_precedence`),
then by row within a file; never by how file names sort.
"""

from __future__ import annotations

import polars as pl

from ledger.transforms.common import LINEAGE
from ledger.transforms.problems import PROBLEM_COLUMNS, PROBLEMS


def mark_duplicates(frame: pl.DataFrame, id_columns: list[str], file_rank: dict[str, int] | None = None) -> pl.DataFrame:
    """Add `_duplicate_of` (the raw row id a duplicate repeats) and set `_problems` on rows
    whose id is already used by a different row. `file_rank` maps a source file to its
    precedence (lower wins); files not in it come after, by name."""
    ok_ids = frame.filter(pl.col(PROBLEMS).is_null()).select(id_columns)
    repeated = ok_ids.filter(ok_ids.is_duplicated()).unique()
    frame = frame.with_row_index("__pos")
    subset = frame.join(repeated, on=id_columns, how="semi", nulls_equal=True) if repeated.height else frame.head(0)
    if subset.height == 0:
        # the usual case: no id is used twice, nothing to compare
        return frame.drop("__pos").with_columns(pl.lit(None, pl.String).alias("_duplicate_of"))
    # only the rows whose id repeats need comparing; the rest pass through unchanged
    settled = _mark(subset.drop("__pos"), id_columns, file_rank or {}).with_columns(subset["__pos"])
    rest = frame.join(settled.select("__pos"), on="__pos", how="anti").with_columns(
        pl.lit(None, pl.String).alias("_duplicate_of")
    )
    return pl.concat([rest, settled], how="diagonal_relaxed").sort("__pos").drop("__pos")


def _mark(frame: pl.DataFrame, id_columns: list[str], file_rank: dict[str, int]) -> pl.DataFrame:
    content = [c for c in frame.columns if c not in LINEAGE and not c.startswith("_")]
    rank = pl.col("source_file").replace_strict(
        list(file_rank), list(file_rank.values()), default=len(file_rank), return_dtype=pl.Int64
    )
    ordered = frame.with_row_index("_order").sort(rank, "source_file", "row_number")
    ok = pl.col(PROBLEMS).is_null()
    ordered = ordered.with_columns(pl.struct(content).hash().alias("_content"))
    valid = ordered.filter(ok)
    id_label = "/".join(id_columns)
    id_value = pl.concat_str([pl.col(c).cast(pl.String) for c in id_columns], separator="/")
    first_of_id = valid.group_by(id_columns, maintain_order=True).agg(
        pl.col("_content").first().alias("_first_content"), pl.col("raw_row_id").first().alias("_first_row")
    )
    first_of_content = valid.group_by(*id_columns, "_content", maintain_order=True).agg(
        pl.col("_order").first().alias("_first_order")
    )
    out = ordered.join(first_of_id, on=id_columns, how="left", nulls_equal=True).join(
        first_of_content, on=[*id_columns, "_content"], how="left", nulls_equal=True
    )
    is_first = pl.col("_order") == pl.col("_first_order")
    same = pl.col("_content") == pl.col("_first_content")
    conflict = ok & ~same
    out = out.with_columns(
        pl.when(ok & same & ~is_first).then(pl.col("_first_row")).alias("_duplicate_of"),
        pl.when(conflict).then(pl.lit(id_label)).otherwise(pl.col(PROBLEM_COLUMNS)).alias(PROBLEM_COLUMNS),
        pl.when(conflict)
        .then(pl.format("{}: {} is already used by {} with different values", pl.lit(id_label), id_value, pl.col("_first_row")))
        .otherwise(pl.col(PROBLEMS))
        .alias(PROBLEMS),
    )
    return out.sort("_order").drop("_order", "_content", "_first_content", "_first_row", "_first_order")
