"""Dates in the formats real files use.

ISO `2025-10-07` first; then `2025/10/07`, US `10/07/2025`, German `07.10.2025`,
`7 Oct 2025`, `Oct 7, 2025`, `October 7, 2025`, timestamps (`2025-10-07T10:00:00`,
`2025-10-07 10:00`), a month (`2025-10`, `Oct 2025` → the 1st) and a bare year (`2025` →
1 January). Anything else is null, and `date_problem` says why.
"""

from __future__ import annotations

import polars as pl

_DAY_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%d %b %Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %d %Y",
    "%B %d %Y",
)
_MONTH_FORMATS = ("%Y-%m-%d", "%b %Y-%d", "%B %Y-%d")


def _clean(text: pl.Expr) -> pl.Expr:
    t = text.str.strip_chars()
    t = pl.when(t == "").then(None).otherwise(t)
    # A timestamp keeps its date part.
    return (
        pl.when(t.str.contains(r"^\d{4}-\d{2}-\d{2}[T ]"))
        .then(t.str.slice(0, 10))
        .otherwise(t)
    )


def parse_date(text: pl.Expr) -> pl.Expr:
    """A Date from text in any of the supported formats; null when none fits."""
    t = _clean(text)
    is_month_named = t.str.contains(r"^[A-Za-z]+\.? \d{4}$")
    is_year = t.str.contains(r"^\d{4}$")
    # Day formats only for texts that are not "Oct 2025" or "2025": chrono would read
    # "Oct 2025" as the 20th of October in the year 25.
    day_text = pl.when(is_month_named | is_year).then(None).otherwise(t)
    attempts = [day_text.str.to_date(fmt, strict=False) for fmt in _DAY_FORMATS]
    month = pl.when(t.str.contains(r"^\d{4}-\d{1,2}$")).then(t + "-01")
    month_named = pl.when(is_month_named).then(
        t.str.replace(r"\.", "") + "-01"
    )
    attempts += [month.str.to_date("%Y-%m-%d", strict=False)]
    attempts += [month_named.str.to_date(fmt, strict=False) for fmt in _MONTH_FORMATS[1:]]
    year = pl.when(is_year).then(t + "-01-01")
    attempts.append(year.str.to_date("%Y-%m-%d", strict=False))
    return pl.coalesce(attempts)


def date_problem(text: pl.Expr, parsed: pl.Expr) -> pl.Expr:
    """Why a non-blank date cell could not be read (null when it could, or was blank)."""
    t = _clean(text)
    looks_iso = t.str.contains(r"^\d{4}-\d{2}-\d{2}$")
    return (
        pl.when(t.is_not_null() & parsed.is_null() & looks_iso)
        .then(pl.format("{} is not a calendar date", t))
        .when(t.is_not_null() & parsed.is_null())
        .then(pl.format("cannot read {} as a date (expected YYYY-MM-DD)", t))
    )


_ISO_PREFIX = r"^\s*\d{4}-\d{2}-\d{2}([T ]|\s*$)"


def parse_date_column(frame: pl.DataFrame, column: str, out: str) -> pl.DataFrame:
    """`parse_date` for a whole column, fast: ISO dates and timestamps (nearly every cell in
    real files) are cast in one vectorized pass; the other texts are parsed once per
    distinct value and joined back, as dates repeat across rows."""
    text = pl.col(column).str.strip_chars()
    is_iso = text.str.contains(_ISO_PREFIX)
    iso = pl.when(is_iso).then(text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False))
    frame = frame.with_columns(iso.alias(out))
    odd = frame.lazy().filter(pl.col(out).is_null() & pl.col(column).is_not_null()).select(column).unique().collect()
    if odd.height == 0:
        return frame
    parsed = odd.with_columns(parse_date(pl.col(column)).alias("__parsed"))
    return frame.join(parsed, on=column, how="left", nulls_equal=False).with_columns(
        pl.coalesce(out, "__parsed").alias(out)
    ).drop("__parsed")
