"""The GPU price index, rebuilt only for the months whose prices changed.

Loads of the daily quote feed and of the curated price points record the months they
touch in `audit.price_months_touched`; this asset recomputes those months from
`sql/mart_gpu_price_index.sql` and clears the record, so a day's quotes cost a month's
aggregation, not the whole history's.
"""

from datetime import timedelta

import dagster as dg

from assets.marts import MART_AUTOMATION
from assets.quotes import STAGED_KEY
from assets.resources import Warehouse
from assets.table_metadata import input_checks, mart_pictures_and_numbers, table_metadata
from ledger.sql_text import header_comment
from ledger.warehouse import load_sql, sql_params, table_exists

INDEX_KEY = dg.AssetKey(["marts", "gpu_price_index"])
GPU_PRICES_KEY = dg.AssetKey(["staging", "gpu_prices"])
_SQL = load_sql("mart_gpu_price_index").strip().rstrip(";")


#: The index's method (sql/mart_gpu_price_index.sql): 1 counted every quote alike; 2 gives
#: each provider one price a day (the median of its regions and zones). A table built by
#: another version is rebuilt whole, never left a mix of two methods.
METHODOLOGY_VERSION = 2


def _params(months: list | None) -> dict:
    return sql_params(_SQL, {"months": months, "methodology_version": METHODOLOGY_VERSION})


def _same_method(con) -> bool:
    """Whether the index table was built by this method: its columns and its
    `methodology_version`."""
    wanted = [d[0] for d in con.execute(f"select * from ({_SQL}) limit 0", _params([])).description]
    have = [d[0] for d in con.execute("select * from marts.gpu_price_index limit 0").description]
    if have != wanted:
        return False
    versions = {v for (v,) in con.execute("select distinct methodology_version from marts.gpu_price_index").fetchall()}
    return versions <= {METHODOLOGY_VERSION}


@dg.asset(
    key=INDEX_KEY,
    group_name="marts",
    kinds={"duckdb", "sql"},
    deps=[STAGED_KEY, GPU_PRICES_KEY],
    description=header_comment(_SQL),
    automation_condition=MART_AUTOMATION,
    freshness_policy=dg.FreshnessPolicy.time_window(fail_window=timedelta(days=3), warn_window=timedelta(days=2)),
    metadata={"sql_file": "sql/mart_gpu_price_index.sql"},
)
def gpu_price_index(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.write() as con:
        # before the quote feed's first load its table does not exist: the index reads it empty
        con.execute(
            "create table if not exists staging.gpu_price_quotes as "
            "select *, null::date as partition_date, null::timestamp with time zone as loaded_at "
            "from staging.gpu_prices limit 0"
        )
        months = [m for (m,) in con.execute("select distinct month from audit.price_months_touched order by 1").fetchall()]
        full = not table_exists(con, "marts.gpu_price_index") or not _same_method(con)
        if full:
            con.execute(f"create or replace table marts.gpu_price_index as {_SQL}", _params(None))
        elif months:
            con.execute("delete from marts.gpu_price_index where list_contains(?, month)", [months])
            con.execute(f"insert into marts.gpu_price_index {_SQL}", _params(months))
        con.execute("delete from audit.price_months_touched")
        metadata = table_metadata(con, "marts.gpu_price_index") | mart_pictures_and_numbers(con, "gpu_price_index")
    return dg.MaterializeResult(
        metadata={
            **metadata,
            "input_checks": input_checks(context.instance, [STAGED_KEY, GPU_PRICES_KEY], context.run.run_id),
            "months_rebuilt": "all" if full else len(months),
        }
    )
