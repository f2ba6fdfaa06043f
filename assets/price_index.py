"""The GPU price index, monthly and daily, rebuilt only for the months whose prices changed.

Loads of the daily quote feed and of the curated price points record the months they
touch in `audit.price_months_touched`; this asset recomputes those months in one
transaction and clears the record, so a day's quotes cost a month's aggregation, not the
whole history's:

1. `sql/gpu_price_provider_days.sql` → a temporary table of each provider's one price a
   day per variant and price type, for the touched months and the staleness window
   either side;
2. `sql/mart_gpu_price_index.sql` → `marts.gpu_price_index` (monthly);
3. `sql/mart_gpu_price_index_daily.sql` → `marts.gpu_price_index_daily`.

The method is in docs/price-index.md.
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import dagster as dg

from assets.marts import MART_AUTOMATION, description
from assets.quotes import STAGED_KEY
from assets.resources import Warehouse
from assets.table_metadata import input_checks, start_mart_pictures_and_numbers, table_metadata
from ledger.warehouse import load_sql, sql_params, table_exists

INDEX_KEY = dg.AssetKey(["marts", "gpu_price_index"])
DAILY_KEY = dg.AssetKey(["marts", "gpu_price_index_daily"])
GPU_PRICES_KEY = dg.AssetKey(["staging", "gpu_prices"])
_PROVIDER_DAYS_SQL = load_sql("gpu_price_provider_days").strip().rstrip(";")
_SQL = {
    "marts.gpu_price_index": load_sql("mart_gpu_price_index").strip().rstrip(";"),
    "marts.gpu_price_index_daily": load_sql("mart_gpu_price_index_daily").strip().rstrip(";"),
}

#: The index's method (docs/price-index.md): 1 counted every quote alike; 2 gives each
#: provider one price a day (the median of its regions and zones); 3 keeps GPU variants and
#: provider families apart, with roll-ups over them, and adds the daily index. A table built
#: by another version is rebuilt whole, never left a mix of two methods.
METHODOLOGY_VERSION = 3
#: How many days a provider's price counts in the daily index when it gives no newer one
#: (its day and the 6 after): a week, the cadence of the slowest catalogs we read.
STALENESS_DAYS = 7

#: Which rows of each table a set of months covers (what a rebuild of those months deletes).
_ROWS_OF_MONTHS = {
    "marts.gpu_price_index": "list_contains($months, month)",
    "marts.gpu_price_index_daily": "list_contains($months, cast(date_trunc('month', day) as date)) or "
    "list_contains($months, cast(date_trunc('month', day - to_days($staleness_days - 1)) as date))",
}


#: The SQL parameters as the assets' pages tell them.
_WORDS = {
    "$staleness_days": str(STALENESS_DAYS),
    "$months is null": "the index is rebuilt whole",
    "$months": "the months a load touched",
    "$last_day": "the latest quote's day",
    "$methodology_version": str(METHODOLOGY_VERSION),
}


def _params(sql: str, months: list | None, last_day: date | None) -> dict:
    return sql_params(
        sql,
        {
            "months": months,
            "methodology_version": METHODOLOGY_VERSION,
            "staleness_days": STALENESS_DAYS,
            "last_day": last_day,
        },
    )


def _day_window(months: list[date] | None) -> dict:
    """The quote days the months' rebuild reads: the months and the staleness window either
    side (every day when `months` is None)."""
    if months is None:
        return {"day_from": None, "day_to": None}
    last_month = max(months)
    month_end = (last_month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return {"day_from": min(months) - timedelta(days=STALENESS_DAYS), "day_to": month_end + timedelta(days=STALENESS_DAYS)}


def _same_method(con, table: str, last_day: date | None) -> bool:
    """Whether `table` exists and was built by this method: its columns and its
    `methodology_version`."""
    if not table_exists(con, table):
        return False
    sql = _SQL[table]
    wanted = [d[0] for d in con.execute(f"select * from ({sql}) limit 0", _params(sql, [], last_day)).description]
    have = [d[0] for d in con.execute(f"select * from {table} limit 0").description]
    if have != wanted:
        return False
    versions = {v for (v,) in con.execute(f"select distinct methodology_version from {table}").fetchall()}
    return versions <= {METHODOLOGY_VERSION}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key,
            group_name="marts",
            kinds={"duckdb", "sql"},
            deps=[STAGED_KEY, GPU_PRICES_KEY],
            description=description(_SQL[table], _WORDS),
            automation_condition=MART_AUTOMATION,
            freshness_policy=dg.FreshnessPolicy.time_window(fail_window=timedelta(days=3), warn_window=timedelta(days=2)),
            metadata={"sql_file": f"sql/mart_{table.removeprefix('marts.')}.sql"},
        )
        for key, table in ((INDEX_KEY, "marts.gpu_price_index"), (DAILY_KEY, "marts.gpu_price_index_daily"))
    ],
)
def gpu_price_index(context: dg.AssetExecutionContext, warehouse: Warehouse):
    # the monthly index's chart is drawn on `drawer` while the daily index is computed
    with warehouse.write() as con, ThreadPoolExecutor(1) as drawer:
        # before the quote feed's first load its table does not exist: the index reads it empty
        con.execute(
            "create table if not exists staging.gpu_price_quotes as "
            "select *, null::date as partition_date, null::timestamp with time zone as loaded_at "
            "from staging.gpu_prices limit 0"
        )
        months = [m for (m,) in con.execute("select distinct month from audit.price_months_touched order by 1").fetchall()]
        [(last_day,)] = con.execute(
            "select max(d) from (select max(observed_date) as d from staging.gpu_prices "
            "union all select max(observed_date) from staging.gpu_price_quotes)"
        ).fetchall()
        provider_days = f"create or replace temp table gpu_price_provider_days as {_PROVIDER_DAYS_SQL}"
        con.execute(provider_days + " limit 0", sql_params(_PROVIDER_DAYS_SQL, _day_window(None)))  # its columns
        full = not all(_same_method(con, table, last_day) for table in _SQL)
        if full or months:
            window = _day_window(None if full else months)
            con.execute(provider_days, sql_params(_PROVIDER_DAYS_SQL, window))
        for table, sql in _SQL.items():
            if full:
                con.execute(f"create or replace table {table} as {sql}", _params(sql, None, last_day))
            elif months:
                where = _ROWS_OF_MONTHS[table]
                con.execute(f"delete from {table} where {where}", _params(where, months, last_day))
                con.execute(f"insert into {table} {sql}", _params(sql, months, last_day))
            if table == "marts.gpu_price_index":
                pictures = start_mart_pictures_and_numbers(con, "gpu_price_index", drawer)
        con.execute("drop table if exists gpu_price_provider_days")
        con.execute("delete from audit.price_months_touched")
        checks = input_checks(context.instance, [STAGED_KEY, GPU_PRICES_KEY], context.run.run_id)
        metadata = {
            DAILY_KEY: table_metadata(con, "marts.gpu_price_index_daily"),
            INDEX_KEY: table_metadata(con, "marts.gpu_price_index") | pictures.result(),
        }
    for key in (INDEX_KEY, DAILY_KEY):
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={**metadata[key], "input_checks": checks, "months_rebuilt": "all" if full else len(months)},
        )
