"""Marts: one asset per `sql/mart_<name>.sql`, built into `marts.<name>`.

Each mart's description is its SQL file's header comment, and its upstream assets are
the tables its SQL reads, so the SQL file is the one place a mart is defined.
"""

from datetime import timedelta

import dagster as dg

from assets.resources import Inputs, Warehouse
from assets.table_metadata import input_checks, mart_pictures_and_numbers, table_metadata
from ledger.sql_text import header_comment, tables_read
from ledger.warehouse import SQL_DIR, build_table_from_sql, load_sql

GROUP = "marts"

#: Tables written by an asset whose key is not the table's own name.
_TABLE_OWNERS = {
    "ref.gpu_aliases": dg.AssetKey(["ref", "gpu_catalog"]),
    "ref.companies": dg.AssetKey(["ref", "company_aliases"]),
}
#: Schemas whose tables are assets upstream of a mart or check.
_ASSET_SCHEMAS = ("staging", "ref", "marts")


#: Marts rebuild when an input updates, once every blocking check on their inputs passed.
MART_AUTOMATION = dg.AutomationCondition.eager() & dg.AutomationCondition.all_deps_blocking_checks_passed()
#: The weekly rebuild keeps every mart under 8 days old; older means the schedule stopped.
MART_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=timedelta(days=8), warn_window=timedelta(days=7))

#: Marts built by their own asset rather than this factory (partitioned, incremental).
CUSTOM_MARTS = {"gpu_price_index", "gpu_price_index_daily", "gpu_price_provider_days"}


def mart_names() -> list[str]:
    """Marts defined by `sql/mart_*.sql`, in file-name order."""
    return sorted(name for p in SQL_DIR.glob("mart_*.sql") if (name := p.stem.removeprefix("mart_")) not in CUSTOM_MARTS)


def upstream_keys(sql: str) -> list[dg.AssetKey]:
    """The asset keys of the tables a SQL text reads."""
    tables = [t for t in tables_read(sql) if t.split(".")[0] in _ASSET_SCHEMAS]
    return [_TABLE_OWNERS.get(t, dg.AssetKey(t.split("."))) for t in tables]


def description(sql: str, words: dict[str, str] | None = None) -> str:
    """The header comment of a SQL file, as prose: its parameters told in words (`words`,
    in order, beside `$as_of`)."""
    text = header_comment(sql)
    for token, said in {**(words or {}), "$as_of": "the as-of date (COMPUTE_LEDGER_AS_OF, else today)"}.items():
        text = text.replace(token, said)
    return text


def _mart_asset(name: str) -> dg.AssetsDefinition:
    sql = load_sql(f"mart_{name}")
    deps = upstream_keys(sql)

    @dg.asset(
        name=name,
        key_prefix=["marts"],
        group_name=GROUP,
        kinds={"duckdb", "sql"},
        deps=deps,
        description=description(sql),
        metadata={"sql_file": f"sql/mart_{name}.sql"},
        automation_condition=MART_AUTOMATION,
        freshness_policy=MART_FRESHNESS,
    )
    def mart(context: dg.AssetExecutionContext, warehouse: Warehouse, inputs: Inputs) -> dg.MaterializeResult:
        table = f"marts.{name}"
        with warehouse.write() as con:
            build_table_from_sql(con, table, f"mart_{name}", {"as_of": inputs.as_of_date})
            metadata = table_metadata(con, table) | mart_pictures_and_numbers(con, name)
        return dg.MaterializeResult(
            metadata={
                **metadata,
                "input_checks": input_checks(context.instance, deps, context.run.run_id),
                "as_of": str(inputs.as_of_date),
            }
        )

    return mart


MART_ASSETS = [_mart_asset(n) for n in mart_names()]
