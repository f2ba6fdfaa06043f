"""Staged tables: normalized, in US dollars, canonical names, every figure low/mid/high.

Rows that break a rule go to `quarantine.rejected_rows` with the reason; every row read is
counted in `audit.reconciliation` as loaded, duplicate or quarantined.
"""


import dagster as dg

from assets.policies import WAREHOUSE_POOL
from assets.reference import REFERENCE_ASSETS, load_references
from assets.timing import Stopwatch
from assets.transforms.entities import ENTITIES, Entity
from assets.transforms.normalize import normalize
from assets.warehouse import frame_to_markdown, mark_price_months_touched, read_table, write_staged
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


def stage_entity(con, entity: Entity, run_id: str):
    """Normalize `raw.<entity>` into `staging.<entity>`; returns the load counts."""
    table = f"staging.{entity.name}"
    raw = read_table(con, f"raw.{entity.name}")
    annotated = normalize(entity.name, raw, load_references(con))
    prices = entity.name == "gpu_prices"
    if prices and _table_exists(con, table):
        # months of the price points being replaced: the index rebuilds them too
        mark_price_months_touched(con, f"select observed_date from {table}", [], table, run_id)
    counts = write_staged(con, entity.name, table, raw, annotated, run_id=run_id)
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
        deps=[["raw", entity.name], *[a.key for a in REFERENCE_ASSETS]],
        description=_DESCRIPTIONS[entity.name],
    )
    def staged_entity(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        watch = Stopwatch()
        with warehouse.write() as con:
            counts = stage_entity(con, entity, context.run_id)
            reasons = con.sql(
                "select reason, count(*) as rows from quarantine.rejected_rows where entity = ? "
                "group by reason order by rows desc limit 10",
                params=[entity.name],
            ).pl()
        metadata = {
            "dagster/row_count": counts.rows_loaded,
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
