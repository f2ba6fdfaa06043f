"""Compute Ledger's assets (Dagster wiring) and the pure transforms they wrap.

Import the asset modules from `pipelines.definitions`; importing this package stays cheap
so the pure parts (`ledger.transforms`, `ledger.warehouse`) load without Dagster assets.
"""
