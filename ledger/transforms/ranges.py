"""Every figure as low / mid / high, by the rules in data/README.md.

- exact (or blank): low = mid = high.
- about: kept as reported, low = mid = high ("about" signals rounding, not a range).
- up_to: high = mid = X; low = the given low, else X × `up_to_low_fraction`.
- at_least: low = mid = high = X (the floor is what is known).
- Any qualifier with a real range (low < high, both given): mid = (low + high) / 2,
  except up_to, whose mid stays at the cap.
"""

from __future__ import annotations

import polars as pl

QUALIFIERS = ("exact", "about", "up_to", "at_least")


def qualifier_expr(column: pl.Expr, hint: pl.Expr | None = None) -> pl.Expr:
    """The qualifier of a figure: the column, else a word found in the amount, else exact."""
    q = column.str.strip_chars().str.to_lowercase().str.replace_all(" ", "_")
    q = pl.when(q == "").then(None).otherwise(q)
    return pl.coalesce(q, hint, pl.lit("exact")) if hint is not None else q.fill_null("exact")


def range_exprs(low: pl.Expr, high: pl.Expr, qualifier: pl.Expr, up_to_low_fraction: float) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(low, mid, high) expressions from the given low/high values and a qualifier."""
    headline = pl.coalesce(high, low)
    is_range = low.is_not_null() & high.is_not_null() & (low < high)
    up_to = qualifier == "up_to"
    out_low = pl.when(up_to & ~is_range).then(headline * up_to_low_fraction).when(is_range).then(low).otherwise(headline)
    out_mid = pl.when(up_to).then(headline).when(is_range).then((low + high) / 2).otherwise(headline)
    return out_low, out_mid, headline


def bad_qualifier(qualifier: pl.Expr) -> pl.Expr:
    """True where the qualifier is not one we know how to read."""
    return qualifier.is_not_null() & ~qualifier.is_in(QUALIFIERS)
