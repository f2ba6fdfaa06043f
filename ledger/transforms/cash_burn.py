"""Burn, revenue, capex and cash figures in US dollars, with a monthly rate for flows."""

from __future__ import annotations

import polars as pl

from ledger.transforms.common import LINEAGE, add_company, add_dates, source_checks, vocabulary
from ledger.transforms.dates import period_last_day
from ledger.transforms.money import add_fx_average, add_range, ambiguous_separator_checks, in_usd, resolve_currency
from ledger.transforms.problems import Check, annotate, required
from ledger.transforms.reference import References

METRICS = (
    "net_burn",
    "gross_burn",
    "operating_cash_flow",
    "levered_free_cash_flow",
    "capex",
    "revenue",
    "cash_on_hand",
)
#: Metrics that can be negative (a cash flow can go either way).
SIGNED_METRICS = ("operating_cash_flow", "levered_free_cash_flow")
#: Metrics where zero is a real state of a company: break-even (net burn, cash flows), no
#: revenue yet, out of cash. A zero gross burn or capex says nothing (every operating lab
#: spends; a lab without capex has no capex figure to report) and is quarantined.
ZERO_MEANINGFUL_METRICS = ("net_burn", "operating_cash_flow", "levered_free_cash_flow", "revenue", "cash_on_hand")
BASES = ("actual", "projection", "run_rate")

STAGED_COLUMNS = (
    "figure_id",
    "company",
    "metric",
    "basis",
    "period_start",
    "period_start_precision",
    "period_end",
    "period_end_precision",
    "period_months",
    "currency",
    "amount_qualifier",
    "amount_usd_low",
    "amount_usd_mid",
    "amount_usd_high",
    "monthly_usd_low",
    "monthly_usd_mid",
    "monthly_usd_high",
    "fx_units_per_usd",
    "fx_rate_date",
    "fx_rate_basis",
    "confidence",
    "source_url",
    "source_publication",
    "retrieved_via",
    "source_date",
    "notes",
    *LINEAGE,
)


def period_months(start: pl.Expr, end: pl.Expr) -> pl.Expr:
    """Length of a period in months: whole calendar months when it runs from the 1st to a
    month's last day (a year is exactly 12), else days ÷ 30.4375."""
    whole = (start.dt.day() == 1) & (end == end.dt.month_end())
    calendar = (end.dt.year() - start.dt.year()) * 12 + end.dt.month() - start.dt.month() + 1
    days = (end - start).dt.total_days() + 1
    return pl.when(whole).then(calendar.cast(pl.Float64)).otherwise(days / 30.4375)


def normalize_cash_burn(raw: pl.DataFrame, refs: References) -> pl.DataFrame:
    """Staged cash figures with `_problems` set on rows that must be quarantined.

    `period_start` is the first day of its cell's span and `period_end` the last ("2025" to
    "2025" is the calendar year), each with its `_precision`. Flows get `monthly_usd_*` = amount ÷ the period's length in months (`period_months`);
    `cash_on_hand` is a stock as of `period_end` and has no monthly rate.
    """
    checks: list[Check] = [required("figure_id")]
    frame, c = add_company(raw, "company", refs.company_aliases)
    checks += c
    metric, c = vocabulary("metric", METRICS)
    checks += c
    basis, c = vocabulary("basis", BASES, is_required=False)
    checks += c
    source, c = source_checks()
    checks += c
    frame = frame.with_columns(metric, basis.fill_null("actual"), *source)
    frame, c = add_dates(frame, ["period_start", "period_end", "source_date"], ["period_start", "period_end"])
    checks += c
    # A period's end given as a month, quarter, half or year ("2025", "Q3 2025") is the last
    # day of that span: the period runs to it.
    frame = frame.with_columns(period_last_day(pl.col("period_end"), pl.col("period_end_precision")).alias("period_end"))
    checks.append(Check("period_end", pl.col("period_end") < pl.col("period_start"), "the period ends before it starts"))
    checks.append(
        Check(
            "period_end",
            (pl.col("metric") != "cash_on_hand") & (pl.col("period_end") == pl.col("period_start")),
            "a flow needs a period longer than one day",
        )
    )
    frame, c = add_range(
        frame,
        low="amount_low",
        high="amount_high",
        out="amount",
        qualifier="amount_qualifier",
        unit="unit",
        up_to_low_fraction=refs.assumption("up_to_low_fraction", 0.5),
        allow_negative=True,
        allow_zero=pl.col("metric").is_in(ZERO_MEANINGFUL_METRICS),
    )
    checks += c
    checks.append(Check("amount_high", pl.col("amount_mid").is_null(), "no amount: give amount_low or amount_high"))
    checks += [
        Check(
            column,
            ~pl.col("metric").is_in(SIGNED_METRICS) & (pl.col(f"{column}__value") < 0),
            pl.format("a negative {} {} (write burn as a positive number)", pl.col("metric"), pl.col(f"{column}__text")),
        )
        for column in ("amount_low", "amount_high")
    ]
    frame, c = resolve_currency(frame, "currency", ["amount_mark"], refs.currencies)
    checks += c
    checks += ambiguous_separator_checks(["amount_low", "amount_high"])
    frame, c = add_fx_average(frame, refs.fx_rates, "period_start", "period_end")
    checks += c
    months = pl.when(pl.col("metric") != "cash_on_hand").then(period_months(pl.col("period_start"), pl.col("period_end")))
    frame = frame.with_columns(*in_usd("amount"), months.alias("period_months"))
    frame = frame.with_columns(
        *[(pl.col(f"amount_usd_{p}") / pl.col("period_months")).alias(f"monthly_usd_{p}") for p in ("low", "mid", "high")]
    )
    frame = annotate(frame, checks)
    return frame.select(*STAGED_COLUMNS, "_problem_columns", "_problems")
