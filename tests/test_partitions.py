"""GPU price quotes by day: a day loads without rewriting the rest, a range loads in one
run, rewriting a day is atomic, and the index rebuilds only the days touched and their months."""

import logging

import dagster as dg
import duckdb
import pytest

from assets.quotes import QUOTE_DAYS, day_range_tags
from assets.resources import Inputs, Warehouse
from helpers import MINI_INPUT, all_assets, copy_input, materialize_everything, query
from ledger.quality.suites import load_suites

HEADER = (
    "quote_id,gpu_model,price_type,price_high,currency,observed_date,price_per,gpus_per_instance,provider,source_publication\n"
)


def day_file(folder, day, prices, prefix="q"):
    lines = [f"{prefix}-{day}-{i},H100,on_demand,{p},USD,{day},gpu,,cloud-{i},test fixture" for i, p in enumerate(prices)]
    (folder / f"gpu_price_quotes_{day}.csv").write_text(HEADER + "\n".join(lines) + "\n")


@pytest.fixture
def warehouse(tmp_path):
    db = tmp_path / "w.duckdb"
    quotes = tmp_path / "quotes"
    quotes.mkdir()
    materialize_everything(db, MINI_INPUT, "2025-09-30", quotes_dir=quotes)
    return db, quotes


FEED_AND_INDEX = (
    ["raw", "gpu_price_quotes"],
    ["staging", "gpu_price_quotes"],
    ["marts", "gpu_price_provider_days"],
    ["marts", "gpu_price_index"],
    ["marts", "gpu_price_index_daily"],
)


def load(db, quotes, *, partition_key=None, tags=None, raise_on_error=True, instance=None, assets=FEED_AND_INDEX):
    """A run of `assets` (the quote feed and the index) and their checks."""
    return dg.materialize(
        all_assets(),
        selection=dg.AssetSelection.assets(*assets),
        resources={
            "warehouse": Warehouse(path=str(db)),
            "inputs": Inputs(input_dir=str(MINI_INPUT), as_of="2025-09-30", quotes_dir=str(quotes)),
        },
        partition_key=partition_key,
        tags=tags,
        raise_on_error=raise_on_error,
        instance=instance,
    )


def per_day(db):
    return {
        str(r["partition_date"]): r["n"]
        for r in query(db, "select partition_date, count(*) as n from staging.gpu_price_quotes group by 1")
    }


def index_rows(db):
    return query(
        db,
        "select * from marts.gpu_price_index where price_type = 'on_demand' "
        "and gpu_variant is null and provider_family is null order by month",  # the family roll-up
    )


def test_one_day_loads_without_touching_the_others(warehouse):
    db, quotes = warehouse
    day_file(quotes, "2025-03-10", [2.0, 3.0])
    day_file(quotes, "2025-04-02", [4.0])
    load(db, quotes, tags=day_range_tags("2025-03-10", "2025-04-02"))  # a backfill in one run
    assert per_day(db) == {"2025-03-10": 2, "2025-04-02": 1}
    loaded_at = query(db, "select min(loaded_at) as t from raw.gpu_price_quotes where partition_date = '2025-03-10'")[0]["t"]

    day_file(quotes, "2025-04-02", [5.0, 6.0, 7.0])
    result = load(db, quotes, partition_key="2025-04-02")
    assert per_day(db) == {"2025-03-10": 2, "2025-04-02": 3}
    # March was not rewritten: same rows, same load time
    assert (
        query(db, "select min(loaded_at) as t from raw.gpu_price_quotes where partition_date = '2025-03-10'")[0]["t"] == loaded_at
    )
    index = {str(r["month"]): r for r in index_rows(db) if r["gpu_model"] == "H100"}
    assert index["2025-04-01"]["quote_count"] == 3 and index["2025-04-01"]["median_usd"] == 6.0
    # only the touched month was recomputed
    [event] = [e for e in result.get_asset_materialization_events() if e.asset_key == dg.AssetKey(["marts", "gpu_price_index"])]
    assert event.materialization.metadata["months_rebuilt"].value == 1
    recon = query(db, "select * from audit.reconciliation where entity = 'gpu_price_quotes' order by loaded_at desc limit 1")[0]
    assert (recon["rows_read"], recon["rows_loaded"]) == (3, 3)


def test_rewriting_a_day_is_atomic(warehouse):
    db, quotes = warehouse
    day_file(quotes, "2025-05-05", [2.0, 3.0])
    load(db, quotes, partition_key="2025-05-05")
    before = query(db, "select * from staging.gpu_price_quotes order by quote_id")
    index_before = index_rows(db)
    bad = quotes / "gpu_price_quotes_2025-05-05.csv"
    bad.write_bytes(bad.read_bytes() + b"q-x,H100,on_demand,\xff\xfe,USD,2025-05-05,gpu,,c,test\n")
    result = load(db, quotes, partition_key="2025-05-05", raise_on_error=False)
    assert not result.success
    assert query(db, "select * from staging.gpu_price_quotes order by quote_id") == before
    assert index_rows(db) == index_before


def test_a_history_file_is_sorted_into_days(warehouse):
    db, quotes = warehouse
    rows = [f"h-{d},H100,spot,2.5,USD,2025-06-0{d},gpu,,c,test fixture" for d in (1, 2, 3)]
    rows.append("h-bad,H100,spot,2.5,USD,someday,gpu,,c,test fixture")
    (quotes / "history_export.csv").write_text(HEADER + "\n".join(rows) + "\n")
    load(db, quotes, tags=day_range_tags("2025-06-01", "2025-06-02"))
    assert per_day(db) == {"2025-06-01": 1, "2025-06-02": 1}
    rejected = query(db, "select reason from quarantine.rejected_rows where entity = 'gpu_price_quotes'")
    assert len(rejected) == 1 and "someday" in rejected[0]["reason"]
    recon = query(db, "select * from audit.reconciliation where entity = 'gpu_price_quotes'")[0]
    assert recon["rows_read"] == recon["rows_loaded"] + recon["rows_duplicate"] + recon["rows_quarantined"] == 3


def test_a_run_without_a_partition_loads_the_days_with_files(warehouse):
    """What the Launchpad's defaults and `make run` launch: no partition tags at all."""
    db, quotes = warehouse
    day_file(quotes, "2025-03-10", [2.0, 3.0])
    day_file(quotes, "2025-04-02", [4.0])
    instance = dg.DagsterInstance.ephemeral()
    result = load(db, quotes, instance=instance, assets=FEED_AND_INDEX[:2])
    assert result.success
    assert per_day(db) == {"2025-03-10": 2, "2025-04-02": 1}
    # each day from the first file's through today is recorded as materialized
    materialized = instance.get_materialized_partitions(dg.AssetKey(["staging", "gpu_price_quotes"]))
    assert {"2025-03-10", "2025-03-11", "2025-04-02"} <= materialized and "2025-03-09" not in materialized
    assert max(materialized) == QUOTE_DAYS.get_last_partition_key()


def test_a_failure_retrying_cannot_fix_is_not_retried(warehouse, monkeypatch):
    """A bug or a wrong file fails at once; only transient I/O errors use the retry policy."""
    import assets.quotes

    db, quotes = warehouse
    day_file(quotes, "2025-03-10", [2.0])
    attempts = []

    def broken(*args):
        attempts.append(args)
        raise KeyError("a bug")

    monkeypatch.setattr(assets.quotes, "split_quote_batch", broken)
    result = load(db, quotes, partition_key="2025-03-10", raise_on_error=False)
    assert not result.success
    assert len(attempts) == 1  # one attempt: no retry
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "KeyError: 'a bug'" in failure.step_failure_data.error.message
    assert not [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]


def test_a_transient_io_error_is_retried(warehouse, monkeypatch):
    import assets.quotes

    db, quotes = warehouse
    day_file(quotes, "2025-03-10", [2.0])
    real, calls = assets.quotes.quote_files, []

    def flaky(*args):
        calls.append(args)
        if len(calls) == 1:
            raise OSError(5, "Input/output error")
        return real(*args)

    monkeypatch.setattr(assets.quotes, "quote_files", flaky)
    result = load(db, quotes, partition_key="2025-03-10")
    assert result.success and len(calls) == 2
    assert per_day(db) == {"2025-03-10": 1}


def test_a_day_rebuilds_the_daily_index_as_a_full_rebuild_would(warehouse, tmp_path):
    """A day late in a month changes that month's daily index and the first days of the next
    (a price counts for up to 7 days): the incremental rebuild must give what rebuilding
    every day gives, for the monthly and the daily index alike."""
    import shutil

    import duckdb

    db, quotes = warehouse
    day_file(quotes, "2025-03-20", [2.0, 3.0])
    day_file(quotes, "2025-04-03", [4.0])
    load(db, quotes, tags=day_range_tags("2025-03-20", "2025-04-03"))
    day_file(quotes, "2025-03-29", [2.5, 3.5], prefix="late")
    result = load(db, quotes, partition_key="2025-03-29")
    [event] = [
        e for e in result.get_asset_materialization_events() if e.asset_key == dg.AssetKey(["marts", "gpu_price_index_daily"])
    ]
    assert event.materialization.metadata["months_rebuilt"].value == 1
    assert event.materialization.metadata["days_rebuilt"].value == 1
    daily = "select * from marts.gpu_price_index_daily order by all"
    monthly = "select * from marts.gpu_price_index order by all"
    provider_days = "select * from marts.gpu_price_provider_days order by all"
    incremental = (query(db, daily), query(db, monthly), query(db, provider_days))
    # cloud-0 and cloud-1 price on March 29; cloud-0 again on April 3 (its newer price
    # replaces the old), cloud-1's March price counts through April 4 (age 6)
    april = query(
        db,
        "select day::varchar as day, provider_count, carried_price_count from marts.gpu_price_index_daily "
        "where gpu_variant is null and provider_family is null and day between '2025-04-01' and '2025-04-05' order by day",
    )
    assert [(r["day"], r["provider_count"], r["carried_price_count"]) for r in april] == [
        ("2025-04-01", 2, 2),
        ("2025-04-02", 2, 2),
        ("2025-04-03", 2, 1),
        ("2025-04-04", 2, 2),
        ("2025-04-05", 1, 1),  # cloud-1's March 29 price is stale
    ]

    full = tmp_path / "full.duckdb"
    shutil.copy(db, full)
    with duckdb.connect(str(full)) as con:
        con.execute("drop table marts.gpu_price_index")
        con.execute("drop table marts.gpu_price_index_daily")
        con.execute("drop table marts.gpu_price_provider_days")
    dg.materialize(
        all_assets(),
        selection=dg.AssetSelection.assets(
            ["marts", "gpu_price_provider_days"], ["marts", "gpu_price_index"], ["marts", "gpu_price_index_daily"]
        ),
        resources={"warehouse": Warehouse(path=str(full)), "inputs": Inputs(input_dir=str(MINI_INPUT), as_of="2025-09-30")},
    )
    assert (query(full, daily), query(full, monthly), query(full, provider_days)) == incremental


def test_a_provider_gone_from_a_reloaded_day_leaves_its_price_of_that_day(warehouse):
    """The providers' prices are kept (marts.gpu_price_provider_days) and a load recomputes
    only the days it touched: a day reloaded from a file that no longer lists a provider
    loses that provider's price, and the other days keep theirs."""
    db, quotes = warehouse
    day_file(quotes, "2025-03-10", [2.0, 3.0])
    day_file(quotes, "2025-03-11", [2.2, 3.2])
    load(db, quotes, tags=day_range_tags("2025-03-10", "2025-03-11"))
    prices = (
        "select observed_date::varchar as day, provider_key, price_usd from marts.gpu_price_provider_days "
        "where observed_date between '2025-03-10' and '2025-03-11' order by all"
    )
    assert [(r["day"], r["provider_key"]) for r in query(db, prices)] == [
        ("2025-03-10", "cloud-0"),
        ("2025-03-10", "cloud-1"),
        ("2025-03-11", "cloud-0"),
        ("2025-03-11", "cloud-1"),
    ]
    day_file(quotes, "2025-03-10", [2.5])  # cloud-1 no longer lists it
    load(db, quotes, partition_key="2025-03-10")
    assert [(r["day"], r["provider_key"], r["price_usd"]) for r in query(db, prices)] == [
        ("2025-03-10", "cloud-0", 2.5),
        ("2025-03-11", "cloud-0", 2.2),
        ("2025-03-11", "cloud-1", 3.2),
    ]
    assert query(db, "select count(*) as n from audit.price_days_touched")[0]["n"] == 0


def test_a_short_row_fails_the_day_with_its_row_named(warehouse):
    """Polars' reader pads a row with too few cells with nulls; the feed counts the records
    with DuckDB's strict reader first, so the file fails, naming the row, and the day
    stays as it was."""
    db, quotes = warehouse
    day_file(quotes, "2025-05-06", [2.0, 3.0])
    load(db, quotes, partition_key="2025-05-06")
    before = query(db, "select * from raw.gpu_price_quotes order by quote_id")
    bad = quotes / "gpu_price_quotes_2025-05-06.csv"
    bad.write_text(bad.read_text() + "q-short,H100,on_demand,5.0,USD,2025-05-06\n")
    result = load(db, quotes, partition_key="2025-05-06", raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure).step_failure_data.error
    message = failure.cause.message if failure.cause else failure.message
    assert "gpu_price_quotes_2025-05-06.csv" in message and "row 4" in message
    assert query(db, "select * from raw.gpu_price_quotes order by quote_id") == before


def test_prices_from_the_quote_feed_alone(tmp_path):
    """A user whose prices all come from the quote feed (no gpu_prices*.csv in the input
    folder): the whole run succeeds, the curated price table is empty, and the index is
    built from the feed's quotes."""
    inputs = copy_input(MINI_INPUT, tmp_path / "input")
    for csv in inputs.glob("gpu_prices*.csv"):
        csv.unlink()
    quotes = tmp_path / "quotes"
    quotes.mkdir()
    day_file(quotes, "2025-03-10", [2.0, 4.0, 6.0])
    db = tmp_path / "w.duckdb"
    result = materialize_everything(db, inputs, "2025-09-30", quotes_dir=quotes)
    assert result.success
    assert query(db, "select count(*) as n from staging.gpu_prices") == [{"n": 0}]
    assert query(db, "select count(*) as n from audit.reconciliation where entity = 'gpu_prices'") == [{"n": 0}]
    [march] = [r for r in index_rows(db) if str(r["month"]) == "2025-03-01"]
    assert march["median_usd"] == 4.0 and march["provider_count"] == 3


def test_days_staged_by_an_earlier_version_are_all_reloaded(warehouse):
    """A warehouse whose quote days were staged before a column existed (GPU variants): a
    run of one day reloads every day from the quote files, so no day keeps the old columns,
    and says so in its log."""
    db, quotes = warehouse
    day_file(quotes, "2025-03-10", [2.0, 3.0])
    day_file(quotes, "2025-04-02", [4.0])
    load(db, quotes, tags=day_range_tags("2025-03-10", "2025-04-02"))
    with duckdb.connect(str(db)) as con:
        con.execute("alter table staging.gpu_price_quotes drop column gpu_variant")
    instance = dg.DagsterInstance.ephemeral()
    result = load(db, quotes, partition_key="2025-04-02", instance=instance)
    assert per_day(db) == {"2025-03-10": 2, "2025-04-02": 1}
    assert query(db, "select count(*) as n from staging.gpu_price_quotes where gpu_variant = 'H100'") == [{"n": 3}]
    warnings = [e.user_message for e in instance.all_logs(result.run_id) if e.level == logging.WARNING]
    assert any("earlier version's columns" in m for m in warnings)


def test_the_index_page_names_the_checks_of_earlier_runs(warehouse):
    """The index's `input_checks` table: its inputs' checks from this run, else their
    latest evaluation in an earlier run of the instance, else "not run"."""
    db, quotes = warehouse
    day_file(quotes, "2025-03-10", [2.0, 3.0])
    instance = dg.DagsterInstance.ephemeral()
    load(db, quotes, partition_key="2025-03-10", instance=instance)
    result = load(db, quotes, instance=instance, assets=FEED_AND_INDEX[2:])  # the index alone
    [index] = [
        e.materialization
        for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey(["marts", "gpu_price_index"])
    ]
    rows = {line.split(" | ")[0].strip("| "): line for line in index.metadata["input_checks"].value.splitlines()[2:]}
    suites = {s.table: s for s in load_suites()}
    quote_checks = len(suites["staging.gpu_price_quotes"].expectations)
    price_checks = len(suites["staging.gpu_prices"].expectations)
    # evaluated in the first run, read back from the instance
    assert f"| {quote_checks} of {quote_checks} |" in rows["staging/gpu_price_quotes"]
    # never evaluated in this instance
    assert f"| 0 of {price_checks} |" in rows["staging/gpu_prices"] and "not run" in rows["staging/gpu_prices"]
