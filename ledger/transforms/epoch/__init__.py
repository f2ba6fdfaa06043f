"""Epoch AI exports → rows of our own entity formats (pure Polars, no Dagster).

`read_epoch_file(path)` reads one export as text with lineage; `adapt_<file stem>(raw)`
turns it into rows of one entity (`EPOCH_FILES` says which), which the ordinary normalizers
(`ledger.transforms.normalize.normalize`) then stage exactly like curated rows. Every
adapter output has the entity's columns (text), `dataset`, `source_file`, `row_number`,
`raw_row_id` (of the Epoch row) and `adapter_problem`. One Epoch row may give several
entity rows (all with its `raw_row_id`); a row, or a part of one, that cannot be mapped
gives a row with `adapter_problem` set and no id — route those to quarantine, not to the
normalizer. Nothing is dropped silently. Ids start with "epoch-" and come from the row's
content (names, dates, a SHA-1 of the cells), never from row order alone except to tell
apart rows Epoch wrote identically.

Every row: `source_publication` names Epoch AI, the data hub and the file; `source_url` is
the row's own source (the first URL in it), else the data hub. Amounts are US dollars with
unit `one` (Epoch's plain dollars) unless said otherwise; dates YYYY-MM-DD.

ai_companies_funding_rounds.csv → funding_events
    One row per non-zero amount: "Funding (equity)" → equity, "Funding (debt)" → debt,
    "Valuation (post-money)" → valuation; they share round_id "epoch-<company>-<Epoch Id>"
    and event_id "<round_id>-<instrument>". Status Closed → closed, Late discussions →
    reported (Announced → announced); Confidence Confident/Likely/Uncertain →
    high/medium/low. announced_date = Report date, else Close date; closed_date = Close
    date when closed; source_date = Report date. Type: a Secondary sale (without Primary)
    raises no money for the company, so its equity figure is not a tranche (said in the
    notes) and only its valuation is kept; Epoch records 0 equity for tenders and the X
    merger (Type Other), which are valuation-only. Debt is a tranche whenever the debt
    column has an amount, whatever Type says. A row with the same company, close date,
    equity and debt as an earlier one (Mistral AI's June 2024 round is listed twice, once
    with $640M in the valuation column) is reported, not loaded twice. Epoch has no
    investors column, so no vendor money is marked.

gpu_clusters.csv → clusters
    One phase per row, cluster_id "epoch-gpuc-<Name>" (a content hash, then "-2"… when Epoch
    repeats a name: the 257 "Anonymized Chinese System" rows are distinct systems, even
    the ones whose cells are identical). Status Existing → operational, Planned → planned;
    Decommissioned is reported (we have no such status). Certainty Confirmed/Likely/
    Unlikely → high/medium/low. company = the first Owner when Epoch lists several (all are
    in the notes); a blank Owner → "Undisclosed owner" (a placeholder row in
    company_aliases.csv, kind other). Chip type & quantity primary/secondary → gpu_model(_2)
    and gpu_count(_2); when the primary type or quantity is blank, gpu_model H100 with
    Epoch's "H100 equivalents" as the count, gpu_count_unit h100e (it covers all chips, so
    no second model; the notes say so); neither → reported. Power Capacity (MW) → power; First Operational
    Date → target_date; Reported Cost → reported_capex, Calculated Cost → calculated_capex
    (USD, both kept). Source 1–5: the first URL; a Source 1 that is not a URL goes to the
    notes. Epoch's "possible duplicate" flags are kept in the notes, not acted on.

data_center_timelines.csv, xai_datacenter_timelines.csv → clusters
    Each dated snapshot is a phase: cluster_id "epoch-dc-<data center>-<date>" (xAI file:
    "epoch-xaidc-…"), phase "Epoch snapshot <date>", target_date = the date. Snapshots are
    cumulative for the site, not increments. Epoch gives H100-equivalents, not chips:
    gpu_model H100 with the H100e count, gpu_count_unit h100e. Power (MW) → power; "Total capital
    cost (2025 USD billions)" → calculated_capex, unit billion (2025 dollars; compute and
    construction parts in the notes). company = the first name in the data-center name
    ("Anthropic-Amazon Project Rainier …" → Anthropic, the lab it is built for). Status:
    operational when it has H100e and is dated on or before the export (EXPORT_DATES, from
    NOTICE.md); otherwise under_construction — 0 H100e is land clearing or building, and a
    later date is Epoch's projection (confidence low; observed snapshots medium). A blank
    H100e is reported.

hardware_prices.csv → gpu_prices
    Each price cell → one quote: "Price per chip-hour (on-demand / 1-year CUD / 3-year
    CUD)" → on_demand / reserved_1y / reserved_3y, per GPU-hour (Epoch's prices are per
    chip already, whatever the instance size). "Price (hardware purchase)" is per chip
    too: where "Number of GPUs" is above 1 the notes show Epoch divided a system's price
    by its GPUs ("DGX-1, 8 GPU", "$375,000.00 / 8 = 46 875 US$ per chip"), so it is
    server_per_gpu; otherwise purchase. price_per is always gpu. provider = Vendor, region
    = Location, observed_date = Price date. Confidence high for a sourced quote, low for
    Epoch's own estimates ("not a real sale price", "Estimated …") and unsourced ones
    ("No source", "Unknown" → the repository URL). quote_id carries a hash of the quote's
    content, so a quote Epoch lists twice is one fact (the normalizer counts a duplicate).

nvidia_annual_prices.csv → gpu_prices
    Each year × model ("<model> low" / "<model> high") → a purchase quote with that range,
    observed_date 1 July of the year (the middle of the year the range covers). Geomean
    ("$36,742") and Notes columns are commentary, kept in the notes; a price cell that is
    not a number ("TODO") or a note calling the figure unfinished ("A100 is stub and
    to-do", a bare "TODO") makes that model-year a reported problem, not a price. A
    model-year with no figures gives nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import polars as pl

from ledger.transforms.epoch.clusters import (
    adapt_data_center_timelines,
    adapt_gpu_clusters,
    adapt_xai_datacenter_timelines,
)
from ledger.transforms.epoch.common import ADAPTER_PROBLEM, output_schema
from ledger.transforms.epoch.funding import adapt_ai_companies_funding_rounds
from ledger.transforms.epoch.prices import adapt_hardware_prices, adapt_nvidia_annual_prices
from ledger.transforms.epoch.reading import read_epoch_file, unique_column_names


class EpochFile(NamedTuple):
    """What an Epoch export becomes: the entity, the adapter and a description."""

    entity: str
    adapter: Callable[[pl.DataFrame], pl.DataFrame]
    description: str


EPOCH_FILES: dict[str, EpochFile] = {
    "ai_companies_funding_rounds.csv": EpochFile(
        "funding_events",
        adapt_ai_companies_funding_rounds,
        "Epoch AI's AI-company funding rounds: equity and debt tranches and post-money valuations.",
    ),
    "gpu_clusters.csv": EpochFile(
        "clusters",
        adapt_gpu_clusters,
        "Epoch AI's GPU clusters: chips, owners, power, status and reported and calculated cost.",
    ),
    "data_center_timelines.csv": EpochFile(
        "clusters",
        adapt_data_center_timelines,
        "Epoch AI's frontier data centers over time: dated snapshots of H100-equivalents, power and capital cost.",
    ),
    "xai_datacenter_timelines.csv": EpochFile(
        "clusters",
        adapt_xai_datacenter_timelines,
        "Epoch AI's xAI Colossus 1 and 2 timelines: dated snapshots of H100-equivalents, power and capital cost.",
    ),
    "hardware_prices.csv": EpochFile(
        "gpu_prices",
        adapt_hardware_prices,
        "Epoch AI's hardware prices: purchase prices per chip and cloud prices per chip-hour.",
    ),
    "nvidia_annual_prices.csv": EpochFile(
        "gpu_prices",
        adapt_nvidia_annual_prices,
        "Epoch AI's yearly low-high price ranges for NVIDIA chips (A100, H100, GB200, GB300, H20).",
    ),
}

__all__ = [
    "ADAPTER_PROBLEM",
    "EPOCH_FILES",
    "EpochFile",
    "adapt_ai_companies_funding_rounds",
    "adapt_data_center_timelines",
    "adapt_gpu_clusters",
    "adapt_hardware_prices",
    "adapt_nvidia_annual_prices",
    "adapt_xai_datacenter_timelines",
    "output_schema",
    "read_epoch_file",
    "unique_column_names",
]
