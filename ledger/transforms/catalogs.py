"""Cloud price catalogs published by open projects, read as GPU price quotes.

SkyPilot's catalog (`vms.csv`, schema v5–v7: InstanceType, AcceleratorName,
AcceleratorCount, vCPUs, MemoryGiB, Price, SpotPrice, Region, GpuInfo, sometimes
AvailabilityZone; https://github.com/skypilot-org/skypilot-catalog) lists one row per
instance type and region (or zone), with the instance's on-demand price per hour and,
where the cloud sells it, the spot price. Each row becomes the quote feed's records in the
gpu_prices format (data/README.md): an on-demand quote, and a spot quote when there is a
spot price, per instance and hour (`price_per` instance, `gpus_per_instance` its GPU
count), so the ordinary rules turn them into dollars per GPU-hour, map the GPU name
through the alias table (`H100-SXM`, `A100-80GB`) and quarantine what they cannot read.

SkyPilot names the chip, not its form: Lambda's `gpu_1x_h100_pcie` and `gpu_8x_h100_sxm5`
are both `H100`. Where the instance type names the form (SXM, SXM4, SXM5, PCIe, NVL) and
the GPU's memory is in GpuInfo, the GPU is read as the most specific name the alias table
knows — "H100 PCIe", "A100 SXM4 80GB" — and as the catalog wrote it otherwise; the notes say
when the name was refined.

A row with no accelerator (a CPU-only instance) is no GPU price: it stays a record, with
`gpu_model` saying so, and is quarantined with that reason — counted, never lost.
The provider comes from the file name (`lambda_2026-11-27.csv`, `skypilot-runpod.csv`),
the day from the name or, failing that, the day the file was written.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import polars as pl

from ledger.transforms.entities import GPU_PRICES
from ledger.transforms.reading import EXTRA_COLUMNS, RAW_ROW_ID, ROW_NUMBER, SOURCE_FILE
from ledger.transforms.reference import alias_key

#: The columns that make a CSV a SkyPilot catalog.
SKYPILOT_COLUMNS = ("InstanceType", "AcceleratorName", "AcceleratorCount", "Price", "SpotPrice", "Region")
#: What `gpu_model` says of a CPU-only instance (no alias has it: quarantined with it).
NO_ACCELERATOR = "(none: a CPU-only instance)"
_FIRST_DATA_ROW = 2  # the header is row 1
#: Words in a catalog file's name that are not the provider.
_NOT_PROVIDER = {"skypilot", "vms", "catalog", "gpuhunt", "prices", "quotes", "csv"}
#: A GPU's form in an instance type's name (`gpu_8x_h100_sxm5`, `a3-highgpu-8g` has none).
_FORM = r"(?:^|[^a-z0-9])(sxm[2-6]?|pcie|nvl)(?:[^a-z0-9]|$)"
_FORM_NAMES = {"pcie": "PCIe"}


def _specific_gpu(name: pl.Expr, instance: pl.Expr, gpu_info: pl.Expr, known: frozenset[str]) -> pl.Expr:
    """The most specific GPU name the alias table knows: the catalog's name with the form
    the instance type gives and the memory GpuInfo gives, else with the form, else as is."""
    form = instance.str.to_lowercase().str.extract(_FORM, 1)
    form = form.replace_strict(_FORM_NAMES, default=form.str.to_uppercase())
    gib = (gpu_info.str.extract(r"'SizeInMiB':\s*([0-9.]+)", 1).cast(pl.Float64, strict=False) / 1024).round(0).cast(pl.Int64)
    names_form = name.str.contains(r"(?i)sxm|pcie|nvl")
    with_form = pl.when(~names_form).then(pl.concat_str([name, form], separator=" "))
    with_memory = pl.concat_str([with_form, gib.cast(pl.String) + "GB"], separator=" ")
    keys = pl.Series(sorted(known), dtype=pl.String).implode()
    return (
        pl.when(alias_key(with_memory).is_in(keys))
        .then(with_memory)
        .when(alias_key(with_form).is_in(keys))
        .then(with_form)
        .otherwise(name)
    )


def is_skypilot(header: list[str]) -> bool:
    return set(SKYPILOT_COLUMNS) <= set(header)


def written_day(path: Path) -> date:
    """The day a file was last written (UTC): a catalog's day when its name gives none."""
    from datetime import UTC, datetime

    return datetime.fromtimestamp(path.stat().st_mtime, UTC).date()


def provider_of(path: Path) -> str:
    """The provider a catalog file names (`lambda_2026-11-27.csv` → lambda); the file's
    stem when it names none."""
    words = [w for w in re.split(r"[^a-z0-9]+", re.sub(r"\d{4}-\d{2}-\d{2}", " ", path.stem.lower())) if w]
    named = [w for w in words if w not in _NOT_PROVIDER]
    return named[0] if named else path.stem


def scan_skypilot(
    path: Path, relative_name: str, day: date, header: list[str], known_gpus: frozenset[str] = frozenset()
) -> pl.LazyFrame:
    """The catalog as quote records: the gpu_prices columns as text, plus the source file,
    row number and a raw row id per record (`<file>:<row>` on demand, `<file>:<row>:spot`).
    `known_gpus`: the alias table's keys (`alias_key`), for reading a GPU's form."""
    provider = provider_of(path)
    rows = pl.scan_csv(path, infer_schema=False, encoding="utf8", row_index_name="_record", glob=False)
    rows = rows.rename({old: old.strip() for old in header if old != old.strip()})
    rows = rows.with_columns(
        (pl.col("_record") + _FIRST_DATA_ROW).cast(pl.Int64).alias(ROW_NUMBER),
        pl.col("AcceleratorName").str.strip_chars().alias("_named_gpu"),
        (pl.col("AvailabilityZone").str.strip_chars() if "AvailabilityZone" in header else pl.lit(None, pl.String)).alias(
            "_zone"
        ),
    )
    gpu_info = pl.col("GpuInfo") if "GpuInfo" in header else pl.lit(None, pl.String)
    rows = rows.with_columns(_specific_gpu(pl.col("_named_gpu"), pl.col("InstanceType"), gpu_info, known_gpus).alias("_gpu"))
    has_gpu = pl.col("_gpu").is_not_null() & (pl.col("_gpu") != "")
    refined = pl.when(pl.col("_gpu") != pl.col("_named_gpu")).then(
        pl.format("; GPU {} read as {} from the instance type", pl.col("_named_gpu"), pl.col("_gpu"))
    )
    region = pl.concat_str([pl.col("Region").str.strip_chars(), pl.col("_zone")], separator="/", ignore_nulls=True)

    def records(price_type: str, price: str, suffix: str) -> pl.LazyFrame:
        quote_id = pl.concat_str(
            [
                pl.lit(provider),
                pl.col("InstanceType"),
                pl.col("Region"),
                pl.col("_zone"),
                pl.lit(day.isoformat()),
                pl.lit(price_type),
            ],
            separator=":",
            ignore_nulls=True,
        )
        return rows.select(
            quote_id.alias("quote_id"),
            pl.when(has_gpu).then(pl.col("_gpu")).otherwise(pl.lit(NO_ACCELERATOR)).alias("gpu_model"),
            pl.lit(price_type).alias("price_type"),
            pl.lit(None, pl.String).alias("price_low"),
            pl.col(price).str.strip_chars().alias("price_high"),
            pl.lit("exact").alias("price_qualifier"),
            pl.lit("USD").alias("currency"),
            pl.lit("instance").alias("price_per"),
            pl.col("AcceleratorCount").str.strip_chars().alias("gpus_per_instance"),
            pl.lit("hour").alias("billing_period"),
            pl.lit(provider).alias("provider"),
            region.alias("region"),
            pl.lit(day.isoformat()).alias("observed_date"),
            pl.lit("medium").alias("confidence"),
            pl.lit("https://github.com/skypilot-org/skypilot-catalog").alias("source_url"),
            pl.lit(f"SkyPilot catalog ({provider})").alias("source_publication"),
            pl.lit(None, pl.String).alias("retrieved_via"),
            pl.lit(day.isoformat()).alias("source_date"),
            pl.concat_str([pl.lit("instance "), pl.col("InstanceType"), refined.fill_null("")]).alias("notes"),
            pl.lit(None, pl.String).alias(EXTRA_COLUMNS),
            pl.lit(relative_name).alias(SOURCE_FILE),
            pl.col(ROW_NUMBER),
            pl.format("{}:{}{}", pl.lit(relative_name), pl.col(ROW_NUMBER), pl.lit(suffix)).alias(RAW_ROW_ID),
            pl.col(price).alias("_price"),
        )

    on_demand = records("on_demand", "Price", "")
    # a spot quote only where the catalog gives a spot price (and a GPU: a CPU-only row is
    # counted once, as its on-demand record)
    spot = records("spot", "SpotPrice", ":spot").filter(
        pl.col("_price").str.strip_chars().fill_null("").ne("") & pl.col("gpu_model").ne(NO_ACCELERATOR)
    )
    out = pl.concat([on_demand, spot]).drop("_price")
    return out.select(*GPU_PRICES.columns, EXTRA_COLUMNS, SOURCE_FILE, ROW_NUMBER, RAW_ROW_ID)
