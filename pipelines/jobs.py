"""Jobs: everything, and one per domain (what a landed file or a schedule refreshes)."""

from __future__ import annotations

import dagster as dg

from assets.landing import LANDING_KEY
from assets.review import CANDIDATES_KEY

RAW = {
    "funding": [["raw", "funding_events"], ["raw", "alt_currency_figures"]],
    "prices": [["raw", "gpu_prices"], ["raw", "gpu_price_quotes"]],
    "burn": [["raw", "cash_burn"]],
    "clusters": [["raw", "clusters"]],
    "commitments": [["raw", "compute_commitments"]],
}

refresh_all = dg.define_asset_job(
    "refresh_all",
    selection=dg.AssetSelection.all(),
    description="Everything: reference tables, landing files, raw inputs, staging, checks and marts, on the "
    "configured inputs. Launched without a partition (the Launchpad's default), the quote feed loads the days "
    "that have files; choose a range of days to reload those, or every day for a full rebuild.",
)


def domain_selection(domain: str) -> dg.AssetSelection:
    """A domain's raw assets, the landing triage before them, and everything downstream."""
    raw = dg.AssetSelection.assets(*RAW[domain])
    return dg.AssetSelection.assets(LANDING_KEY) | raw.downstream()


DOMAIN_JOBS = {
    domain: dg.define_asset_job(
        domain,
        selection=domain_selection(domain),
        description=f"The {domain} inputs and every mart built from them.",
    )
    for domain in RAW
}
DOMAIN_JOBS["review"] = dg.define_asset_job(
    "review",
    selection=dg.AssetSelection.assets(LANDING_KEY, CANDIDATES_KEY),
    description="News articles dropped in the landing folder: accepted there, then read for candidate facts "
    "(review.candidate_facts) with the reviewer's decisions applied.",
)

#: One day of the quote feed and what is built from it (the quote checks and the price
#: index, which rebuilds only that day's month): what the daily schedule runs, and what
#: the benchmark's "one new day" measures.
QUOTE_FEED_SELECTION = dg.AssetSelection.assets(["raw", "gpu_price_quotes"]).downstream()

daily_quotes = dg.define_asset_job(
    "daily_quotes",
    selection=QUOTE_FEED_SELECTION,
    description="One day's GPU price quotes (a partition of the feed), their checks, and the price index for that "
    "day's month; without a partition, the days that have files. The curated price points are refreshed by the "
    "prices job.",
)

ENTITY_DOMAIN = {
    "funding_events": "funding",
    "alt_currency_figures": "funding",
    "gpu_prices": "prices",
    "cash_burn": "burn",
    "clusters": "clusters",
    "compute_commitments": "commitments",
    "articles": "review",
}
#: The asset whose materialization means an entity's accepted files were taken in: its
#: staged table, or for articles the candidate facts.
ENTITY_BUILT_BY = {entity: dg.AssetKey(["staging", entity]) for entity in ENTITY_DOMAIN} | {"articles": CANDIDATES_KEY}
#: What a landed file of an entity starts: its raw asset and everything built from it.
ENTITY_ROOT = {entity: dg.AssetKey(["raw", entity]) for entity in ENTITY_DOMAIN} | {"articles": CANDIDATES_KEY}

JOBS = [refresh_all, *DOMAIN_JOBS.values(), daily_quotes]
