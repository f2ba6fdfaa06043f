"""The input entities: which files hold them and which columns they must have.

The formats are documented for users in data/README.md; this is the same contract in code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entity:
    """An input file format: its name (also the file-name prefix), id column and columns."""

    name: str
    id_column: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    #: Staged columns that identify a fact, when it is not the id column alone.
    staged_key: tuple[str, ...] = ()

    @property
    def key(self) -> list[str]:
        return list(self.staged_key or (self.id_column,))

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


#: Where a figure comes from: the primary document or original publication (`source_url`,
#: `source_publication`), and the mirror or aggregator it was read on, if any (`retrieved_via`).
_SOURCE = ("confidence", "source_url", "source_publication", "retrieved_via", "source_date", "notes")

FUNDING_EVENTS = Entity(
    "funding_events",
    "event_id",
    required=(
        "event_id",
        "company",
        "round_id",
        "announced_date",
        "instrument",
        "amount_high",
        "currency",
        "status",
    ),
    optional=(
        "amount_low",
        "round_name",
        "closed_date",
        "amount_qualifier",
        "unit",
        "investors",
        "vendor_investor",
        "vendor_amount_low",
        "vendor_amount_high",
        "vendor_amount_qualifier",
        "round_total_low",
        "round_total_high",
        "binding",
        "part_of",
        "superseded_by",
        "same_fact_as",
        *_SOURCE,
    ),
)

GPU_PRICES = Entity(
    "gpu_prices",
    "quote_id",
    required=(
        "quote_id",
        "gpu_model",
        "price_type",
        "price_high",
        "currency",
        "observed_date",
    ),
    optional=(
        "price_low",
        "price_qualifier",
        "price_per",
        "gpus_per_instance",
        "billing_period",
        "provider",
        "region",
        *_SOURCE,
    ),
)

CASH_BURN = Entity(
    "cash_burn",
    "figure_id",
    required=(
        "figure_id",
        "company",
        "period_start",
        "period_end",
        "metric",
        "amount_high",
        "currency",
    ),
    optional=("amount_low", "amount_qualifier", "unit", "basis", *_SOURCE),
)

CLUSTERS = Entity(
    "clusters",
    "cluster_id",
    required=("cluster_id", "company", "cluster", "status", "gpu_model", "gpu_count_low", "gpu_count_high"),
    optional=(
        "phase",
        "gpu_count_unit",
        "gpu_model_2",
        "gpu_count_2_low",
        "gpu_count_2_high",
        "power_mw_low",
        "power_mw_high",
        "target_date",
        "reported_capex_low",
        "reported_capex_high",
        "capex_qualifier",
        "calculated_capex_low",
        "calculated_capex_high",
        "currency",
        "unit",
        *_SOURCE,
    ),
)

ALT_CURRENCY_FIGURES = Entity(
    "alt_currency_figures",
    "",
    required=("entity", "row_id", "column", "alt_amount_high", "alt_currency"),
    optional=("alt_amount_low", "alt_unit", "source_url", "source_publication", "source_date", "notes"),
    staged_key=("entity", "row_id", "figure", "alt_currency"),
)

COMPUTE_COMMITMENTS = Entity(
    "compute_commitments",
    "commitment_id",
    required=("commitment_id", "buyer", "seller", "kind", "announced_date", "status"),
    optional=(
        "amount_low",
        "amount_high",
        "amount_qualifier",
        "currency",
        "unit",
        "start_date",
        "term_months",
        "end_date",
        "payment_schedule",
        "binding",
        "gpu_count",
        "gpu_model",
        "power_gw",
        "part_of",
        "superseded_by",
        *_SOURCE,
    ),
)

ENTITIES: dict[str, Entity] = {
    e.name: e for e in (FUNDING_EVENTS, GPU_PRICES, CASH_BURN, CLUSTERS, ALT_CURRENCY_FIGURES, COMPUTE_COMMITMENTS)
}

REFERENCE: dict[str, Entity] = {
    "fx_rates": Entity("fx_rates", "", ("currency", "rate_date", "units_per_usd"), ("source_url", "source_publication")),
    "gpu_catalog": Entity(
        "gpu_catalog",
        "gpu_model",
        ("gpu_model", "aliases", "vendor"),
        ("family", "h100e_factor", "tdp_watts", "memory_gb", "source_url", "available_date", "available_source_url"),
    ),
    "company_aliases": Entity("company_aliases", "company", ("company", "aliases", "kind", "sells_compute"), ("source_url",)),
    "source_domains": Entity("source_domains", "domain", ("domain", "kind", "why"), ()),
    "assumptions": Entity(
        "assumptions",
        "name",
        ("name", "value_low", "value_mid", "value_high"),
        ("unit", "description", "source_url", "source_publication", "source_date"),
    ),
}
