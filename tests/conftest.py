"""Shared fixtures: real warehouse files in temporary folders, built by real Dagster runs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import defs
from pipelines.resources import Inputs, Warehouse

# Data Docs are built only by the test that checks them (building them costs seconds a run).
os.environ.setdefault("COMPUTE_LEDGER_GX_DOCS", "off")
# Files the tests write are complete when written: no waiting for them to settle (the
# tests of that rule set their own interval).
os.environ.setdefault("COMPUTE_LEDGER_SETTLE_SECONDS", "0")

TESTS_DIR = Path(__file__).resolve().parent
PROJECT_DIR = TESTS_DIR.parent
MINI_INPUT = TESTS_DIR / "fixtures" / "mini_input"
BUNDLED_INPUT = PROJECT_DIR / "data" / "input"


def _shared_dir() -> Path:
    """The team's shared folder (Epoch exports, seeds): `COMPUTE_LEDGER_SHARED_DIR`, else
    `../shared` beside the checkout, else /work/shared (a CI clone may live elsewhere)."""
    if os.environ.get("COMPUTE_LEDGER_SHARED_DIR"):
        return Path(os.environ["COMPUTE_LEDGER_SHARED_DIR"])
    for candidate in (PROJECT_DIR.parent / "shared", Path("/work/shared")):
        if candidate.is_dir():
            return candidate
    return PROJECT_DIR.parent / "shared"


SHARED_DIR = _shared_dir()


def all_assets():
    """Every asset and asset check of the code location."""
    return [*defs.assets, *defs.asset_checks]


def materialize_everything(
    db: Path,
    input_dir: Path,
    as_of: str = "",
    *,
    raise_on_error: bool = True,
    quotes_dir: Path | None = None,
    landing_dir: Path | None = None,
):
    """One real Dagster run of every asset into `db`, on an ephemeral instance, launched
    as the UI's Launchpad does by default: no partition, so the quote feed loads the days
    that have files."""
    return dg.materialize(
        all_assets(),
        resources={
            "warehouse": Warehouse(path=str(db)),
            "inputs": Inputs(
                input_dir=str(input_dir),
                as_of=as_of,
                quotes_dir=str(quotes_dir or input_dir / "quotes"),
                landing_dir=str(landing_dir or input_dir / "landing"),
            ),
        },
        raise_on_error=raise_on_error,
    )


def query(db: Path, sql: str, params=None) -> list[dict]:
    """Rows of a read-only query as dicts."""
    with duckdb.connect(str(db), read_only=True) as con:
        frame = con.sql(sql, params=params).pl() if params else con.sql(sql).pl()
    return frame.to_dicts()


def copy_input(src: Path, dest: Path) -> Path:
    """A writable copy of an input folder."""
    shutil.copytree(src, dest)
    return dest


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
