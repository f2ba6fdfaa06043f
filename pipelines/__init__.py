"""Compute Ledger's Dagster code location: definitions, resources, jobs, schedules, sensors."""
