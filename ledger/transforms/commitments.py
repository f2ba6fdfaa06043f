"""Compute commitments: what a company has promised to pay another for compute.

The other half of the money. A lab raises equity and debt (funding_events), then signs
contracts to spend it: cloud capacity, chips, leased GPUs or data centres, power, and
backstops (a vendor promising to buy capacity nobody else takes). One row per contract or
commitment, buyer paying seller, in US dollars at the rate of its announcement date.

Rules:
- `binding` is false for a letter of intent (`status` loi) whatever the cell says is a
  problem (a letter of intent is not binding); blank means `status` decides: binding unless
  it is a letter of intent or terminated.
- The term: `end_date` as given, else `start_date` (or the announcement) plus
  `term_months`. A commitment without either has no term; the obligations mart then
  counts it in the year it starts.
- `payment_schedule` (`2026:1.5;2027:3`: year, then amount in the row's currency and
  unit) becomes `payment_schedule_usd`, a list of (year, usd) at the row's FX rate; the
  years' amounts may not add up to more than the total.
- A commitment may have no dollar figure (a 10 GW letter of intent): its amount columns
  are blank, and it is kept for its counterparties, GPUs and power.
"""

from __future__ import annotations

import polars as pl

from ledger.transforms.amounts import unit_multiplier
from ledger.transforms.common import (
    LINEAGE,
    add_binding,
    add_company,
    add_dates,
    binding_given_true,
    blank_to_null,
    link_checks,
    positive_number,
    source_checks,
    vocabulary,
)
from ledger.transforms.dates import known_before
from ledger.transforms.money import add_fx_rate, add_range, ambiguous_separator_checks, in_usd, resolve_currency
from ledger.transforms.problems import Check, annotate, required
from ledger.transforms.reference import References

KINDS = (
    "cloud_capacity",
    "chip_purchase",
    "capacity_backstop",
    "gpu_lease",
    "datacenter_lease",
    "power",
    "equity_for_purchase",
)
STATUSES = ("loi", "announced", "definitive", "amended", "terminated")

STAGED_COLUMNS = (
    "commitment_id",
    "buyer",
    "seller",
    "kind",
    "status",
    "binding",
    "announced_date",
    "announced_date_precision",
    "start_date",
    "start_date_precision",
    "end_date",
    "end_date_precision",
    "term_months",
    "currency",
    "amount_qualifier",
    "amount_usd_low",
    "amount_usd_mid",
    "amount_usd_high",
    "payment_schedule_usd",
    "fx_units_per_usd",
    "fx_rate_date",
    "gpu_count",
    "gpu_model",
    "power_gw",
    "part_of",
    "superseded_by",
    "confidence",
    "source_url",
    "source_publication",
    "retrieved_via",
    "source_date",
    "notes",
    *LINEAGE,
)

_SCHEDULE_ENTRY = r"^\s*(\d{4})\s*:\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*$"


def _schedule(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[Check]]:
    """`payment_schedule_usd`: the schedule's (year, usd) pairs, and checks on its text."""
    entries = pl.col("payment_schedule").str.strip_chars().str.strip_chars(";").str.split(";")
    frame = frame.with_row_index("_row").with_columns(entries.alias("_entries"))
    exploded = (
        frame.select("_row", "_entries", "unit", "fx_units_per_usd")
        .explode("_entries")
        .filter(pl.col("_entries").is_not_null() & (pl.col("_entries").str.strip_chars() != ""))
        .with_columns(
            pl.col("_entries").str.extract(_SCHEDULE_ENTRY, 1).cast(pl.Int32, strict=False).alias("year"),
            pl.col("_entries").str.extract(_SCHEDULE_ENTRY, 2).str.replace_all(",", "").cast(pl.Float64, strict=False).alias("v"),
        )
    )
    scale = unit_multiplier(pl.col("unit")).fill_null(1.0) / pl.col("fx_units_per_usd")
    per_row = exploded.group_by("_row").agg(
        pl.struct(pl.col("year"), (pl.col("v") * scale).alias("usd")).filter(pl.col("year").is_not_null()).alias("_pairs"),
        (pl.col("year").is_null() | pl.col("v").is_null()).any().alias("_schedule_unreadable"),
        (pl.col("v") * scale).sum().alias("_schedule_usd_total"),
        pl.col("year").is_duplicated().any().alias("_schedule_repeats"),
    )
    frame = frame.join(per_row, on="_row", how="left").with_columns(
        pl.when(pl.col("_pairs").list.len() > 0).then(pl.col("_pairs").list.sort()).alias("payment_schedule_usd")
    )
    checks = [
        Check("payment_schedule", pl.col("_schedule_unreadable").fill_null(False), "payment_schedule is year:amount;year:amount"),
        Check("payment_schedule", pl.col("_schedule_repeats").fill_null(False), "payment_schedule gives a year twice"),
        Check(
            "payment_schedule",
            pl.col("_schedule_usd_total") > pl.col("amount_usd_high") * 1.0001,
            "payment_schedule adds up to more than the commitment's amount",
        ),
    ]
    return frame.drop("_row", "_entries", "_pairs"), checks


def normalize_compute_commitments(raw: pl.DataFrame, refs: References) -> pl.DataFrame:
    """Staged commitments with `_problems` set on rows that must be quarantined."""
    checks: list[Check] = [required("commitment_id")]
    frame, c = add_company(raw, "buyer", refs.company_aliases)
    checks += c
    frame, c = add_company(frame, "seller", refs.company_aliases)
    checks += c
    checks.append(Check("seller", pl.col("buyer") == pl.col("seller"), "buyer and seller are the same company"))
    kind, c = vocabulary("kind", KINDS)
    checks += c
    status, c = vocabulary("status", STATUSES)
    checks += c
    source, c = source_checks()
    checks += c
    frame = frame.with_columns(kind, status, *source, *(blank_to_null(c) for c in ("gpu_model", "part_of", "superseded_by")))
    frame, c = add_binding(frame, default=~pl.col("status").is_in(["loi", "terminated"]))
    checks += c
    checks.append(
        Check("binding", (pl.col("status") == "loi") & binding_given_true(), "a letter of intent (status loi) is not binding")
    )
    frame, c = add_dates(frame, ["announced_date", "start_date", "end_date", "source_date"], ["announced_date"])
    checks += c

    frame = frame.rename({"term_months": "term_months_text", "gpu_count": "gpu_count_text", "power_gw": "power_gw_text"})
    term_text = pl.col("term_months_text").str.strip_chars()
    term = term_text.cast(pl.Int32, strict=False)
    checks.append(
        Check(
            "term_months",
            term_text.is_not_null() & (term_text != "") & (term.is_null() | (term <= 0)),
            pl.format("term_months {} is not a whole number of months above zero", term_text),
        )
    )
    start = pl.coalesce(pl.col("start_date"), pl.col("announced_date"))
    derived_end = start.dt.offset_by(pl.format("{}mo", term)) - pl.duration(days=1)
    # An end derived from the start and the term keeps a null precision: it was not given.
    frame = frame.with_columns(term.alias("term_months"), pl.coalesce(pl.col("end_date"), derived_end).alias("end_date"))
    checks.append(
        Check(
            "end_date",
            known_before(pl.col("end_date"), pl.col("end_date_precision"), start),
            "the commitment ends before it starts",
        )
    )
    checks += link_checks("commitment_id")

    gpus, check = positive_number("gpu_count", "gpu_count_text")
    power, power_check = positive_number("power_gw", "power_gw_text")
    checks += [check, power_check]
    frame = frame.with_columns(gpus.cast(pl.Int64, strict=False).alias("gpu_count"), power.alias("power_gw"))

    frame, c = add_range(
        frame,
        low="amount_low",
        high="amount_high",
        out="amount",
        qualifier="amount_qualifier",
        unit="unit",
        up_to_low_fraction=refs.assumption("up_to_low_fraction", 0.5),
    )
    checks += c
    frame, c = resolve_currency(frame, "currency", ["amount_mark"], refs.currencies, required=False)
    checks += c
    checks.append(
        Check("currency", pl.col("amount_mid").is_not_null() & pl.col("currency").is_null(), "an amount needs its currency")
    )
    checks += ambiguous_separator_checks(["amount_low", "amount_high"])
    frame, c = add_fx_rate(frame, refs.fx_rates, "announced_date")
    checks += c
    frame = frame.with_columns(*in_usd("amount"))
    frame, c = _schedule(frame)
    checks += c
    frame = annotate(frame, checks)
    return frame.select(*STAGED_COLUMNS, "_problem_columns", "_problems")
