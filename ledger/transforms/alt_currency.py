"""Figures a source also printed in a second currency (the same money, restated)."""

from __future__ import annotations

import polars as pl

from ledger.transforms.common import LINEAGE, add_dates, token
from ledger.transforms.money import add_range, ambiguous_separator_checks, resolve_currency
from ledger.transforms.problems import Check, annotate, one_of, required
from ledger.transforms.reference import References

#: Which staged figure a restatement can point at, per entity.
RESTATABLE = {
    "funding_events": ("amount", "vendor_amount"),
    "cash_burn": ("amount",),
    "clusters": ("reported_capex", "calculated_capex"),
}

STAGED_COLUMNS = (
    "entity",
    "row_id",
    "figure",
    "alt_currency",
    "alt_amount_low",
    "alt_amount_mid",
    "alt_amount_high",
    "source_url",
    "source_publication",
    "source_date",
    "notes",
    *LINEAGE,
)


def normalize_alt_currency_figures(raw: pl.DataFrame, refs: References) -> pl.DataFrame:
    """Restatements in plain units of their currency; the mart `currency_restatements`
    sets them beside the dollar figure they restate."""
    frame = raw.with_columns(token("entity").alias("entity"), token("column").alias("figure"))
    checks: list[Check] = [
        required("row_id"),
        one_of("entity", pl.col("entity"), tuple(RESTATABLE)),
        Check(
            "column",
            ~pl.format("{}:{}", "entity", "figure").is_in([f"{e}:{f}" for e, fs in RESTATABLE.items() for f in fs]),
            pl.format("{} is not a figure of {} that can be restated", pl.col("figure"), pl.col("entity")),
        ),
    ]
    frame, c = add_range(frame, low="alt_amount_low", high="alt_amount_high", out="alt_amount", unit="alt_unit")
    checks += c
    frame = frame.with_columns(pl.col("alt_currency").alias("_alt_currency_text"))
    frame, c = resolve_currency(frame, "_alt_currency_text", ["alt_amount_mark"], refs.currencies)
    checks += [Check("alt_currency", x.failed, x.reason) for x in c]
    checks += ambiguous_separator_checks(["alt_amount_low", "alt_amount_high"])
    frame = frame.with_columns(pl.col("currency").alias("alt_currency"))
    frame, c = add_dates(frame, ["source_date"], [])
    checks += c
    frame = annotate(frame, checks)
    return frame.select(*STAGED_COLUMNS, "_problem_columns", "_problems")
