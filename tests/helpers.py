"""What tests share: the project's folders, real Dagster runs into a warehouse file, queries
on it, and pure-transform inputs built without a warehouse."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from assets.resources import Inputs, Warehouse
from ledger.transforms.entities import ENTITIES
from ledger.transforms.normalize import normalize
from ledger.transforms.reference import References, read_references
from pipelines.definitions import defs

TESTS_DIR = Path(__file__).resolve().parent
PROJECT_DIR = TESTS_DIR.parent
MINI_INPUT = TESTS_DIR / "fixtures" / "mini_input"

#: Debian's Chromium, driven by Playwright (tests/test_ui.py, tests/test_report.py), with
#: no background networking: nothing it loads may reach the network.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
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


MINI_REFERENCE = MINI_INPUT / "reference"


def references(folder: Path = MINI_REFERENCE) -> References:
    return read_references(folder)


def raw_rows(entity: str, rows: list[dict]) -> pl.DataFrame:
    """Raw rows as the raw table holds them: every entity column as text plus lineage."""
    columns = ENTITIES[entity].columns
    data = {c: [r.get(c) for r in rows] for c in columns}
    frame = pl.DataFrame(data, schema={c: pl.String for c in columns})
    return frame.with_columns(
        pl.lit("curated").alias("dataset"),
        pl.lit("test.csv").alias("source_file"),
        pl.Series("row_number", list(range(2, len(rows) + 2)), dtype=pl.Int64),
    ).with_columns(pl.format("test.csv:{}", "row_number").alias("raw_row_id"))


def staged(entity: str, rows: list[dict], refs: References | None = None) -> pl.DataFrame:
    return normalize(entity, raw_rows(entity, rows), refs or references())


def sensor_tick(instance: dg.DagsterInstance) -> list[dg.RunRequest]:
    """One tick of the landing-folder sensor on `instance`: the runs it asks for."""
    from pipelines.sensors import landing_folder

    context = dg.build_sensor_context(repository_def=defs.get_repository_def(), instance=instance)
    result = landing_folder(context)
    return [] if isinstance(result, dg.SkipReason) else list(result.run_requests or [])


def run_request(request: dg.RunRequest, resources: dict, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    """Execute a sensor's run request in this process, on the test's warehouse."""
    local = dg.Definitions(
        assets=list(defs.assets), asset_checks=list(defs.asset_checks), jobs=list(defs.jobs), resources=resources
    )
    return local.resolve_job_def(request.job_name).execute_in_process(
        asset_selection=request.asset_selection, tags=request.tags, instance=instance, raise_on_error=False
    )
