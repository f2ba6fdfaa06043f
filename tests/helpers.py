"""Building pure-transform inputs in tests without a warehouse."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from assets.transforms.entities import ENTITIES, REFERENCE
from assets.transforms.normalize import normalize
from assets.transforms.reading import read_reference_file
from assets.transforms.reference import (
    References,
    normalize_assumptions,
    normalize_companies,
    normalize_fx_rates,
    normalize_gpu_catalog,
)

MINI_REFERENCE = Path(__file__).resolve().parent / "fixtures" / "mini_input" / "reference"


def references(folder: Path = MINI_REFERENCE) -> References:
    def read(name: str) -> pl.DataFrame:
        return read_reference_file(folder / f"{name}.csv", REFERENCE[name])

    catalog, gpu_aliases = normalize_gpu_catalog(read("gpu_catalog"))
    companies, company_aliases = normalize_companies(read("company_aliases"))
    return References(
        fx_rates=normalize_fx_rates(read("fx_rates")),
        gpu_catalog=catalog,
        gpu_aliases=gpu_aliases,
        companies=companies,
        company_aliases=company_aliases,
        assumptions=normalize_assumptions(read("assumptions")),
    )


def raw_rows(entity: str, rows: list[dict]) -> pl.DataFrame:
    """Raw rows as the raw table holds them: every entity column as text plus lineage."""
    columns = ENTITIES[entity].columns
    data = {c: [r.get(c) for r in rows] for c in columns}
    frame = pl.DataFrame(data, schema={c: pl.String for c in columns})
    return frame.with_columns(
        pl.lit("curated").alias("dataset"),
        pl.lit("test.csv").alias("source_file"),
        pl.Series("row_number", list(range(2, len(rows) + 2)), dtype=pl.Int64),
    ).with_columns(pl.format("test.csv:{}", "row_number").alias("raw_row_id"))


def staged(entity: str, rows: list[dict], refs: References | None = None) -> pl.DataFrame:
    return normalize(entity, raw_rows(entity, rows), refs or references())
