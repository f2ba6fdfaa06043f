"""The Compute Ledger code location."""

import dagster as dg

from assets.checks import SUITE_CHECKS
from assets.marts import MART_ASSETS
from assets.reference import REFERENCE_ASSETS
from assets.sources import RAW_ASSETS
from assets.staging import STAGING_ASSETS
from pipelines.jobs import JOBS
from pipelines.resources import default_resources

defs = dg.Definitions(
    assets=[*REFERENCE_ASSETS, *RAW_ASSETS, *STAGING_ASSETS, *MART_ASSETS],
    asset_checks=SUITE_CHECKS,
    jobs=JOBS,
    resources=default_resources(),
)
