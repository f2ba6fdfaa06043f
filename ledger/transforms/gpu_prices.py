"""GPU price quotes: purchase prices in US dollars per GPU, rentals per GPU-hour."""

from __future__ import annotations

import polars as pl

from ledger.transforms.common import (
    LINEAGE,
    add_dates,
    add_gpu_model,
    positive_number,
    source_checks,
    tokens,
    vocabulary,
)
from ledger.transforms.dates import known_before
from ledger.transforms.money import add_fx_rate, add_range, ambiguous_separator_checks, resolve_currency
from ledger.transforms.problems import Check, annotate, one_of, required
from ledger.transforms.reference import References, canonical_names

PURCHASE_TYPES = ("purchase", "server_per_gpu")
RENTAL_TYPES = ("on_demand", "spot", "reserved_1y", "reserved_3y")
PRICE_TYPES = PURCHASE_TYPES + RENTAL_TYPES
HOURS_PER_MONTH = 730.0  # 8,760 hours a year / 12, the convention cloud price lists use
#: Who sells the GPU-hours (`provider_family`): the provider's kind in company_aliases.csv
#: when it is one of the first three, `other` for a company of another kind, `unlisted` for
#: a provider the table does not have, `unnamed` when the quote names none (most purchases).
PROVIDER_FAMILIES = ("hyperscaler", "neocloud", "marketplace", "other", "unlisted", "unnamed")


def add_provider_family(frame: pl.DataFrame, refs: References) -> pl.DataFrame:
    """Add `provider_family` (see `PROVIDER_FAMILIES`), looked up once per provider name."""
    kind = pl.col("kind")
    families = refs.company_aliases.join(refs.companies.select("company", "kind"), on="company", how="left").select(
        "alias_key",
        pl.when(kind.is_in(PROVIDER_FAMILIES[:3])).then(kind).otherwise(pl.lit("other")).alias("provider_family"),
    )
    frame = canonical_names(frame, "provider", families, "provider_family", "provider_family")
    named = pl.col("provider").str.strip_chars().fill_null("") != ""
    unresolved = pl.when(named).then(pl.lit("unlisted")).otherwise(pl.lit("unnamed"))
    return frame.with_columns(pl.col("provider_family").fill_null(unresolved))


STAGED_COLUMNS = (
    "quote_id",
    "gpu_model",
    "gpu_variant",
    "price_type",
    "price_unit",
    "usd_per_gpu_low",
    "usd_per_gpu_mid",
    "usd_per_gpu_high",
    "usd_per_gpu_hour_low",
    "usd_per_gpu_hour_mid",
    "usd_per_gpu_hour_high",
    "currency",
    "price_per",
    "gpus_per_instance",
    "billing_period",
    "provider",
    "provider_family",
    "region",
    "observed_date",
    "observed_date_precision",
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


def normalize_gpu_prices(raw: pl.DataFrame, refs: References) -> pl.DataFrame:
    """Staged GPU price quotes with `_problems` set on rows that must be quarantined.

    Per-instance prices are divided by the instance's GPU count; monthly rentals by 730
    hours. Purchase types fill `usd_per_gpu_*`, rentals `usd_per_gpu_hour_*`.
    """
    checks: list[Check] = [required("quote_id")]
    # vocabulary columns: normalized once per distinct value (a price feed has millions of rows)
    raw = tokens(raw, "price_type", "price_per", "billing_period", "confidence")
    frame, c = add_gpu_model(raw, "gpu_model", refs.gpu_aliases, variant="gpu_variant")
    checks += c
    frame = add_provider_family(frame, refs)
    price_type, c = vocabulary("price_type", PRICE_TYPES, tokenized=True)
    checks += c
    source, c = source_checks(tokenized=True)
    checks += c
    price_per = pl.col("price_per").fill_null("gpu")
    billing = pl.col("billing_period")
    frame = frame.rename({"gpus_per_instance": "gpus_per_instance__text"})
    gpus, gpus_check = positive_number("gpus_per_instance", "gpus_per_instance__text")
    frame = frame.with_columns(
        price_type,
        *source,
        price_per.alias("price_per"),
        billing.alias("billing_period"),
        gpus.alias("gpus_per_instance"),
    )
    checks += [
        one_of("price_per", pl.col("price_per"), ("gpu", "instance")),
        one_of("billing_period", pl.col("billing_period"), ("hour", "month")),
        gpus_check,
        Check(
            "gpus_per_instance",
            (pl.col("price_per") == "instance") & (pl.col("gpus_per_instance").is_null() | (pl.col("gpus_per_instance") < 1)),
            "a per-instance price needs the instance's GPU count (1 or more)",
        ),
        Check(
            "billing_period",
            pl.col("price_type").is_in(PURCHASE_TYPES) & pl.col("billing_period").is_not_null(),
            "a purchase price has no billing period",
        ),
    ]
    frame, c = add_dates(frame, ["observed_date", "source_date"], ["observed_date"])
    checks += c
    # when the variant shipped, else its family (a variant with no date of its own)
    catalog = refs.gpu_catalog
    family_dates = catalog.filter(pl.col("gpu_variant") == pl.col("gpu_model")).select("gpu_model", "available_date")
    available = catalog.join(family_dates, on="gpu_model", how="left", suffix="_family").select(
        "gpu_variant", pl.coalesce("available_date", "available_date_family").alias("__available")
    )
    frame = frame.join(available, on="gpu_variant", how="left", maintain_order="left")
    checks.append(
        Check(
            "observed_date",
            known_before(pl.col("observed_date"), pl.col("observed_date_precision"), pl.col("__available")),
            pl.format(
                "observed {} but the {} shipped only from {} (gpu_catalog.csv): not a price of this model",
                pl.col("observed_date_text"),
                pl.col("gpu_variant"),
                pl.col("__available"),
            ),
        )
    )
    frame, c = add_range(
        frame,
        low="price_low",
        high="price_high",
        out="price",
        qualifier="price_qualifier",
        up_to_low_fraction=refs.assumption("up_to_low_fraction", 0.5),
        allow_zero=True,  # refused just below, as "a price of zero" (bench/baseline_duckdb.py says the same)
    )
    checks += c
    checks.append(Check("price_high", pl.col("price_mid").is_null(), "no price: give price_low or price_high"))
    checks.append(Check("price_high", pl.col("price_mid") == 0, "a price of zero"))
    frame, c = resolve_currency(frame, "currency", ["price_mark"], refs.currencies)
    checks += c
    checks += ambiguous_separator_checks(["price_low", "price_high"])
    frame, c = add_fx_rate(frame, refs.fx_rates, "observed_date")
    checks += c

    per_gpu = pl.when(pl.col("price_per") == "instance").then(pl.col("gpus_per_instance")).otherwise(1.0)
    hours = pl.when(pl.col("billing_period") == "month").then(HOURS_PER_MONTH).otherwise(1.0)
    is_rental = pl.col("price_type").is_in(RENTAL_TYPES)
    usd = {p: pl.col(f"price_{p}") / pl.col("fx_units_per_usd") / per_gpu for p in ("low", "mid", "high")}
    frame = frame.with_columns(
        pl.when(is_rental).then(pl.lit("usd_per_gpu_hour")).otherwise(pl.lit("usd_per_gpu")).alias("price_unit"),
        *[pl.when(~is_rental).then(usd[p]).alias(f"usd_per_gpu_{p}") for p in usd],
        *[pl.when(is_rental).then(usd[p] / hours).alias(f"usd_per_gpu_hour_{p}") for p in usd],
    )
    frame = annotate(frame, checks)
    return frame.select(*STAGED_COLUMNS, "_problem_columns", "_problems")
