"""Jobs: `refresh_all` materializes every asset on the configured inputs."""

from __future__ import annotations

import dagster as dg

refresh_all = dg.define_asset_job(
    "refresh_all",
    selection=dg.AssetSelection.all(),
    description="Everything: reference tables, raw inputs, staging and marts, on the configured inputs.",
)

JOBS = [refresh_all]
