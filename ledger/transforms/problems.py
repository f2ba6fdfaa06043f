"""Row-level problems: each check names a column and a reason a person understands.

A normalizer returns its frame with `_problem_columns` and `_problems` (null when the row is
fine). The warehouse loader sends rows with problems to `quarantine.rejected_rows`.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

PROBLEM_COLUMNS = "_problem_columns"
PROBLEMS = "_problems"


@dataclass(frozen=True)
class Check:
    """A rule a row must keep: `failed` is true where it does not, `reason` says why."""

    column: str
    failed: pl.Expr
    reason: pl.Expr | str


def _reason(check: Check) -> pl.Expr:
    reason = pl.lit(check.reason) if isinstance(check.reason, str) else check.reason
    return pl.format("{}: {}", pl.lit(check.column), reason)


def nonempty(text: pl.Expr) -> pl.Expr:
    """Text with an empty string read as missing."""
    return pl.when(text == "").then(None).otherwise(text)


def annotate(frame: pl.DataFrame, checks: list[Check]) -> pl.DataFrame:
    """Add `_problem_columns` and `_problems` from `checks` (null where the row passes all).

    The pass/fail flags are computed for every row; the messages only for the rows that
    fail (building strings for millions of good rows would dominate the cost)."""
    if not checks:
        return frame.with_columns(pl.lit(None, pl.String).alias(PROBLEM_COLUMNS), pl.lit(None, pl.String).alias(PROBLEMS))
    flags = [f"__failed_{i}" for i in range(len(checks))]
    frame = frame.with_row_index("__row").with_columns(*[c.failed.fill_null(False).alias(flag) for c, flag in zip(checks, flags)])
    bad = frame.filter(pl.any_horizontal(flags))
    columns = (
        pl.concat_list([pl.when(pl.col(flag)).then(pl.lit(c.column)) for flag, c in zip(flags, checks)])
        .list.drop_nulls()
        .list.unique(maintain_order=True)
        .list.join(", ")
    )
    reasons = pl.concat_str(
        [pl.when(pl.col(flag)).then(_reason(c)) for flag, c in zip(flags, checks)],
        separator="; ",
        ignore_nulls=True,
    )
    found = bad.select("__row", nonempty(columns).alias(PROBLEM_COLUMNS), nonempty(reasons).alias(PROBLEMS))
    return frame.drop(flags).join(found, on="__row", how="left", maintain_order="left").drop("__row")


def required(column: str) -> Check:
    """The cell must not be blank."""
    c = pl.col(column).str.strip_chars()
    return Check(column, c.is_null() | (c == ""), "required value is missing")


def one_of(column: str, expr: pl.Expr, allowed: tuple[str, ...]) -> Check:
    """A non-blank value must be one of `allowed`."""
    return Check(
        column,
        expr.is_not_null() & ~expr.is_in(allowed),
        pl.format("{} is not one of " + ", ".join(allowed), expr),
    )
