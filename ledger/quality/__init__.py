"""Data quality: Great Expectations suites (expectations/*.yaml) run over staged tables.

Pure: no Dagster here. Great Expectations is imported only when a suite runs (its import
takes seconds), never when this package is imported.
"""
