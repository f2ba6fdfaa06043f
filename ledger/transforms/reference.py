"""Reference tables: FX rates, the GPU catalogue, company aliases and assumptions.

Reference data is small and everything else depends on it, so a bad reference row stops the
load with an `InputFileError` naming the file, row and column (it is not quarantined).
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from ledger.transforms.dates import parse_date, parse_date_column
from ledger.transforms.errors import InputFileError

SOURCE_FILE = "source_file"
ROW_NUMBER = "row_number"


def _fail_first(frame: pl.DataFrame, good: pl.Expr, column: str, expected: str) -> None:
    """Raise for the first row where `good` is not true."""
    rows = frame.filter(~good.fill_null(False))
    if rows.height:
        first = rows.row(0, named=True)
        raise InputFileError(
            first[SOURCE_FILE],
            f"{expected}; found {first.get(column)!r}",
            row=first[ROW_NUMBER],
            column=column,
        )


def _float(column: str) -> pl.Expr:
    return pl.col(column).str.strip_chars().cast(pl.Float64, strict=False)


def normalize_fx_rates(raw: pl.DataFrame) -> pl.DataFrame:
    """Currency units per US dollar by date; one row per currency and date."""
    out = raw.with_columns(
        pl.col("currency").str.strip_chars().str.to_uppercase(),
        parse_date(pl.col("rate_date")).alias("rate_date_parsed"),
        _float("units_per_usd").alias("units_per_usd_parsed"),
    )
    _fail_first(out, pl.col("currency").str.contains(r"^[A-Z]{3}$"), "currency", "a 3-letter currency code")
    _fail_first(out, pl.col("rate_date_parsed").is_not_null(), "rate_date", "a date YYYY-MM-DD")
    _fail_first(out, pl.col("units_per_usd_parsed") > 0, "units_per_usd", "a positive number of units per USD")
    out = out.select(
        "currency",
        pl.col("rate_date_parsed").alias("rate_date"),
        pl.col("units_per_usd_parsed").alias("units_per_usd"),
        "source_url",
        "source_publication",
        SOURCE_FILE,
        ROW_NUMBER,
    )
    dupes = out.filter(pl.struct("currency", "rate_date").is_duplicated())
    if dupes.height:
        first = dupes.row(0, named=True)
        raise InputFileError(
            first[SOURCE_FILE],
            f"a second rate for {first['currency']} on {first['rate_date']}",
            row=first[ROW_NUMBER],
            column="rate_date",
        )
    return out.sort("currency", "rate_date")


#: What a name lookup ignores besides case: spaces, hyphens and underscores, so a cloud
#: catalog's "H100-SXM" or "A100_80GB" finds the alias "H100 SXM" or "A100 80GB".
_IGNORED_IN_NAMES = r"[\s\-_]+"


def alias_key(name: pl.Expr) -> pl.Expr:
    """The key a name is looked up by (see `_IGNORED_IN_NAMES`)."""
    return name.str.strip_chars().str.to_lowercase().str.replace_all(_IGNORED_IN_NAMES, "")


def alias_key_of(name: str) -> str:
    """`alias_key` for one name, in Python."""
    return re.sub(_IGNORED_IN_NAMES, "", name.strip().lower())


def _aliases(frame: pl.DataFrame, name_column: str) -> pl.DataFrame:
    """One row per (lower-cased alias, canonical name), the canonical name included."""
    names = frame.select(
        pl.col(name_column).str.strip_chars().alias("canonical"),
        pl.concat_list(pl.col(name_column), pl.col("aliases").fill_null("").str.split("|")).alias("alias"),
        SOURCE_FILE,
        ROW_NUMBER,
    ).explode("alias")
    names = names.with_columns(pl.col("alias").str.strip_chars()).filter(pl.col("alias") != "")
    names = names.with_columns(alias_key=alias_key(pl.col("alias"))).unique(
        ["alias_key", "canonical"], keep="first", maintain_order=True
    )
    clash = names.filter(pl.col("alias_key").is_duplicated())
    if clash.height:
        first = clash.row(0, named=True)
        others = clash.filter(pl.col("alias_key") == first["alias_key"])["canonical"].to_list()
        raise InputFileError(
            first[SOURCE_FILE],
            f"alias {first['alias']!r} names more than one: {', '.join(others)}",
            row=first[ROW_NUMBER],
            column="aliases",
        )
    return names.select("alias_key", "alias", "canonical")


def normalize_gpu_catalog(raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The GPU catalogue and its alias lookup (`alias_key` → `gpu_variant`, `gpu_model`).

    Each row is a variant (`gpu_variant`: "H100 PCIe", "A100 SXM4 80GB") of a family
    (`gpu_model`: "H100", "A100"), named in its `family` column; a row with no family is a
    family itself, and stands for a chip of that family whose variant is not given (an
    article's "H100", a catalog's "A100-80GB", which may be SXM or PCIe). Everything that
    counts chips or compute joins on the family; prices keep their variant."""
    _fail_first(raw, pl.col("gpu_model").str.strip_chars() != "", "gpu_model", "a GPU model name")
    family = pl.col("family").str.strip_chars() if "family" in raw.columns else pl.lit(None, pl.String)
    catalog = raw.with_columns(
        pl.col("gpu_model").str.strip_chars().alias("gpu_variant"),
        pl.coalesce(pl.when(family != "").then(family), pl.col("gpu_model").str.strip_chars()).alias("gpu_model"),
        _float("h100e_factor"),
        _float("tdp_watts"),
        _float("memory_gb"),
    )
    _fail_first(
        catalog,
        ~pl.col("gpu_variant").is_duplicated(),
        "gpu_model",
        "each GPU model once",
    )
    families = catalog.filter(pl.col("gpu_variant") == pl.col("gpu_model"))["gpu_variant"]
    _fail_first(
        catalog,
        pl.col("gpu_model").is_in(families.implode()),
        "family",
        "a family that is a row of the catalogue itself (a row whose family is blank)",
    )
    # The factor may be blank for chips no datasheet compares with an H100; if given, positive.
    _fail_first(
        catalog,
        pl.col("h100e_factor").is_null() | (pl.col("h100e_factor") > 0),
        "h100e_factor",
        "a positive H100-equivalent factor, or blank",
    )
    # When the model first shipped (NVIDIA's "available from Q2 2024"), kept to its precision:
    # a price observed before it cannot be a real price of this model.
    catalog = parse_date_column(catalog, "available_date", "__available")
    _fail_first(
        catalog,
        pl.col("__available").is_not_null() | (pl.col("available_date").str.strip_chars().fill_null("") == ""),
        "available_date",
        "a date such as 2024-04-15, 2024-04 or 2024-Q2, or blank",
    )
    catalog = catalog.drop("available_date").rename(
        {"__available": "available_date", "__available_precision": "available_date_precision"}
    )
    aliases = _aliases(raw, "gpu_model").rename({"canonical": "gpu_variant"})
    aliases = aliases.join(catalog.select("gpu_variant", "gpu_model"), on="gpu_variant", how="left")
    columns = [
        "gpu_variant",
        "gpu_model",
        *(c for c in catalog.columns if c not in ("gpu_variant", "gpu_model", "aliases", "family")),
    ]
    return catalog.select(columns), aliases


def normalize_companies(raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Companies with their kind and vendor flag, and the alias lookup (`alias_key` → `company`)."""
    _fail_first(raw, pl.col("company").str.strip_chars() != "", "company", "a company name")
    flag = pl.col("sells_compute").str.strip_chars().str.to_lowercase()
    _fail_first(raw, flag.is_in(["true", "false"]), "sells_compute", "true or false")
    companies = raw.with_columns(pl.col("company").str.strip_chars(), (flag == "true").alias("sells_compute")).drop("aliases")
    aliases = _aliases(raw, "company").rename({"canonical": "company"})
    return companies, aliases


#: Kinds of site that are not a figure's original source.
SOURCE_DOMAIN_KINDS = ("aggregator", "syndication", "copy")


def normalize_source_domains(raw: pl.DataFrame) -> pl.DataFrame:
    """Sites that republish others' reporting (aggregators, syndication, copies), one row
    per domain: a figure whose source URL is on one of them names no original source."""
    out = raw.with_columns(
        pl.col("domain").str.strip_chars().str.to_lowercase().str.strip_prefix("www."),
        pl.col("kind").str.strip_chars().str.to_lowercase(),
    )
    _fail_first(out, out["domain"].str.contains(r"^[a-z0-9.-]+\.[a-z]{2,}$"), "domain", "a domain such as example.com")
    _fail_first(out, pl.col("kind").is_in(SOURCE_DOMAIN_KINDS), "kind", f"one of {', '.join(SOURCE_DOMAIN_KINDS)}")
    dupes = out.filter(pl.col("domain").is_duplicated())
    if dupes.height:
        first = dupes.row(0, named=True)
        raise InputFileError(first[SOURCE_FILE], f"{first['domain']} is listed twice", row=first[ROW_NUMBER], column="domain")
    return out


def normalize_assumptions(raw: pl.DataFrame) -> pl.DataFrame:
    """Named assumptions with low / mid / high values."""
    out = raw.with_columns(
        pl.col("name").str.strip_chars(),
        _float("value_low"),
        _float("value_mid"),
        _float("value_high"),
    )
    for column in ("value_low", "value_mid", "value_high"):
        _fail_first(out, pl.col(column).is_not_null(), column, "a number")
    _fail_first(
        out,
        (pl.col("value_low") <= pl.col("value_mid")) & (pl.col("value_mid") <= pl.col("value_high")),
        "value_mid",
        "value_low <= value_mid <= value_high",
    )
    _fail_first(out, ~pl.col("name").is_duplicated(), "name", "each assumption once")
    return out


def canonical_names(
    frame: pl.DataFrame, column: str, aliases: pl.DataFrame, out: str, name_column: str, *, also: dict[str, str] | None = None
) -> pl.DataFrame:
    """Add `out`: the canonical name for `column` via the alias lookup (null when unknown),
    and for each `also` entry (lookup column → output column) that column of the lookup.
    Each distinct name is looked up once: a price feed repeats a few names millions of times."""
    wanted = {name_column: out, **(also or {})}
    lookup = aliases.select(pl.col("alias_key").alias("_alias_key"), *(pl.col(c).alias(o) for c, o in wanted.items()))
    names = frame.select(pl.col(column).unique())
    resolved = names.with_columns(alias_key(pl.col(column)).alias("_alias_key")).join(lookup, on="_alias_key", how="left")
    return frame.join(resolved.drop("_alias_key"), on=column, how="left", nulls_equal=True, maintain_order="left")


class References:
    """The normalized reference tables a normalizer needs, with lookups ready to join."""

    def __init__(
        self,
        fx_rates: pl.DataFrame,
        gpu_catalog: pl.DataFrame,
        gpu_aliases: pl.DataFrame,
        companies: pl.DataFrame,
        company_aliases: pl.DataFrame,
        assumptions: pl.DataFrame,
    ):
        self.fx_rates = fx_rates
        self.gpu_catalog = gpu_catalog
        self.gpu_aliases = gpu_aliases
        self.companies = companies
        self.company_aliases = company_aliases
        self.assumptions = assumptions

    @property
    def currencies(self) -> list[str]:
        """Currencies amounts can be written in: USD and every currency with FX rates."""
        return sorted({"USD", *self.fx_rates.get_column("currency").to_list()})

    def assumption(self, name: str, default: float | None = None) -> float:
        """The mid value of a named assumption."""
        row = self.assumptions.filter(pl.col("name") == name)
        if row.height == 0:
            if default is None:
                raise KeyError(f"assumption {name!r} is missing from assumptions.csv")
            return default
        return float(row.get_column("value_mid")[0])

    @property
    def vendors(self) -> list[str]:
        """Companies that sell AI labs chips or compute."""
        return self.companies.filter(pl.col("sells_compute")).get_column("company").to_list()


def read_references(folder: Path) -> References:
    """The reference tables of an input folder's `reference/`, normalized (what the
    reference assets write, without a warehouse)."""
    from ledger.transforms.entities import REFERENCE
    from ledger.transforms.reading import read_reference_file

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
