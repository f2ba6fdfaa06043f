"""The Compute Ledger code location."""

import dagster as dg

from assets.checks import SUITE_CHECKS
from assets.epoch import EPOCH_ASSETS
from assets.landing import landing_files
from assets.marts import MART_ASSETS
from assets.price_index import gpu_price_index
from assets.quotes import QUOTE_ASSETS
from assets.reference import REFERENCE_ASSETS
from assets.report import REPORT_ASSETS
from assets.resources import default_resources
from assets.review import REVIEW_ASSETS
from assets.sources import RAW_ASSETS
from assets.staging import STAGING_ASSETS
from pipelines.jobs import JOBS
from pipelines.schedules import SCHEDULES
from pipelines.sensors import SENSORS

defs = dg.Definitions(
    assets=[
        *REFERENCE_ASSETS,
        landing_files,
        *RAW_ASSETS,
        *EPOCH_ASSETS,
        *STAGING_ASSETS,
        *QUOTE_ASSETS,
        gpu_price_index,
        *MART_ASSETS,
        *REPORT_ASSETS,
        *REVIEW_ASSETS,
    ],
    asset_checks=SUITE_CHECKS,
    jobs=JOBS,
    schedules=SCHEDULES,
    sensors=SENSORS,
    resources=default_resources(),
    # Every writing step takes the warehouse's one write lock in turn, so separate step
    # processes would only add start-up time (each re-imports Polars, DuckDB and GX).
    executor=dg.in_process_executor,
)
