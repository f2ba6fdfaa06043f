"""Compute-cluster phases: GPUs (one or two models), power, dates and reported capex."""

from __future__ import annotations

import polars as pl

from ledger.transforms.common import (
    LINEAGE,
    add_company,
    add_dates,
    add_gpu_model,
    positive_number,
    source_checks,
    vocabulary,
)
from ledger.transforms.money import add_fx_rate, add_range, ambiguous_separator_checks, in_usd, resolve_currency
from ledger.transforms.problems import Check, annotate, required
from ledger.transforms.reference import References

STATUSES = ("operational", "under_construction", "planned")
#: What `gpu_count_*` counts: GPUs of `gpu_model` (the default), or H100-equivalents (a
#: count of compute written under gpu_model H100, as Epoch AI's data-center timelines give it).
COUNT_UNITS = ("gpus", "h100e")

STAGED_COLUMNS = (
    "cluster_id",
    "company",
    "cluster",
    "phase",
    "status",
    "gpu_model",
    "gpu_count_low",
    "gpu_count_mid",
    "gpu_count_high",
    "gpu_count_unit",
    "gpu_model_2",
    "gpu_count_2_low",
    "gpu_count_2_mid",
    "gpu_count_2_high",
    "power_mw_low",
    "power_mw_mid",
    "power_mw_high",
    "target_date",
    "target_date_precision",
    "price_date",
    "currency",
    "reported_capex_usd_low",
    "reported_capex_usd_mid",
    "reported_capex_usd_high",
    "calculated_capex_usd_low",
    "calculated_capex_usd_mid",
    "calculated_capex_usd_high",
    "fx_units_per_usd",
    "fx_rate_date",
    "confidence",
    "source_url",
    "source_publication",
    "retrieved_via",
    "source_date",
    "notes",
    *LINEAGE,
)


def _count_range(frame: pl.DataFrame, low: str, high: str, out: str) -> tuple[pl.DataFrame, list[Check]]:
    lo, lo_check = positive_number(low, f"{low}__text")
    hi, hi_check = positive_number(high, f"{high}__text")
    lo_col, hi_col = f"{out}__lo", f"{out}__hi"
    frame = frame.with_columns(lo.alias(lo_col), hi.alias(hi_col))
    frame = frame.with_columns(
        pl.coalesce(lo_col, hi_col).alias(f"{out}_low"),
        ((pl.coalesce(lo_col, hi_col) + pl.coalesce(hi_col, lo_col)) / 2).alias(f"{out}_mid"),
        pl.coalesce(hi_col, lo_col).alias(f"{out}_high"),
    )
    greater = Check(high, pl.col(lo_col) > pl.col(hi_col), pl.format("low {} is greater than high {}", pl.col(low), pl.col(high)))
    return frame, [lo_check, hi_check, greater]


def normalize_clusters(raw: pl.DataFrame, refs: References) -> pl.DataFrame:
    """Staged cluster phases with `_problems` set on rows that must be quarantined.

    Reported capex (what a source says was spent) and calculated capex (a third party's
    estimate, e.g. Epoch AI's) are kept apart, in the currency and unit columns, converted
    at the rate of the source's date (else the target date);
    `price_date` is the date the capex mart prices the GPUs at: the target date, else the
    source's date. A capex of zero says nothing (a cluster costs money) and is quarantined,
    unless the phase has no GPUs yet; a GPU count of zero is kept for phases not yet
    operational.
    """
    checks: list[Check] = [required("cluster_id"), required("cluster")]
    counts = ["gpu_count_low", "gpu_count_high", "gpu_count_2_low", "gpu_count_2_high", "power_mw_low", "power_mw_high"]
    frame = raw.rename({c: f"{c}__text" for c in counts})
    frame, c = add_company(frame, "company", refs.company_aliases)
    checks += c
    frame, c = add_gpu_model(frame, "gpu_model", refs.gpu_aliases)
    checks += c
    frame, c = add_gpu_model(frame, "gpu_model_2", refs.gpu_aliases, is_required=False)
    checks += c
    status, c = vocabulary("status", STATUSES)
    checks += c
    source, c = source_checks()
    checks += c
    count_unit, c = vocabulary("gpu_count_unit", COUNT_UNITS, is_required=False)
    checks += c
    frame = frame.with_columns(status, pl.coalesce(count_unit, pl.lit("gpus")).alias("gpu_count_unit"), *source)
    frame, c = add_dates(frame, ["target_date", "source_date"], [])
    checks += c
    for low, high, out in (
        ("gpu_count_low", "gpu_count_high", "gpu_count"),
        ("gpu_count_2_low", "gpu_count_2_high", "gpu_count_2"),
        ("power_mw_low", "power_mw_high", "power_mw"),
    ):
        frame, c = _count_range(frame, low, high, out)
        checks += c
    checks += [
        Check("gpu_count_high", pl.col("gpu_count_mid").is_null(), "a GPU count is required"),
        Check(
            "gpu_count_high",
            (pl.col("gpu_count_mid") == 0) & (pl.col("status") == "operational"),
            "an operational phase with no GPUs",
        ),
        Check(
            "gpu_count_2_high",
            pl.col("gpu_model_2").is_not_null() & pl.col("gpu_count_2_mid").is_null(),
            "gpu_model_2 is given without its count",
        ),
    ]
    # A capex of zero says nothing about a cluster, except for a phase with no GPUs yet:
    # Epoch's timeline snapshots before any building runs price what is installed, nothing.
    nothing_installed = pl.col("gpu_count_mid") == 0
    frame, c = add_range(
        frame,
        low="reported_capex_low",
        high="reported_capex_high",
        out="reported_capex",
        qualifier="capex_qualifier",
        unit="unit",
        up_to_low_fraction=refs.assumption("up_to_low_fraction", 0.5),
        allow_zero=nothing_installed,
    )
    checks += c
    frame, c = add_range(
        frame,
        low="calculated_capex_low",
        high="calculated_capex_high",
        out="calculated_capex",
        unit="unit",
        up_to_low_fraction=refs.assumption("up_to_low_fraction", 0.5),
        allow_zero=nothing_installed,
    )
    checks += c
    frame = frame.with_columns(pl.coalesce("target_date", "source_date").alias("price_date"))
    frame, c = resolve_currency(
        frame, "currency", ["reported_capex_mark", "calculated_capex_mark"], refs.currencies, required=False
    )
    checks += c
    checks += ambiguous_separator_checks(
        ["reported_capex_low", "reported_capex_high", "calculated_capex_low", "calculated_capex_high"]
    )
    has_capex = pl.col("reported_capex_mid").is_not_null() | pl.col("calculated_capex_mid").is_not_null()
    checks.append(Check("currency", has_capex & pl.col("currency").is_null(), "reported capex needs a currency"))
    frame = frame.with_columns(pl.coalesce("source_date", "target_date").alias("_fx_date"))
    frame, c = add_fx_rate(frame, refs.fx_rates, "_fx_date")
    checks += [Check(x.column, x.failed & has_capex, x.reason) for x in c]
    frame = frame.with_columns(*in_usd("reported_capex"), *in_usd("calculated_capex"))
    frame = annotate(frame, checks)
    return frame.select(*STAGED_COLUMNS, "_problem_columns", "_problems")
