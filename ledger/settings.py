"""Where things are: the project's folders and the settings read from the environment.

No Dagster here, so the command line's read-only `sql` starts without importing it.
"""

from __future__ import annotations

import os
from pathlib import Path

_SOURCE_ROOT = Path(__file__).resolve().parent.parent
#: Run from a checkout (or an editable install of one), the files the code reads sit beside
#: the packages; installed from a wheel, they are copied into the package (`_project/`).
_FROM_CHECKOUT = (_SOURCE_ROOT / "sql").is_dir() and (_SOURCE_ROOT / "expectations").is_dir()

#: The files the code reads and never writes: `sql/`, `expectations/`, the bundled inputs
#: (`data/input/`), `dagster.yaml` and `workspace.yaml`.
RESOURCE_DIR = _SOURCE_ROOT if _FROM_CHECKOUT else Path(__file__).resolve().parent / "_project"

#: Where the ledger writes: the warehouse, landing and quote folders, caches and the run
#: history (`.dagster_home`). `COMPUTE_LEDGER_HOME`, else the checkout, else (installed from
#: a wheel) the current folder.
PROJECT_DIR = Path(os.environ.get("COMPUTE_LEDGER_HOME") or (_SOURCE_ROOT if _FROM_CHECKOUT else Path.cwd())).resolve()

DEFAULT_WAREHOUSE = PROJECT_DIR / "data" / "warehouse.duckdb"
DEFAULT_INPUT = RESOURCE_DIR / "data" / "input"
DEFAULT_QUOTES = PROJECT_DIR / "data" / "quotes"
DEFAULT_LANDING = PROJECT_DIR / "data" / "landing"
DEFAULT_DOCS_DIR = PROJECT_DIR / "data" / "gx_docs"
DEFAULT_CACHE_DIR = PROJECT_DIR / "data" / "cache"
DEFAULT_REPORT = PROJECT_DIR / "data" / "report" / "index.html"
DEFAULT_DECISIONS = PROJECT_DIR / "data" / "review" / "decisions.csv"


def warehouse_path() -> str:
    """`COMPUTE_LEDGER_DB`, else data/warehouse.duckdb in the project."""
    return os.environ.get("COMPUTE_LEDGER_DB") or str(DEFAULT_WAREHOUSE)


def report_path() -> Path:
    """`COMPUTE_LEDGER_REPORT`, else data/report/index.html in the project."""
    return Path(os.environ.get("COMPUTE_LEDGER_REPORT") or DEFAULT_REPORT)


def decisions_path() -> Path:
    """The reviewer's decisions on candidate facts: `COMPUTE_LEDGER_DECISIONS`, else
    data/review/decisions.csv in the project."""
    return Path(os.environ.get("COMPUTE_LEDGER_DECISIONS") or DEFAULT_DECISIONS)


def landing_path() -> str:
    """`COMPUTE_LEDGER_LANDING`, else data/landing in the project."""
    return os.environ.get("COMPUTE_LEDGER_LANDING") or str(DEFAULT_LANDING)


def docs_dir() -> Path | None:
    """Where GX Data Docs are built during runs: `COMPUTE_LEDGER_GX_DOCS`; unset or "off"
    for none (`compute-ledger docs` builds them on demand into data/gx_docs)."""
    value = os.environ.get("COMPUTE_LEDGER_GX_DOCS", "off")
    return None if value.lower() in ("", "off") else Path(value)


def validation_cache_dir() -> Path | None:
    """Where validation results are kept for reuse on unchanged data:
    `COMPUTE_LEDGER_CACHE`, else data/cache; "off" for none."""
    value = os.environ.get("COMPUTE_LEDGER_CACHE", str(DEFAULT_CACHE_DIR))
    return None if value.lower() in ("", "off") else Path(value) / "validation"
