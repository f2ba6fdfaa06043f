"""Epoch AI's published datasets as raw tables, read from COMPUTE_LEDGER_EPOCH_DIR.

Epoch AI (epoch.ai) publishes its data hubs under CC-BY 4.0. Each export is kept as
ingested in `raw.epoch_<file>`; the staging assets map its rows into our entities with the
adapters in `ledger.transforms.epoch`. Without COMPUTE_LEDGER_EPOCH_DIR these assets read
nothing, leave their tables empty, and say so.

The exports are one asset each and one step together (`epoch_exports`, subsettable): they
are published and downloaded together, and a step per export cost a run about 0.1 s each
in Dagster's step events and a warehouse connection, mostly to write empty tables. The
step writes the exports it can read, in one transaction, and then fails naming the ones
it could not; downstream staging waits for the step either way.
"""

import dagster as dg
import polars as pl

from assets.landing import LANDING_KEY
from assets.policies import IO_RETRY, fail_for_unread, read_selected, retry_only_transient_io
from assets.resources import Inputs, Warehouse
from ledger.settings import PROJECT_DIR
from ledger.transforms.epoch import EPOCH_FILES, read_epoch_file
from ledger.transforms.epoch_source import epoch_file
from ledger.transforms.reading import file_sha256
from ledger.warehouse import now, replace_table

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

_FILE_BY_KEY = {asset_key(name): name for name in EPOCH_FILES}


@dg.multi_asset(
    name="epoch_exports",
    specs=[
        dg.AssetSpec(
            asset_key(name),
            group_name="sources",
            kinds={"duckdb", "csv"},
            deps=[LANDING_KEY],
            description=f"{spec.description} As published by Epoch AI (CC-BY 4.0), read from "
            f"`{name}` in COMPUTE_LEDGER_EPOCH_DIR; empty when it is not set.",
        )
        for name, spec in EPOCH_FILES.items()
    ],
    can_subset=True,
    retry_policy=IO_RETRY,
)
def epoch_exports(context: dg.AssetExecutionContext, warehouse: Warehouse, inputs: Inputs):
    """Each selected export read, then every one that could be read written to its
    `raw.epoch_*` table (replaced whole) in one transaction."""
    read, failed = read_selected(
        context, lambda key: _read_export(inputs, _FILE_BY_KEY[key], context.run.run_id), lambda key: _FILE_BY_KEY[key]
    )
    with retry_only_transient_io(), warehouse.write() as con:
        rows = {key: replace_table(con, table_name(_FILE_BY_KEY[key]), frame) for key, (frame, _) in read.items()}
    for key, (_, note) in read.items():
        yield dg.MaterializeResult(asset_key=key, metadata={"dagster/row_count": rows[key], "source": note})
    fail_for_unread("Epoch exports", failed)


def _read_export(inputs: Inputs, file_name: str, run_id: str) -> tuple[pl.DataFrame, str]:
    """The export as a raw table and a note on where it came from (empty without an Epoch folder)."""
    path = epoch_file(inputs.epoch_dir, file_name, CACHE_DIR)
    if path is None:
        return _EMPTY, "COMPUTE_LEDGER_EPOCH_DIR is not set: nothing read (offline, bundled data only)"
    frame = read_epoch_file(path).with_columns(
        pl.lit(file_sha256(path)).alias("file_sha256"),
        pl.lit(now()).alias("loaded_at"),
        pl.lit(run_id).alias("run_id"),
    )
    return frame, f"read {path}"


EPOCH_ASSETS = [epoch_exports]
