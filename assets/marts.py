"""Marts: one asset per `sql/mart_<name>.sql`, built into `marts.<name>`.

Each mart's description is its SQL file's header comment, and its upstream assets are
the tables its SQL reads, so the SQL file is the one place a mart is defined.
"""


import re
from datetime import timedelta

import dagster as dg

from assets.policies import WAREHOUSE_POOL
from assets.timing import Stopwatch
from assets.table_metadata import input_checks, table_metadata
from assets.warehouse import SQL_DIR, build_table_from_sql, load_sql
from pipelines.resources import Inputs, Warehouse

GROUP = "marts"

#: Tables written by an asset whose key is not the table's own name.
_TABLE_OWNERS = {
    "ref.gpu_aliases": dg.AssetKey(["ref", "gpu_catalog"]),
    "ref.companies": dg.AssetKey(["ref", "company_aliases"]),
}
_TABLE = re.compile(r"\b(staging|ref|marts)\.([a-z_][a-z0-9_]*)\b")


#: Marts rebuild when an input updates, once every blocking check on their inputs passed.
MART_AUTOMATION = dg.AutomationCondition.eager() & dg.AutomationCondition.all_deps_blocking_checks_passed()
#: The weekly rebuild keeps every mart under 8 days old; older means the schedule stopped.
MART_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=timedelta(days=8), warn_window=timedelta(days=7))

#: Marts built by their own asset rather than this factory (partitioned, incremental).
CUSTOM_MARTS = {"gpu_price_index"}


def mart_names() -> list[str]:
    """Marts defined by `sql/mart_*.sql`, in file-name order."""
    return sorted(
        name for p in SQL_DIR.glob("mart_*.sql") if (name := p.stem.removeprefix("mart_")) not in CUSTOM_MARTS
    )


def upstream_keys(sql: str) -> list[dg.AssetKey]:
    """The asset keys of the tables a SQL text reads."""
    tables = sorted({f"{schema}.{name}" for schema, name in _TABLE.findall(_strip_comments(sql))})
    return [_TABLE_OWNERS.get(t, dg.AssetKey(t.split("."))) for t in tables]


def description(sql: str) -> str:
    """The header comment of a SQL file, as prose."""
    lines = []
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        lines.append(line.removeprefix("--").strip())
    return "\n".join(lines).strip().replace("$as_of", "the as-of date (COMPUTE_LEDGER_AS_OF, else today)")


def _strip_comments(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


def _mart_asset(name: str) -> dg.AssetsDefinition:
    sql = load_sql(f"mart_{name}")
    deps = upstream_keys(sql)

    @dg.asset(
        name=name,
        key_prefix=["marts"],
        group_name=GROUP,
        kinds={"duckdb", "sql"},
        pool=WAREHOUSE_POOL,
        deps=deps,
        description=description(sql),
        metadata={"sql_file": f"sql/mart_{name}.sql"},
        automation_condition=MART_AUTOMATION,
        freshness_policy=MART_FRESHNESS,
    )
    def mart(context: dg.AssetExecutionContext, warehouse: Warehouse, inputs: Inputs) -> dg.MaterializeResult:
        watch = Stopwatch()
        table = f"marts.{name}"
        with warehouse.write() as con:
            build_table_from_sql(con, table, f"mart_{name}", {"as_of": inputs.as_of_date})
            metadata = table_metadata(con, table)
        return dg.MaterializeResult(
            metadata={
                **metadata,
                "input_checks": input_checks(context.instance, deps),
                "as_of": str(inputs.as_of_date),
                "seconds": watch.seconds,
            }
        )

    return mart


MART_ASSETS = [_mart_asset(n) for n in mart_names()]
