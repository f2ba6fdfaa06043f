"""Figures to US dollars: read the cells, apply the unit and qualifier, convert at the FX
rate of the figure's date (the latest daily rate on or before it), and flows over a period
(burn, revenue) at the average of the period's daily rates."""

from __future__ import annotations

import polars as pl

from ledger.transforms.amounts import (
    ambiguous_separator,
    has_ambiguous_separator,
    parse_amount_column,
    unit_multiplier,
)
from ledger.transforms.problems import Check
from ledger.transforms.ranges import bad_qualifier, qualifier_expr, range_exprs


def add_range(
    frame: pl.DataFrame,
    *,
    low: str,
    high: str,
    out: str,
    qualifier: str | None = None,
    unit: str | None = None,
    up_to_low_fraction: float = 0.5,
    allow_negative: bool = False,
    allow_zero: bool | pl.Expr = False,
) -> tuple[pl.DataFrame, list[Check]]:
    """Add `<out>_low`, `<out>_mid`, `<out>_high` (in the figure's own currency, plain
    units) and `<out>_mark` (a currency written inside the cells), with the checks that
    send unreadable figures to quarantine. Helper columns are named with `__`.

    A figure of zero ("0", "-0", "0.0") says nothing — no money raised, no capex — and is
    quarantined unless `allow_zero` (True, or a row-level expression) says zero is a real
    value there (a break-even burn, a company without revenue). A range may start at zero.
    """
    # The outputs may take the inputs' names (`price_low` from `price_low`): keep the text
    # as written for the messages, which are built after the outputs exist.
    frame = frame.with_columns(pl.col(low).alias(f"{low}__text"), pl.col(high).alias(f"{high}__text"))
    frame = parse_amount_column(parse_amount_column(frame, low), high)
    unit_col = pl.col(unit) if unit and unit in frame.columns else pl.lit(None, pl.String)
    multiplier = unit_multiplier(unit_col)
    unit_given = unit_col.str.strip_chars().str.to_lowercase().fill_null("one").is_in(["one", ""]).not_()
    q_col = pl.col(qualifier) if qualifier and qualifier in frame.columns else pl.lit(None, pl.String)
    q = qualifier_expr(q_col, pl.coalesce(f"{high}__qualifier", f"{low}__qualifier"))

    def scaled(column: str) -> pl.Expr:
        value = pl.col(f"{column}__value")
        value = pl.when(pl.col(f"{column}__suffix")).then(value).otherwise(value * multiplier)
        return pl.when(value == 0).then(0.0).otherwise(value)  # "-0" is 0, never shown as -0

    low_value, high_value = f"{out}__low_value", f"{out}__high_value"
    frame = frame.with_columns(scaled(low).alias(low_value), scaled(high).alias(high_value), q.alias(f"{out}_qualifier"))
    lo, mid, hi = range_exprs(pl.col(low_value), pl.col(high_value), pl.col(f"{out}_qualifier"), up_to_low_fraction)
    frame = frame.with_columns(
        lo.alias(f"{out}_low"),
        mid.alias(f"{out}_mid"),
        hi.alias(f"{out}_high"),
        pl.coalesce(f"{high}__currency", f"{low}__currency").alias(f"{out}_mark"),
    )
    checks: list[Check] = []
    for column in (low, high):
        checks.append(Check(column, pl.col(f"{column}__error").is_not_null(), pl.col(f"{column}__error")))
        checks.append(
            Check(
                column,
                pl.col(f"{column}__suffix") & unit_given,
                "the amount has a unit suffix and the unit column gives one too",
            )
        )
        if not allow_negative:
            checks.append(
                Check(column, pl.col(f"{column}__value") < 0, pl.format("negative amount {}", pl.col(f"{column}__text")))
            )
    zero_allowed = allow_zero.fill_null(False) if isinstance(allow_zero, pl.Expr) else pl.lit(allow_zero)
    high_blank = pl.col(f"{high}__text").str.strip_chars().fill_null("") == ""
    for column, is_headline in ((high, pl.lit(True)), (low, high_blank)):
        checks.append(
            Check(
                column,
                ~zero_allowed & is_headline & (pl.col(f"{column}__value") == 0),
                pl.format(f"{out} is zero ({{}})", pl.col(f"{column}__text").str.strip_chars()),
            )
        )
    if unit and unit in frame.columns:
        checks.append(
            Check(
                unit,
                multiplier.is_null(),
                pl.format("unknown unit {} (one, thousand, million, billion, trillion, oku, cho)", unit_col),
            )
        )
    if qualifier:
        checks.append(
            Check(
                qualifier or out,
                bad_qualifier(pl.col(f"{out}_qualifier")),
                pl.format("unknown qualifier {} (exact, about, up_to, at_least)", pl.col(f"{out}_qualifier")),
            )
        )
    checks.append(
        Check(
            high,
            pl.col(low_value) > pl.col(high_value),
            pl.format("low {} is greater than high {}", pl.col(f"{low}__text"), pl.col(f"{high}__text")),
        )
    )
    # The helper columns stay until the normalizer selects its staged columns: the checks
    # are evaluated later, by `annotate`, and read them.
    return frame, checks


def ambiguous_separator_checks(columns: list[str], currency: str = "currency") -> list[Check]:
    """Amount cells (read by `add_range`) in a decimal-comma currency written like "1.234"
    or "1,234", which read 1.234 to some writers and 1234 to others: quarantined with both
    readings rather than guessed. Evaluated against the row's resolved currency, so call
    it after `resolve_currency`."""
    return [
        Check(
            column,
            has_ambiguous_separator(pl.col(f"{column}__text"), pl.col(currency)),
            ambiguous_separator(pl.col(f"{column}__text"), pl.col(currency)),
        )
        for column in columns
    ]


def resolve_currency(
    frame: pl.DataFrame, column: str, marks: list[str], known: list[str], *, required: bool = True
) -> tuple[pl.DataFrame, list[Check]]:
    """The row's currency: the currency column, else the one written inside the amounts.

    A currency written inside an amount must agree with the column ("¥" fits JPY or CNY).
    Unless `required` is false (a row whose amounts are all optional), a row must end up
    with a currency.
    """
    given = pl.col(column).str.strip_chars().str.to_uppercase()
    given = pl.when(given == "").then(None).otherwise(given)
    mark = pl.coalesce([pl.col(m) for m in marks]) if marks else pl.lit(None, pl.String)
    unambiguous_mark = pl.when(mark.str.contains(r"\|")).then(None).otherwise(mark)
    currency = pl.coalesce(given, unambiguous_mark)
    mark_column = f"{column}__mark"
    frame = frame.with_columns(currency.alias("currency"), mark.alias(mark_column))
    checks = [
        Check(
            column,
            pl.lit(required) & pl.col("currency").is_null() & pl.col(mark_column).is_null(),
            "required value is missing (no currency in the column or the amount)",
        ),
        Check(
            column,
            pl.col("currency").is_null() & pl.col(mark_column).is_not_null(),
            pl.format("the amount's symbol could be {}: say which in the currency column", pl.col(mark_column)),
        ),
        Check(
            column,
            pl.col("currency").is_not_null() & ~pl.col("currency").is_in(known),
            pl.format("unknown currency {} (no FX rates for it)", pl.col("currency")),
        ),
        *[
            Check(
                column,
                pl.col(m).is_not_null()
                & pl.col("currency").is_not_null()
                & ~pl.col(m).str.split("|").list.contains(pl.col("currency")),
                pl.format("the amount is written in {} but the currency column says {}", pl.col(m), pl.col("currency")),
            )
            for m in marks
        ],
    ]
    return frame, checks


def add_fx_rate(frame: pl.DataFrame, fx_rates: pl.DataFrame, date_column: str) -> tuple[pl.DataFrame, list[Check]]:
    """Add `fx_units_per_usd` and `fx_rate_date`: the latest rate for the row's currency on
    or before `date_column` (1 for USD). The as-of join runs on the distinct (currency,
    date) pairs, which are few however many rows there are."""
    rates = fx_rates.select(
        pl.col("currency"), pl.col("rate_date").alias("fx_rate_date"), pl.col("units_per_usd").alias("fx_units_per_usd")
    ).sort("fx_rate_date")
    pairs = (
        frame.select("currency", date_column)
        .filter(pl.col(date_column).is_not_null() & pl.col("currency").is_not_null())
        .unique()
        .sort(date_column)
    )
    matched = pairs.join_asof(
        rates, left_on=date_column, right_on="fx_rate_date", by="currency", strategy="backward", check_sortedness=False
    )
    frame = frame.join(matched, on=["currency", date_column], how="left")
    is_usd = pl.col("currency") == "USD"
    frame = frame.with_columns(
        pl.when(is_usd).then(1.0).otherwise(pl.col("fx_units_per_usd")).alias("fx_units_per_usd"),
        pl.when(is_usd).then(None).otherwise(pl.col("fx_rate_date")).alias("fx_rate_date"),
    )
    check = Check(
        "currency",
        pl.col("currency").is_not_null() & pl.col(date_column).is_not_null() & pl.col("fx_units_per_usd").is_null(),
        pl.format("no {} rate on or before {} in fx_rates.csv", pl.col("currency"), pl.col(date_column)),
    )
    return frame, [check]


def add_fx_average(
    frame: pl.DataFrame, fx_rates: pl.DataFrame, start_column: str, end_column: str
) -> tuple[pl.DataFrame, list[Check]]:
    """Like `add_fx_rate`, for a flow over a period (a year's burn, a quarter's revenue): the
    mean of the currency's daily rates from `start_column` to `end_column`, so a figure
    earned across the year is not converted at its last day's rate. `fx_rate_date` is the
    last rate the average used; `fx_rate_basis` says `period_average` (with the count of
    days) or `day`. A one-day period, or a period with no rate inside it (it ends after the
    table's last rate), takes the day rate of its end, as `add_fx_rate` would."""
    frame, checks = add_fx_rate(frame, fx_rates, end_column)
    periods = (
        frame.select("currency", start_column, end_column)
        .filter(pl.col(start_column) < pl.col(end_column), pl.col("currency") != "USD")
        .unique()
    )
    rates = fx_rates.select("currency", "rate_date", "units_per_usd")
    averages = (
        periods.join(rates, on="currency")
        .filter(pl.col("rate_date").is_between(pl.col(start_column), pl.col(end_column)))
        .group_by("currency", start_column, end_column)
        .agg(
            pl.col("units_per_usd").mean().alias("__average"),
            pl.col("rate_date").max().alias("__last"),
            pl.len().alias("__days"),
        )
    )
    frame = frame.join(averages, on=["currency", start_column, end_column], how="left")
    averaged = pl.col("__average").is_not_null()
    frame = frame.with_columns(
        pl.when(averaged).then(pl.col("__average")).otherwise(pl.col("fx_units_per_usd")).alias("fx_units_per_usd"),
        pl.when(averaged).then(pl.col("__last")).otherwise(pl.col("fx_rate_date")).alias("fx_rate_date"),
        pl.when(averaged)
        .then(pl.format("period_average of {} days", pl.col("__days")))
        .when(pl.col("currency") != "USD")
        .then(pl.lit("day"))
        .alias("fx_rate_basis"),
    ).drop("__average", "__last", "__days")
    return frame, checks


def in_usd(out: str, source: str | None = None) -> list[pl.Expr]:
    """`<out>_usd_low/mid/high` from `<source>_low/mid/high` and the row's FX rate."""
    source = source or out
    return [(pl.col(f"{source}_{p}") / pl.col("fx_units_per_usd")).alias(f"{out}_usd_{p}") for p in ("low", "mid", "high")]
