"""Funding events: each tranche of a round in US dollars, with the vendor's part."""

from __future__ import annotations

import polars as pl

from ledger.transforms.common import (
    LINEAGE,
    add_binding,
    add_company,
    add_dates,
    blank_to_null,
    link_checks,
    source_checks,
    vocabulary,
)
from ledger.transforms.money import add_fx_rate, add_range, ambiguous_separator_checks, in_usd, resolve_currency
from ledger.transforms.problems import Check, annotate, required
from ledger.transforms.reference import References

INSTRUMENTS = ("equity", "debt", "convertible", "vendor_financing", "lease_spv", "valuation")
STATUSES = ("rumored", "reported", "announced", "closed", "disputed")

STAGED_COLUMNS = (
    "event_id",
    "company",
    "round_id",
    "round_name",
    "instrument",
    "status",
    "binding",
    "part_of",
    "superseded_by",
    "same_fact_as",
    "announced_date",
    "announced_date_precision",
    "closed_date",
    "closed_date_precision",
    "currency",
    "amount_qualifier",
    "amount_usd_low",
    "amount_usd_mid",
    "amount_usd_high",
    "investors",
    "vendor_investor",
    "vendor_amount_usd_low",
    "vendor_amount_usd_mid",
    "vendor_amount_usd_high",
    "round_total_usd_low",
    "round_total_usd_mid",
    "round_total_usd_high",
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


def normalize_funding_events(raw: pl.DataFrame, refs: References) -> pl.DataFrame:
    """Staged funding events with `_problems` set on rows that must be quarantined.

    Amounts are US dollars at the rate of the announcement date. A tranche with a
    `vendor_investor` and no vendor amount is vendor money in full; `vendor_financing` is
    vendor money by definition. A tranche, valuation, vendor part or round total of zero
    says nothing and is quarantined.
    """
    checks: list[Check] = [required("event_id"), required("round_id")]
    frame, c = add_company(raw, "company", refs.company_aliases)
    checks += c
    frame, c = add_company(frame, "vendor_investor", refs.company_aliases, is_required=False)
    checks += c
    checks.append(
        Check(
            "vendor_investor",
            pl.col("vendor_investor").is_not_null() & ~pl.col("vendor_investor").is_in(refs.vendors),
            pl.format("{} is not flagged sells_compute in company_aliases.csv", pl.col("vendor_investor")),
        )
    )
    instrument, c = vocabulary("instrument", INSTRUMENTS)
    checks += c
    status, c = vocabulary("status", STATUSES)
    checks += c
    source, c = source_checks()
    checks += c
    frame = frame.with_columns(instrument, status, *source)
    # binding: whether the deal itself binds (a signed round, reported, announced or closed)
    # or not (a letter of intent, which the row must say: binding false); how sure we are
    # that it happened is `status` and `confidence`. Rumored or disputed money is not binding.
    frame, c = add_binding(frame, default=pl.col("status").is_in(["reported", "announced", "closed"]))
    checks += c
    # links between events: a tranche whose money another event's amount includes
    # (part_of), or one a later event replaces (superseded_by); same_fact_as: another
    # source's figure for the fact another row gives (marts.source_conflicts)
    frame = frame.with_columns(blank_to_null("part_of"), blank_to_null("superseded_by"), blank_to_null("same_fact_as"))
    checks += link_checks("event_id")
    checks.append(Check("same_fact_as", pl.col("same_fact_as") == pl.col("event_id"), "a row cannot be its own other source"))
    frame, c = add_dates(frame, ["announced_date", "closed_date", "source_date"], ["announced_date"])
    checks += c
    # A closing date before the announcement is normal (deals are often announced after
    # they close), so the two dates are not compared.

    fraction = refs.assumption("up_to_low_fraction", 0.5)
    frame, c = add_range(
        frame,
        low="amount_low",
        high="amount_high",
        out="amount",
        qualifier="amount_qualifier",
        unit="unit",
        up_to_low_fraction=fraction,
    )
    checks += c
    checks.append(Check("amount_high", pl.col("amount_mid").is_null(), "no amount: give amount_low or amount_high"))
    frame, c = add_range(
        frame,
        low="vendor_amount_low",
        high="vendor_amount_high",
        out="vendor_amount",
        qualifier="vendor_amount_qualifier",
        unit="unit",
        up_to_low_fraction=fraction,
    )
    checks += c
    frame, c = add_range(
        frame,
        low="round_total_low",
        high="round_total_high",
        out="round_total",
        unit="unit",
        up_to_low_fraction=fraction,
    )
    checks += c
    frame, c = resolve_currency(frame, "currency", ["amount_mark", "vendor_amount_mark", "round_total_mark"], refs.currencies)
    checks += c
    checks += ambiguous_separator_checks(
        ["amount_low", "amount_high", "vendor_amount_low", "vendor_amount_high", "round_total_low", "round_total_high"]
    )
    frame, c = add_fx_rate(frame, refs.fx_rates, "announced_date")
    checks += c

    vendor_money = pl.col("vendor_investor").is_not_null() | (pl.col("instrument") == "vendor_financing")
    whole_tranche = vendor_money & pl.col("vendor_amount_mid").is_null()
    frame = frame.with_columns(
        *[
            pl.when(whole_tranche)
            .then(pl.col(f"amount_{p}"))
            .when(vendor_money)
            .then(pl.col(f"vendor_amount_{p}"))
            .alias(f"vendor_amount_{p}")
            for p in ("low", "mid", "high")
        ]
    )
    checks += [
        Check(
            "vendor_amount_high",
            pl.col("vendor_amount_high") > pl.col("amount_high"),
            "the vendor's part is larger than the tranche",
        ),
        Check(
            "vendor_investor",
            (pl.col("instrument") == "valuation") & pl.col("vendor_investor").is_not_null(),
            "a valuation row has no vendor money",
        ),
    ]
    frame = frame.with_columns(*in_usd("amount"), *in_usd("vendor_amount"), *in_usd("round_total"))
    frame = annotate(frame, checks)
    return frame.select(*STAGED_COLUMNS, "_problem_columns", "_problems")
