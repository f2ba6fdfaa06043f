"""The GPU price index, monthly and daily, rebuilt only for the days whose prices changed.

Loads of the daily quote feed and of the curated price points record the days they touch
in `audit.price_days_touched`; this asset brings those days and their months up to date in
one transaction and clears the record, so a day's quotes cost that day's rows and a
month's aggregation, not the whole history's:

1. `sql/mart_gpu_price_provider_days.sql` → `marts.gpu_price_provider_days`, each
   provider's one price a day per variant and price type, for the touched days;
2. `sql/mart_gpu_price_index.sql` → `marts.gpu_price_index` (monthly), for their months;
3. `sql/mart_gpu_price_index_daily.sql` → `marts.gpu_price_index_daily`, for their months
   and the days after them that a price from them still reaches.

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
PROVIDER_DAYS_KEY = dg.AssetKey(["marts", "gpu_price_provider_days"])
GPU_PRICES_KEY = dg.AssetKey(["staging", "gpu_prices"])
#: The index's tables in the order they are built (each reads the one before).
_KEYS = {
    "marts.gpu_price_provider_days": PROVIDER_DAYS_KEY,
    "marts.gpu_price_index": INDEX_KEY,
    "marts.gpu_price_index_daily": DAILY_KEY,
}
_SQL = {table: load_sql(f"mart_{table.removeprefix('marts.')}").strip().rstrip(";") for table in _KEYS}

#: The index's method (docs/price-index.md): 1 counted every quote alike; 2 gives each
#: provider one price a day (the median of its regions and zones); 3 keeps GPU variants and
#: provider families apart, with roll-ups over them, and adds the daily index. A table built
#: by another version is rebuilt whole, never left a mix of two methods.
METHODOLOGY_VERSION = 3
#: How many days a provider's price counts in the daily index when it gives no newer one
#: (its day and the 6 after): a week, the cadence of the slowest catalogs we read.
STALENESS_DAYS = 7

#: The rows of each table a rebuild of the touched days and their months replaces.
_ROWS_REBUILT = {
    "marts.gpu_price_provider_days": "observed_date in (select day from audit.price_days_touched)",
    "marts.gpu_price_index": "list_contains($months, month)",
    "marts.gpu_price_index_daily": "list_contains($months, cast(date_trunc('month', day) as date)) or "
    "list_contains($months, cast(date_trunc('month', day - to_days($staleness_days - 1)) as date))",
}


#: The SQL parameters as the assets' pages tell them.
_WORDS = {
    "$every_day is true": "the index is rebuilt whole",
    "$staleness_days": str(STALENESS_DAYS),
    "$months is null": "the index is rebuilt whole",
    "$months": "the months a load touched",
    "$last_day": "the latest quote's day",
    "$methodology_version": str(METHODOLOGY_VERSION),
}


def _params(sql: str, months: list | None, last_day: date | None) -> dict:
    """The parameters `sql` reads, for a rebuild of `months` (of everything when None)."""
    return sql_params(
        sql,
        {
            "every_day": months is None,
            "months": months,
            **_day_window(months),
            "methodology_version": METHODOLOGY_VERSION,
            "staleness_days": STALENESS_DAYS,
            "last_day": last_day,
        },
    )


def _day_window(months: list[date] | None) -> dict:
    """The provider days the daily index's rebuild of `months` reads: the months and the
    staleness window either side (every day when `months` is None)."""
    if not months:
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


def _spec(table: str) -> dg.AssetSpec:
    # the provider days read the staged prices; the indexes read the provider days
    deps = [STAGED_KEY, GPU_PRICES_KEY] if table == "marts.gpu_price_provider_days" else [PROVIDER_DAYS_KEY]
    return dg.AssetSpec(
        _KEYS[table],
        group_name="marts",
        kinds={"duckdb", "sql"},
        deps=deps,
        description=description(_SQL[table], _WORDS),
        automation_condition=MART_AUTOMATION,
        freshness_policy=dg.FreshnessPolicy.time_window(fail_window=timedelta(days=3), warn_window=timedelta(days=2)),
        metadata={"sql_file": f"sql/mart_{table.removeprefix('marts.')}.sql"},
    )


@dg.multi_asset(specs=[_spec(table) for table in _KEYS])
def gpu_price_index(context: dg.AssetExecutionContext, warehouse: Warehouse):
    # the monthly index's chart is drawn on `drawer` while the daily index is computed
    with warehouse.write() as con, ThreadPoolExecutor(1) as drawer:
        # before the quote feed's first load its table does not exist: the index reads it empty
        con.execute(
            "create table if not exists staging.gpu_price_quotes as "
            "select *, null::date as partition_date, null::timestamp with time zone as loaded_at "
            "from staging.gpu_prices limit 0"
        )
        [(days, months)] = con.execute(
            "select count(distinct day), coalesce(list(distinct month order by month), []) "
            "from (select day, cast(date_trunc('month', day) as date) as month from audit.price_days_touched)"
        ).fetchall()
        [(last_day,)] = con.execute(
            "select max(d) from (select max(observed_date) as d from staging.gpu_prices "
            "union all select max(observed_date) from staging.gpu_price_quotes)"
        ).fetchall()
        full = not all(_same_method(con, table, last_day) for table in _SQL)
        for table, sql in _SQL.items():
            if full:
                con.execute(f"create or replace table {table} as {sql}", _params(sql, None, last_day))
            elif days:
                where = _ROWS_REBUILT[table]
                con.execute(f"delete from {table} where {where}", _params(where, months, last_day))
                con.execute(f"insert into {table} {sql}", _params(sql, months, last_day))
            if table == "marts.gpu_price_index":
                pictures = start_mart_pictures_and_numbers(con, "gpu_price_index", drawer)
        con.execute("delete from audit.price_days_touched")
        checks = input_checks(context.instance, [STAGED_KEY, GPU_PRICES_KEY], context.run.run_id)
        metadata = {key: table_metadata(con, table) for table, key in _KEYS.items()}
        metadata[INDEX_KEY] |= pictures.result()
    rebuilt = {"days_rebuilt": "all" if full else days, "months_rebuilt": "all" if full else len(months)}
    for key in _KEYS.values():
        yield dg.MaterializeResult(asset_key=key, metadata={**metadata[key], "input_checks": checks, **rebuilt})
