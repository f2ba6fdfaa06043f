"""Pure transforms: reading, normalizing and checking input rows with Polars.

Nothing here imports Dagster; the assets in `assets/` are thin wiring around these.
"""
