"""Test settings, and the shared fixtures: real warehouse files in temporary folders, built by
real Dagster runs (the helpers they use are in helpers.py)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Data Docs are built only by the tests that check them (building them costs seconds a run).
os.environ.setdefault("COMPUTE_LEDGER_GX_DOCS", "off")
# Validation results are reused across the session's tests when a suite sees the same
# data again, as they are for a user between runs (tests of the reuse set their own).
if "COMPUTE_LEDGER_CACHE" not in os.environ:
    os.environ["COMPUTE_LEDGER_CACHE"] = tempfile.mkdtemp(prefix="compute-ledger-cache-")
    atexit.register(shutil.rmtree, os.environ["COMPUTE_LEDGER_CACHE"], True)
# Files the tests write are complete when written: no waiting for them to settle (the
# tests of that rule set their own interval).
os.environ.setdefault("COMPUTE_LEDGER_SETTLE_SECONDS", "0")
# Runs write their report here, not into the checkout (one folder per test process).
if "COMPUTE_LEDGER_REPORT" not in os.environ:
    _report_dir = tempfile.mkdtemp(prefix="compute-ledger-report-")
    os.environ["COMPUTE_LEDGER_REPORT"] = str(Path(_report_dir) / "index.html")
    atexit.register(shutil.rmtree, _report_dir, True)

# (imported after the settings above: helpers load the code location)
from helpers import BUNDLED_INPUT, MINI_INPUT, materialize_everything


@pytest.fixture(scope="session")
def mini_warehouse(tmp_path_factory) -> Path:
    """The synthetic fixture, materialized once as of 2025-09-30."""
    db = tmp_path_factory.mktemp("mini") / "warehouse.duckdb"
    materialize_everything(db, MINI_INPUT, "2025-09-30")
    return db


@pytest.fixture(scope="session")
def bundled_warehouse(tmp_path_factory) -> Path:
    """The bundled curated data, materialized once as of 2026-11-01."""
    db = tmp_path_factory.mktemp("bundled") / "warehouse.duckdb"
    materialize_everything(db, BUNDLED_INPUT, "2026-11-01")
    return db
