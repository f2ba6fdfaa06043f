"""Cloud price catalogs published by open projects, read as GPU price quotes.

Two formats, each recognised by its header:

- SkyPilot's catalog (`vms.csv`, schema v5–v7: InstanceType, AcceleratorName,
  AcceleratorCount, vCPUs, MemoryGiB, Price, SpotPrice, Region, GpuInfo, sometimes
  AvailabilityZone; https://github.com/skypilot-org/skypilot-catalog) lists one row per
  instance type and region (or zone), with the instance's on-demand price per hour and,
  where the cloud sells it, the spot price: an on-demand record and, with a spot price, a
  spot record per row (raw row ids `<file>:<row>` and `<file>:<row>:spot`).
- dstack's gpuhunt catalog (one CSV per provider: instance_name, location, price, cpu,
  memory, gpu_count, gpu_name, gpu_memory, spot, and in later versions gpu_vendor,
  disk_size, cpu_arch, flags, provider_data; https://github.com/dstackai/gpuhunt) lists one
  offer per row: a price per instance-hour that is spot when `spot` is true.

Each record is a quote in the gpu_prices format (data/README.md): per instance and hour
(`price_per` instance, `gpus_per_instance` its GPU count), so the ordinary rules turn it
into dollars per GPU-hour, map the GPU name through the alias table (`H100-SXM`,
`A100-80GB`, `H100NVL`) and quarantine what they cannot read.

Catalogs name the chip, not its form: Lambda's `gpu_1x_h100_pcie` and `gpu_8x_h100_sxm5`
are both `H100`. Where the instance type names the form (SXM, SXM4, SXM5, PCIe, NVL) and the
catalog the GPU's memory, the GPU is read as the most specific name the alias table
knows — "H100 PCIe", "A100 SXM4 80GB" — and as the catalog wrote it otherwise; the notes say
when the name was refined.

A row with no accelerator (a CPU-only instance) is no GPU price: it stays a record, with
`gpu_model` saying so, and is quarantined with that reason — counted, never lost.
The provider comes from the file name (`lambda_2026-11-27.csv`, `skypilot-runpod.csv`,
`gpuhunt_aws.csv`), the day from the name or, failing that, the day the file was written.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import polars as pl

from ledger.transforms.common import CPU_ONLY
from ledger.transforms.entities import GPU_PRICES
from ledger.transforms.reading import EXTRA_COLUMNS, RAW_ROW_ID, ROW_NUMBER, SOURCE_FILE
from ledger.transforms.reference import alias_key

#: The columns that make a CSV a SkyPilot catalog.
SKYPILOT_COLUMNS = ("InstanceType", "AcceleratorName", "AcceleratorCount", "Price", "SpotPrice", "Region")
#: The columns that make a CSV a gpuhunt catalog.
GPUHUNT_COLUMNS = ("instance_name", "location", "price", "gpu_count", "gpu_name", "spot")
_FIRST_DATA_ROW = 2  # the header is row 1
#: Words in a catalog file's name that are not the provider.
_NOT_PROVIDER = {"skypilot", "vms", "catalog", "gpuhunt", "dstack", "prices", "quotes", "csv"}
#: A GPU's form in an instance type's name (`gpu_8x_h100_sxm5`; `p5.48xlarge` has none).
_FORM = r"(?:^|[^a-z0-9])(sxm[2-6]?|pcie|nvl)(?:[^a-z0-9]|$)"
_FORM_NAMES = {"pcie": "PCIe"}


def catalog_format(header: list[str]) -> str | None:
    """`skypilot`, `gpuhunt`, or None (the gpu_prices format) for a quote file's header."""
    names = {h.strip() for h in header}
    if set(SKYPILOT_COLUMNS) <= names:
        return "skypilot"
    if set(GPUHUNT_COLUMNS) <= names:
        return "gpuhunt"
    return None


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


def _specific_gpu(name: pl.Expr, instance: pl.Expr, memory_gb: pl.Expr, known: frozenset[str]) -> pl.Expr:
    """The most specific GPU name the alias table knows: the catalog's name with the form
    the instance type gives and the memory the catalog gives, else with the form, else as is."""
    form = instance.str.to_lowercase().str.extract(_FORM, 1)
    form = form.replace_strict(_FORM_NAMES, default=form.str.to_uppercase())
    names_form = name.str.contains(r"(?i)sxm|pcie|nvl")
    with_form = pl.when(~names_form).then(pl.concat_str([name, form], separator=" "))
    with_memory = pl.concat_str([with_form, memory_gb.round(0).cast(pl.Int64).cast(pl.String) + "GB"], separator=" ")
    keys = pl.Series(sorted(known), dtype=pl.String).implode()
    return (
        pl.when(alias_key(with_memory).is_in(keys))
        .then(with_memory)
        .when(alias_key(with_form).is_in(keys))
        .then(with_form)
        .otherwise(name)
    )


def _scan(path: Path, header: list[str]) -> pl.LazyFrame:
    rows = pl.scan_csv(path, infer_schema=False, encoding="utf8", row_index_name="_record", glob=False)
    rows = rows.rename({old: old.strip() for old in header if old != old.strip()})
    return rows.with_columns((pl.col("_record") + _FIRST_DATA_ROW).cast(pl.Int64).alias(ROW_NUMBER))


def _records(
    rows: pl.LazyFrame,
    *,
    path: Path,
    relative_name: str,
    day: date,
    known_gpus: frozenset[str],
    instance: pl.Expr,
    gpu: pl.Expr,
    gpu_count: pl.Expr,
    memory_gb: pl.Expr,
    region: pl.Expr,
    price: pl.Expr,
    price_type: pl.Expr,
    raw_row_suffix: pl.Expr,
    source: tuple[str, str],
) -> pl.LazyFrame:
    """A catalog's rows as quote records: the gpu_prices columns as text, plus the source
    file, row number and raw row id. `source`: the catalog's URL and name."""
    provider = provider_of(path)
    rows = rows.with_columns(
        instance.str.strip_chars().alias("_instance"),
        gpu.str.strip_chars().alias("_named_gpu"),
        price.str.strip_chars().alias("_price"),
        price_type.alias("_price_type"),
        region.alias("_region"),
    )
    rows = rows.with_columns(_specific_gpu(pl.col("_named_gpu"), pl.col("_instance"), memory_gb, known_gpus).alias("_gpu"))
    has_gpu = pl.col("_gpu").is_not_null() & (pl.col("_gpu") != "")
    refined = pl.when(pl.col("_gpu") != pl.col("_named_gpu")).then(
        pl.format("; GPU {} read as {} from the instance type and memory", pl.col("_named_gpu"), pl.col("_gpu"))
    )
    quote_id = pl.concat_str(
        [pl.lit(provider), pl.col("_instance"), pl.col("_region"), pl.lit(day.isoformat()), pl.col("_price_type")],
        separator=":",
        ignore_nulls=True,
    )
    out = rows.select(
        quote_id.alias("quote_id"),
        pl.when(has_gpu).then(pl.col("_gpu")).otherwise(pl.lit(CPU_ONLY)).alias("gpu_model"),
        pl.col("_price_type").alias("price_type"),
        pl.lit(None, pl.String).alias("price_low"),
        pl.col("_price").alias("price_high"),
        pl.lit("exact").alias("price_qualifier"),
        pl.lit("USD").alias("currency"),
        pl.lit("instance").alias("price_per"),
        gpu_count.str.strip_chars().alias("gpus_per_instance"),
        pl.lit("hour").alias("billing_period"),
        pl.lit(provider).alias("provider"),
        pl.col("_region").alias("region"),
        pl.lit(day.isoformat()).alias("observed_date"),
        pl.lit("medium").alias("confidence"),
        pl.lit(source[0]).alias("source_url"),
        pl.lit(f"{source[1]} ({provider})").alias("source_publication"),
        pl.lit(None, pl.String).alias("retrieved_via"),
        pl.lit(day.isoformat()).alias("source_date"),
        pl.concat_str([pl.lit("instance "), pl.col("_instance"), refined.fill_null("")]).alias("notes"),
        pl.lit(None, pl.String).alias(EXTRA_COLUMNS),
        pl.lit(relative_name).alias(SOURCE_FILE),
        pl.col(ROW_NUMBER),
        pl.format("{}:{}{}", pl.lit(relative_name), pl.col(ROW_NUMBER), raw_row_suffix).alias(RAW_ROW_ID),
    )
    return out.select(*GPU_PRICES.columns, EXTRA_COLUMNS, SOURCE_FILE, ROW_NUMBER, RAW_ROW_ID)


def _mib_to_gb(text: pl.Expr) -> pl.Expr:
    return text.cast(pl.Float64, strict=False) / 1024


def scan_skypilot(
    path: Path, relative_name: str, day: date, header: list[str], known_gpus: frozenset[str] = frozenset()
) -> pl.LazyFrame:
    """A SkyPilot catalog as quote records: an on-demand record per row and a spot record
    per row with a spot price and a GPU (a CPU-only row is counted once, as its on-demand
    record). `known_gpus`: the alias table's keys (`alias_key`), for reading a GPU's form."""
    rows = _scan(path, header)
    zone = pl.col("AvailabilityZone").str.strip_chars() if "AvailabilityZone" in header else pl.lit(None, pl.String)
    gpu_info = pl.col("GpuInfo") if "GpuInfo" in header else pl.lit(None, pl.String)
    common = {
        "path": path,
        "relative_name": relative_name,
        "day": day,
        "known_gpus": known_gpus,
        "instance": pl.col("InstanceType"),
        "gpu": pl.col("AcceleratorName"),
        "gpu_count": pl.col("AcceleratorCount"),
        "memory_gb": _mib_to_gb(gpu_info.str.extract(r"'SizeInMiB':\s*([0-9.]+)", 1)),
        "region": pl.concat_str([pl.col("Region").str.strip_chars(), zone], separator="/", ignore_nulls=True),
        "source": ("https://github.com/skypilot-org/skypilot-catalog", "SkyPilot catalog"),
    }
    on_demand = _records(rows, **common, price=pl.col("Price"), price_type=pl.lit("on_demand"), raw_row_suffix=pl.lit(""))
    has_spot = pl.col("SpotPrice").str.strip_chars().fill_null("").ne("") & pl.col("AcceleratorName").str.strip_chars().fill_null(
        ""
    ).ne("")
    spot = _records(
        rows.filter(has_spot), **common, price=pl.col("SpotPrice"), price_type=pl.lit("spot"), raw_row_suffix=pl.lit(":spot")
    )
    return pl.concat([on_demand, spot])


def scan_gpuhunt(
    path: Path, relative_name: str, day: date, header: list[str], known_gpus: frozenset[str] = frozenset()
) -> pl.LazyFrame:
    """A gpuhunt catalog as quote records: one per row, spot when its `spot` column is true.
    A row with no GPU count or a count of 0 is a CPU-only instance."""
    rows = _scan(path, header)
    count = pl.col("gpu_count").str.strip_chars()
    has_gpu = count.is_not_null() & (count != "") & (count.cast(pl.Float64, strict=False).fill_null(1) != 0)
    spot = pl.col("spot").str.strip_chars().str.to_lowercase() == "true"
    return _records(
        rows,
        path=path,
        relative_name=relative_name,
        day=day,
        known_gpus=known_gpus,
        instance=pl.col("instance_name"),
        gpu=pl.when(has_gpu).then(pl.col("gpu_name")),
        gpu_count=pl.col("gpu_count"),
        memory_gb=pl.col("gpu_memory").cast(pl.Float64, strict=False),
        region=pl.col("location").str.strip_chars(),
        price=pl.col("price"),
        price_type=pl.when(spot).then(pl.lit("spot")).otherwise(pl.lit("on_demand")),
        raw_row_suffix=pl.lit(""),
        source=("https://github.com/dstackai/gpuhunt", "dstack gpuhunt catalog"),
    )


#: The readers by format.
SCANNERS = {"skypilot": scan_skypilot, "gpuhunt": scan_gpuhunt}
