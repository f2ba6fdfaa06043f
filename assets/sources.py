"""Raw tables: every input row as ingested, as text, with its file, row and load time."""


from pathlib import Path

import dagster as dg

from assets.reference import WAREHOUSE_POOL
from assets.timing import Stopwatch
from assets.transforms.discovery import entity_files
from assets.transforms.entities import ENTITIES, Entity
from assets.transforms.reading import file_sha256, iter_file_batches, read_header, scan_entity_file
from assets.warehouse import append_raw_batches, create_raw_table, now
from pipelines.resources import Inputs, Warehouse

GROUP = "sources"

_DESCRIPTIONS = {
    "funding_events": "Funding events as ingested: equity, debt, vendor money and valuations, one row per tranche.",
    "gpu_prices": "GPU price quotes as ingested: purchase prices and rental rates, as quoted.",
    "cash_burn": "Burn, revenue, capex and cash-on-hand figures as ingested.",
    "clusters": "Compute-cluster phases as ingested: GPUs, power, dates, reported capex.",
    "alt_currency_figures": "Figures the sources also printed in a second currency, as ingested.",
}


def load_entity_files(con, entity: Entity, files: list[tuple[Path, str, str]], run_id: str) -> dict[str, int]:
    """Replace `raw.<entity>` by the rows of `files` ((path, name shown, dataset) each).
    Call inside a transaction: a file that cannot be read rolls the whole table back."""
    table = f"raw.{entity.name}"
    create_raw_table(con, entity, table)
    loaded_at = now()
    rows: dict[str, int] = {}
    for path, shown, dataset in files:
        width = len(read_header(path))
        scan = scan_entity_file(path, entity, shown)
        rows[shown] = append_raw_batches(
            con, table, iter_file_batches(scan, path, width),
            dataset=dataset, file_sha256=file_sha256(path), loaded_at=loaded_at, run_id=run_id,
        )
    return rows


def _raw_asset(entity: Entity) -> dg.AssetsDefinition:
    @dg.asset(
        name=entity.name,
        key_prefix=["raw"],
        group_name=GROUP,
        kinds={"duckdb", "csv"},
        pool=WAREHOUSE_POOL,
        description=_DESCRIPTIONS[entity.name]
        + f" Read from `{entity.name}*.csv` in the input folder (COMPUTE_LEDGER_INPUT).",
    )
    def raw_entity(context: dg.AssetExecutionContext, warehouse: Warehouse, inputs: Inputs) -> dg.MaterializeResult:
        watch = Stopwatch()
        files = [(p, p.name, "curated") for p in entity_files(inputs.folder, entity.name)]
        with warehouse.write() as con:
            rows = load_entity_files(con, entity, files, context.run_id)
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": sum(rows.values()),
                "rows_per_file": dg.MetadataValue.json(rows),
                "input_folder": str(inputs.folder),
                "seconds": watch.seconds,
            }
        )

    return raw_entity


RAW_ASSETS = [_raw_asset(e) for e in ENTITIES.values()]
