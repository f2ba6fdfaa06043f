"""Staged tables: normalized, in US dollars, canonical names, every figure low/mid/high.

Each entity's staging step reads its raw rows (curated files and landed ones) and the raw
Epoch AI exports that map into it, normalizes them all with the same rules, resolves facts
given by two sources (`assets.transforms.cross_source`), and writes in one transaction.
Rows that break a rule go to `quarantine.rejected_rows` with the reason; every row read is
counted in `audit.reconciliation` as loaded, duplicate or quarantined.
"""

import dagster as dg
import polars as pl

from assets.epoch import asset_key as epoch_asset_key
from assets.epoch import files_for, table_name
from assets.policies import WAREHOUSE_POOL
from assets.reference import REFERENCE_ASSETS, load_references
from assets.timing import Stopwatch
from assets.transforms.cross_source import resolve_sources
from assets.transforms.entities import ENTITIES, Entity
from assets.transforms.epoch import EPOCH_FILES
from assets.transforms.epoch.common import ADAPTER_PROBLEM
from assets.transforms.normalize import normalize
from assets.transforms.problems import PROBLEM_COLUMNS, PROBLEMS
from assets.warehouse import (
    frame_to_markdown,
    mark_price_months_touched,
    raw_records,
    read_table,
    write_staged,
)
from pipelines.resources import Warehouse

GROUP = "staging"

_DESCRIPTIONS = {
    "funding_events": "Funding tranches in US dollars (low/mid/high) at the rate of their announcement date, "
    "with canonical company names and the part that is vendor money.",
    "gpu_prices": "GPU prices in US dollars: purchase prices per GPU and rentals per GPU-hour.",
    "cash_burn": "Burn, revenue, capex and cash in US dollars, with a monthly rate for flows.",
    "clusters": "Cluster phases with canonical GPU models, counts, power (MW) and reported capex in US dollars.",
    "alt_currency_figures": "Figures restated in a second currency by their source, in plain units of that currency.",
}


def _table_exists(con, table: str) -> bool:
    schema, name = table.split(".")
    query = "select count(*) from information_schema.tables where table_schema = ? and table_name = ?"
    return bool(con.execute(query, [schema, name]).fetchall()[0][0])


def _epoch_rows(con, entity: str) -> tuple[pl.DataFrame | None, pl.DataFrame | None, list[pl.DataFrame]]:
    """Epoch rows mapped into `entity`: (rows to normalize, rows the adapter could not map,
    the Epoch records read)."""
    mapped, problems, records = [], [], []
    for file_name in files_for(entity):
        table = table_name(file_name)
        if not _table_exists(con, table):
            continue
        raw = read_table(con, table)
        if raw.height == 0:
            continue
        records.append(raw_records(raw))
        adapted = EPOCH_FILES[file_name].adapter(raw.drop("file_sha256", "loaded_at", "run_id"))
        mapped.append(adapted.filter(pl.col(ADAPTER_PROBLEM).is_null()).drop(ADAPTER_PROBLEM))
        problems.append(
            adapted.filter(pl.col(ADAPTER_PROBLEM).is_not_null()).select(
                "dataset",
                "source_file",
                "row_number",
                "raw_row_id",
                pl.lit("(Epoch row)").alias(PROBLEM_COLUMNS),
                pl.format("Epoch AI export: {}", ADAPTER_PROBLEM).alias(PROBLEMS),
                pl.lit(None, pl.String).alias("_duplicate_of"),
            )
        )
    return (
        pl.concat(mapped, how="diagonal_relaxed") if mapped else None,
        pl.concat(problems, how="diagonal_relaxed") if problems else None,
        records,
    )


def stage_entity(con, entity: Entity, run_id: str):
    """Normalize `raw.<entity>` and the Epoch rows for it into `staging.<entity>`; returns
    the load counts."""
    table = f"staging.{entity.name}"
    raw = read_table(con, f"raw.{entity.name}")
    epoch, epoch_problems, epoch_records = _epoch_rows(con, entity.name)
    rows = raw if epoch is None else pl.concat([raw, epoch], how="diagonal_relaxed")
    annotated = normalize(entity.name, rows, load_references(con))
    if epoch_problems is not None:
        annotated = pl.concat([annotated, epoch_problems], how="diagonal_relaxed")
    annotated = resolve_sources(annotated, entity.name)
    records = pl.concat([raw_records(raw), *epoch_records], how="diagonal_relaxed")
    prices = entity.name == "gpu_prices"
    if prices and _table_exists(con, table):
        # months of the price points being replaced: the index rebuilds them too
        mark_price_months_touched(con, f"select observed_date from {table}", [], table, run_id)
    files_read = con.sql(
        "select source_file, dataset, file_sha256 from audit.raw_files where entity = ?", params=[entity.name]
    ).pl()
    counts = write_staged(con, entity.name, table, records, annotated, run_id=run_id, files_read=files_read)
    if prices:
        mark_price_months_touched(con, f"select observed_date from {table}", [], table, run_id)
    return counts


def _staging_asset(entity: Entity) -> dg.AssetsDefinition:
    @dg.asset(
        name=entity.name,
        key_prefix=["staging"],
        group_name=GROUP,
        kinds={"duckdb", "polars"},
        pool=WAREHOUSE_POOL,
        deps=[
            ["raw", entity.name],
            *[epoch_asset_key(f) for f in files_for(entity.name)],
            *[a.key for a in REFERENCE_ASSETS],
        ],
        description=_DESCRIPTIONS[entity.name],
    )
    def staged_entity(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        watch = Stopwatch()
        with warehouse.write() as con:
            counts = stage_entity(con, entity, context.run_id)
            staged_rows = con.execute(f"select count(*) from staging.{entity.name}").fetchall()[0][0]
            reasons = con.sql(
                "select reason, count(*) as rows from quarantine.rejected_rows where entity = ? "
                "group by reason order by rows desc limit 10",
                params=[entity.name],
            ).pl()
        metadata = {
            "dagster/row_count": staged_rows,
            "rows_read": counts.rows_read,
            "rows_loaded": counts.rows_loaded,
            "rows_duplicate": counts.rows_duplicate,
            "rows_quarantined": counts.rows_quarantined,
            "seconds": watch.seconds,
        }
        if reasons.height:
            metadata["quarantine_reasons"] = dg.MetadataValue.md(frame_to_markdown(reasons))
        return dg.MaterializeResult(metadata=metadata)

    return staged_entity


STAGING_ASSETS = [_staging_asset(e) for e in ENTITIES.values()]
