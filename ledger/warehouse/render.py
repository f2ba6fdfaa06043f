"""Small tables as Markdown, for the previews the UI shows."""

from __future__ import annotations

import duckdb
import polars as pl


def markdown_preview(con: duckdb.DuckDBPyConnection, table: str, limit: int = 10) -> str:
    """The first rows of a table as a Markdown table (for the UI)."""
    frame = con.sql(f"select * from {table} limit {int(limit)}").pl()
    return frame_to_markdown(frame)


def frame_to_markdown(frame: pl.DataFrame) -> str:
    """A small frame as a Markdown table, numbers rounded for reading."""

    def cell(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
        return str(value).replace("|", "\\|").replace("\n", " ")

    header = "| " + " | ".join(frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.iter_rows()]
    return "\n".join([header, rule, *rows])
