"""Epoch AI's published datasets as raw tables, read from COMPUTE_LEDGER_EPOCH_DIR.

Epoch AI (epoch.ai) publishes its data hubs under CC-BY 4.0. Each export is kept as
ingested in `raw.epoch_<file>`; the staging assets map its rows into our entities with the
adapters in `assets.transforms.epoch`. Without COMPUTE_LEDGER_EPOCH_DIR these assets read
nothing, leave their tables empty, and say so.
"""

import dagster as dg
import polars as pl

from assets.landing import LANDING_KEY
from assets.policies import IO_RETRY, WAREHOUSE_POOL, retry_only_transient_io
from assets.resources import Inputs, Warehouse
from assets.settings import PROJECT_DIR
from assets.timing import Stopwatch
from assets.transforms.epoch import EPOCH_FILES, read_epoch_file
from assets.transforms.epoch_source import epoch_file
from assets.transforms.reading import file_sha256
from assets.warehouse import now, replace_table

CACHE_DIR = PROJECT_DIR / "data" / "epoch_cache"


def table_name(file_name: str) -> str:
    """`raw.epoch_<stem>` for an Epoch export."""
    return f"raw.epoch_{file_name.removesuffix('.csv')}"


def asset_key(file_name: str) -> dg.AssetKey:
    return dg.AssetKey(table_name(file_name).split("."))


def files_for(entity: str) -> list[str]:
    """The Epoch exports that map into `entity`."""
    return [name for name, spec in EPOCH_FILES.items() if spec.entity == entity]


_EMPTY = pl.DataFrame(
    schema={
        "source_file": pl.String,
        "row_number": pl.Int64,
        "raw_row_id": pl.String,
        "dataset": pl.String,
        "file_sha256": pl.String,
        "loaded_at": pl.Datetime(time_zone="UTC"),
        "run_id": pl.String,
    }
)


def _epoch_asset(file_name: str) -> dg.AssetsDefinition:
    spec = EPOCH_FILES[file_name]

    @dg.asset(
        key=asset_key(file_name),
        group_name="sources",
        kinds={"duckdb", "csv"},
        pool=WAREHOUSE_POOL,
        retry_policy=IO_RETRY,
        deps=[LANDING_KEY],
        description=f"{spec.description} As published by Epoch AI (CC-BY 4.0), read from "
        f"`{file_name}` in COMPUTE_LEDGER_EPOCH_DIR; empty when it is not set.",
    )
    def epoch_export(context: dg.AssetExecutionContext, warehouse: Warehouse, inputs: Inputs) -> dg.MaterializeResult:
        watch = Stopwatch()
        with retry_only_transient_io():
            path = epoch_file(inputs.epoch_dir, file_name, CACHE_DIR)
            if path is None:
                frame, note = _EMPTY, "COMPUTE_LEDGER_EPOCH_DIR is not set: nothing read (offline, bundled data only)"
            else:
                frame = read_epoch_file(path).with_columns(
                    pl.lit(file_sha256(path)).alias("file_sha256"),
                    pl.lit(now()).alias("loaded_at"),
                    pl.lit(context.run.run_id).alias("run_id"),
                )
                note = f"read {path}"
            with warehouse.write() as con:
                rows = replace_table(con, table_name(file_name), frame)
        return dg.MaterializeResult(metadata={"dagster/row_count": rows, "source": note, "seconds": watch.seconds})

    return epoch_export


EPOCH_ASSETS = [_epoch_asset(name) for name in EPOCH_FILES]
