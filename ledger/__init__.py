"""Compute Ledger's library: everything that needs no Dagster.

- `ledger.transforms`: pure Polars transforms — reading input files, normalizing each
  entity (amounts, currencies, dates, canonical names), duplicates and cross-source rules;
- `ledger.quality`: the Great Expectations suites and how a table is validated;
- `ledger.warehouse`: the DuckDB file — connections and the write lock, schemas, loads,
  staging with quarantine and reconciliation, SQL files, previews;
- `ledger.settings`, `ledger.sql_text`: where things are, and what a SQL text reads.

`assets/` wraps these in Dagster assets and checks; `pipelines/` is the code location
(jobs, schedules, sensors, the command line). Imports go that way only.
"""
